use tower_layer::Layer;

use super::{TrustedHost, TrustedHostPolicy};

/// Layer applying [`TrustedHost`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct TrustedHostLayer {
    policy: &'static TrustedHostPolicy,
}

impl TrustedHostLayer {
    /// A layer enforcing `policy`.
    pub const fn new(policy: &'static TrustedHostPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for TrustedHostLayer {
    type Service = TrustedHost<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TrustedHost::new(inner, self.policy)
    }
}
