use std::task::{Context, Poll};
use std::time::Instant;

use http::{Request, Response};
use tower_service::Service;

use super::ResponseFuture;
use super::future::RequestLine;
use crate::RequestId;
use crate::paths::PathList;
use crate::proxy::client_ip;

/// Middleware emitting the access log; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct AccessLog<S> {
    inner: S,
    exclude: &'static PathList,
}

impl<S> AccessLog<S> {
    /// Wraps `inner`, skipping paths in `exclude`.
    pub const fn new(inner: S, exclude: &'static PathList) -> Self {
        Self { inner, exclude }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLog<S>
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
        if self.exclude.matches(request.uri().path()) {
            return ResponseFuture::excluded(self.inner.call(request));
        }
        let extensions = request.extensions();
        let line = RequestLine {
            start: Instant::now(),
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: extensions.get::<RequestId>().cloned(),
            client_ip: client_ip(&request),
        };
        ResponseFuture::logged(self.inner.call(request), line)
    }
}
