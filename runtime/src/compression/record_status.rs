//! Remembers the status the app answered, so tower-http's `406` can be undone.
//!
//! tower-http decides on `406 Not Acceptable` after the inner service has
//! answered and overwrites only the status. The app's status travels inside
//! the response body wrapper, which tower-http hands back through
//! `CompressionBody::get_ref`, so [`ResponseFuture`](super::ResponseFuture)
//! can restore it without re-parsing `Accept-Encoding` or allocating.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower_service::Service;

/// Inner service wrapper: tags each response body with the app's status.
#[derive(Clone, Copy, Debug)]
pub(super) struct RecordStatus<S> {
    pub(super) inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RecordStatus<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<StatusBody<ResBody>>;
    type Error = S::Error;
    type Future = RecordStatusFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        RecordStatusFuture {
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    #[derive(Debug)]
    pub(super) struct RecordStatusFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, B, E> Future for RecordStatusFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<StatusBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().inner.poll(cx))?;
        let status = response.status();
        Poll::Ready(Ok(response.map(|inner| StatusBody { inner, status })))
    }
}

pin_project! {
    /// The app's body, unchanged, plus the status the app answered with.
    #[derive(Debug)]
    pub(super) struct StatusBody<B> {
        #[pin]
        inner: B,
        status: StatusCode,
    }
}

impl<B> StatusBody<B> {
    pub(super) fn status(&self) -> StatusCode {
        self.status
    }
}

impl<B: Body> Body for StatusBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
