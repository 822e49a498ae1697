use std::task::{Context, Poll};

use http::Request;
use tower_service::Service;

use super::TraceContext;

/// Middleware that puts the request's [`TraceContext`] into its extensions;
/// see the [module docs](super). Adds no future of its own.
#[derive(Clone, Copy, Debug)]
pub struct SetTraceContext<S> {
    inner: S,
    sample_new: bool,
}

impl<S> SetTraceContext<S> {
    /// Wraps `inner`; new traces get the sampled flag `sample_new`.
    pub const fn new(inner: S, sample_new: bool) -> Self {
        Self { inner, sample_new }
    }
}

impl<S, ReqBody> Service<Request<ReqBody>> for SetTraceContext<S>
where
    S: Service<Request<ReqBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let context = TraceContext::from_headers(request.headers(), self.sample_new);
        request.extensions_mut().insert(context);
        self.inner.call(request)
    }
}
