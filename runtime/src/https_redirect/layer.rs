use tower_layer::Layer;

use super::{HttpsRedirect, HttpsRedirectPolicy};

/// Layer applying [`HttpsRedirect`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct HttpsRedirectLayer {
    policy: &'static HttpsRedirectPolicy,
}

impl HttpsRedirectLayer {
    /// A layer enforcing `policy`.
    pub const fn new(policy: &'static HttpsRedirectPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for HttpsRedirectLayer {
    type Service = HttpsRedirect<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpsRedirect {
            inner,
            policy: self.policy,
        }
    }
}
