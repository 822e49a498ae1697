use tower_layer::Layer;

use super::CatchPanic;

/// Layer applying [`CatchPanic`]; see the [module docs](super).
#[derive(Clone, Copy, Debug, Default)]
pub struct CatchPanicLayer;

impl CatchPanicLayer {
    /// The layer.
    pub const fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CatchPanic::new(inner)
    }
}
