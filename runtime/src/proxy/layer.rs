use tower_layer::Layer;

use super::{Proxy, ProxyPolicy};

/// Layer applying [`Proxy`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct ProxyLayer {
    policy: &'static ProxyPolicy,
}

impl ProxyLayer {
    /// A layer resolving the client with `policy`.
    pub const fn new(policy: &'static ProxyPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for ProxyLayer {
    type Service = Proxy<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Proxy::new(inner, self.policy)
    }
}
