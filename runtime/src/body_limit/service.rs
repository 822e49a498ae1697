use std::task::{Context, Poll};

use axum::BoxError;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::layer::Inner;
use super::{LimitedBody, ResponseFuture, too_large};

/// Middleware refusing bodies over the limit; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct BodyLimit<S> {
    pub(super) inner: Inner<S>,
    pub(super) max: u64,
}

impl<S> Inner<S> {
    fn poll_ready<E>(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), E>>
    where
        S: Service<Request<Body>, Error = E>,
    {
        match self {
            Inner::Plain(inner) => inner.poll_ready(cx),
            Inner::AxumLimitOff(inner) => inner.poll_ready(cx),
        }
    }

    fn call(&mut self, request: Request<Body>) -> S::Future
    where
        S: Service<Request<Body>>,
    {
        match self {
            Inner::Plain(inner) => inner.call(request),
            Inner::AxumLimitOff(inner) => inner.call(request),
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BodyLimit<S>
where
    S: Service<Request<Body>, Response = Response<ResBody>>,
    ReqBody: http_body::Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // hyper's body knows its `Content-Length` (an exact size hint; HTTP/1.1
        // and HTTP/2 alike), so the header itself need not be parsed again.
        let size = request.body().size_hint();
        if size.lower() > self.max {
            return ResponseFuture::answer(too_large());
        }
        if size.upper().is_some_and(|upper| upper <= self.max) {
            // Known and within the limit: `Body::new` of an axum `Body` is the
            // body itself, no allocation, no counting.
            return ResponseFuture::inner(self.inner.call(request.map(Body::new)), false);
        }
        let max = usize::try_from(self.max).unwrap_or(usize::MAX);
        let request = request.map(|body| Body::new(LimitedBody::new(body, max)));
        ResponseFuture::inner(self.inner.call(request), true)
    }
}
