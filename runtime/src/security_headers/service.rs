use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use super::{ResponseFuture, SecurityHeadersPolicy};

/// Middleware adding security headers; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct SecurityHeaders<S> {
    pub(super) inner: S,
    pub(super) policy: &'static SecurityHeadersPolicy,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SecurityHeaders<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        ResponseFuture {
            inner: self.inner.call(request),
            policy: self.policy,
        }
    }
}
