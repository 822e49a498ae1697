use axum::extract::DefaultBodyLimit;
use tower_layer::Layer;

use super::BodyLimit;

/// Layer applying [`BodyLimit`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimitLayer {
    max: u64,
}

impl BodyLimitLayer {
    /// Request bodies of at most `max` bytes.
    pub const fn new(max: u64) -> Self {
        Self { max }
    }
}

/// The limit axum's extractors apply when nothing configures it
/// (`axum_core`'s `DEFAULT_LIMIT`, 2 MiB).
const AXUM_DEFAULT_LIMIT: u64 = 2_097_152;

impl<S> Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        // Under a limit of at most axum's own, axum's never bites first and
        // is left alone (switching it off costs an extension per request).
        // Above it, it is switched off below this layer, so `max` is the
        // one limit.
        let inner = if self.max > AXUM_DEFAULT_LIMIT {
            Inner::AxumLimitOff(DefaultBodyLimit::disable().layer(inner))
        } else {
            Inner::Plain(inner)
        };
        BodyLimit { inner, max: self.max }
    }
}

/// The inner service, with or without axum's extractor limit switched off.
#[derive(Clone, Debug)]
pub(super) enum Inner<S> {
    Plain(S),
    AxumLimitOff(<DefaultBodyLimit as Layer<S>>::Service),
}
