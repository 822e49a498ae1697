use std::task::{Context, Poll};

use axum::BoxError;
use bytes::Bytes;
use http::{Method, Request, Response};
use tower_service::Service;

use super::negotiate::negotiate;
use super::{CompressionLayer, ResponseFuture};

/// Compresses the responses of `S`, answering `Response<axum::body::Body>`;
/// see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct Compression<S> {
    pub(super) inner: S,
    pub(super) layer: CompressionLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Compression<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<axum::body::Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let coding = negotiate(request.headers(), self.layer.enabled());
        let head = request.method() == Method::HEAD;
        ResponseFuture::new(self.inner.call(request), coding, head, self.layer)
    }
}
