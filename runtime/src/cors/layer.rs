use tower_layer::Layer;

use super::{CompiledPolicy, Cors, CorsPolicy};

/// Layer applying [`Cors`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct CorsLayer {
    policy: CompiledPolicy,
}

impl CorsLayer {
    /// A layer enforcing `policy`, compiling its `origin_regex` once.
    ///
    /// # Panics
    ///
    /// If `origin_regex` does not compile. strata rejects such a regex when it
    /// checks the stack, so a generated policy never panics here; a
    /// hand-written one fails at start-up rather than refusing every origin.
    pub fn new(policy: &'static CorsPolicy) -> Self {
        Self {
            policy: CompiledPolicy::new(policy),
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors {
            inner,
            policy: self.policy.clone(),
        }
    }
}
