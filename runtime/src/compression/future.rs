use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::BoxError;
use bytes::Bytes;
use http::Response;
use http::header::CONTENT_ENCODING;
use pin_project_lite::pin_project;

use super::StrataPredicate;
use super::record_status::{RecordStatusFuture, StatusBody};

type TowerHttpFuture<F> = tower_http::compression::ResponseFuture<RecordStatusFuture<F>, StrataPredicate>;

pin_project! {
    /// Response future of [`Compression`](super::Compression).
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: TowerHttpFuture<F>,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: TowerHttpFuture<F>) -> Self {
        Self { inner }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError> + Send,
{
    type Output = Result<Response<axum::body::Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().inner.poll(cx))?;
        let (mut parts, body) = response.into_parts();
        let app = body.get_ref();
        // tower-http changes the status only to answer 406; the app's status wins.
        parts.status = StatusBody::status(app);
        if app.head_encoded_here() && parts.headers.contains_key(CONTENT_ENCODING) {
            // A HEAD gets the GET's headers, never the encoder's frame of an
            // empty body.
            return Poll::Ready(Ok(Response::from_parts(parts, axum::body::Body::empty())));
        }
        Poll::Ready(Ok(Response::from_parts(parts, axum::body::Body::new(body))))
    }
}
