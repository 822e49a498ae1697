use std::task::{Context, Poll};

use http::{HeaderName, Request, Response};
use tower_service::Service;

use super::{RequestId, ResponseFuture};

/// Middleware that assigns the [`RequestId`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct SetRequestId<S> {
    inner: S,
    header: HeaderName,
}

impl<S> SetRequestId<S> {
    /// Wraps `inner`, reading and writing the ID in `header`.
    pub const fn new(inner: S, header: HeaderName) -> Self {
        Self { inner, header }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SetRequestId<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let id = request
            .headers()
            .get(&self.header)
            .and_then(RequestId::from_incoming)
            .unwrap_or_else(RequestId::generate);
        // The request header is rewritten too (replacing every value the
        // client sent), so a handler reading the header, or forwarding it
        // on an outgoing call, sees the ID the logs and the response carry,
        // never an attacker's 10 kB or control characters.
        request
            .headers_mut()
            .insert(self.header.clone(), id.header_value().clone());
        request.extensions_mut().insert(id.clone());
        ResponseFuture::new(self.inner.call(request), self.header.clone(), id)
    }
}
