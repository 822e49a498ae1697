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

impl<S> Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<<DefaultBodyLimit as Layer<S>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        BodyLimit {
            // `max` is the one limit: axum's extractors stop applying their
            // 2 MiB default below this layer.
            inner: DefaultBodyLimit::disable().layer(inner),
            max: self.max,
        }
    }
}
