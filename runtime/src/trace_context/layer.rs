use tower_layer::Layer;

use super::SetTraceContext;

/// Layer applying [`SetTraceContext`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct TraceContextLayer {
    sample_new: bool,
}

impl TraceContextLayer {
    /// A layer that continues valid incoming traces and starts new ones
    /// with the sampled flag `sample_new`.
    pub const fn new(sample_new: bool) -> Self {
        Self { sample_new }
    }
}

impl<S> Layer<S> for TraceContextLayer {
    type Service = SetTraceContext<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetTraceContext::new(inner, self.sample_new)
    }
}
