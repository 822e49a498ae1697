use tower_layer::Layer;

use super::{RedirectSlashes, SlashMode};

/// Layer applying [`RedirectSlashes`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct RedirectSlashesLayer {
    mode: SlashMode,
}

impl RedirectSlashesLayer {
    /// A layer redirecting or trimming, per `mode`.
    pub const fn new(mode: SlashMode) -> Self {
        Self { mode }
    }
}

impl<S> Layer<S> for RedirectSlashesLayer {
    type Service = RedirectSlashes<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedirectSlashes { inner, mode: self.mode }
    }
}
