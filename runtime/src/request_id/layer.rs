use http::HeaderName;
use tower_layer::Layer;

use super::SetRequestId;

/// Layer applying [`SetRequestId`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct RequestIdLayer {
    header: HeaderName,
}

impl RequestIdLayer {
    /// A layer reading and writing the ID in `header` (strata's default is
    /// `x-request-id`).
    pub const fn new(header: HeaderName) -> Self {
        Self { header }
    }
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = SetRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetRequestId::new(inner, self.header.clone())
    }
}
