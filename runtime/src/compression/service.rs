use std::fmt;
use std::task::{Context, Poll};

use axum::BoxError;
use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::record_status::RecordStatus;
use super::{CompressionLayer, ResponseFuture, StrataPredicate};

/// tower-http's compression with [`StrataPredicate`], answering
/// `Response<axum::body::Body>`; see the [module docs](super).
#[derive(Clone)]
pub struct Compression<S> {
    pub(super) inner: tower_http::compression::Compression<RecordStatus<S>, StrataPredicate>,
    /// Kept for `Debug`: tower-http's service does not implement it.
    pub(super) layer: CompressionLayer,
}

impl<S: fmt::Debug> fmt::Debug for Compression<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compression")
            .field("inner", &self.inner.get_ref().inner)
            .field("config", &self.layer)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Compression<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError> + Send,
{
    type Response = Response<axum::body::Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        ResponseFuture::new(self.inner.call(request))
    }
}
