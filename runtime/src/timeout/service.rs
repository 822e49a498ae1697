use std::task::{Context, Poll};
use std::time::Duration;

use axum::BoxError;
use axum::body::Body;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use tower_service::Service;

use super::{ResponseFuture, TimeoutBody};

/// Middleware answering late requests itself; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct Timeout<S> {
    pub(super) inner: S,
    pub(super) request: Duration,
    pub(super) status: StatusCode,
    pub(super) request_body: Option<Duration>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Timeout<S>
where
    S: Service<Request<Body>, Response = Response<ResBody>>,
    ReqBody: http_body::Body<Data = Bytes> + Send + 'static,
    ReqBody::Error: Into<BoxError>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clock starts now, before the inner service sees the request.
        let deadline = tokio::time::sleep(self.request);
        let (request, watching) = match self.request_body {
            Some(between_frames) if !request.body().is_end_stream() => {
                let request = request.map(|body| Body::new(TimeoutBody::new(body, between_frames)));
                (request, true)
            }
            // `Body::new` of an axum `Body` is the body itself, no allocation.
            _ => (request.map(Body::new), false),
        };
        ResponseFuture::new(self.inner.call(request), deadline, self.status, watching)
    }
}
