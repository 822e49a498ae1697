use tower_layer::Layer;

use super::{SecurityHeaders, SecurityHeadersPolicy};

/// Layer applying [`SecurityHeaders`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeadersLayer {
    policy: &'static SecurityHeadersPolicy,
}

impl SecurityHeadersLayer {
    /// A layer adding `policy`'s headers.
    pub const fn new(policy: &'static SecurityHeadersPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeaders {
            inner,
            policy: self.policy,
        }
    }
}
