//! Remembers what the app answered, for what tower-http cannot know.
//!
//! tower-http decides on `406 Not Acceptable` after the inner service has
//! answered and overwrites only the status. The app's status travels inside
//! the response body wrapper, which tower-http hands back through
//! `CompressionBody::get_ref`, so [`ResponseFuture`](super::ResponseFuture)
//! can restore it without re-parsing `Accept-Encoding` or allocating.
//!
//! The wrapper also knows whether the request was a `HEAD`. axum answers a
//! `HEAD` with the `GET` handler's headers (its `Content-Length` included)
//! and an empty body, so the body's exact size (0) says nothing about the
//! representation: on a `HEAD` the wrapper reports an empty body's size as
//! unknown, and [`StrataPredicate`](super::StrataPredicate) falls back on
//! `Content-Length`, deciding as it would for the `GET`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::header::CONTENT_ENCODING;
use http::{Method, Request, Response, StatusCode};
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
        let head = request.method() == Method::HEAD;
        RecordStatusFuture {
            inner: self.inner.call(request),
            head,
        }
    }
}

pin_project! {
    #[derive(Debug)]
    pub(super) struct RecordStatusFuture<F> {
        #[pin]
        inner: F,
        head: bool,
    }
}

impl<F, B, E> Future for RecordStatusFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<StatusBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        let status = response.status();
        let encoded_by_app = response.headers().contains_key(CONTENT_ENCODING);
        let head = *this.head;
        Poll::Ready(Ok(response.map(|inner| StatusBody {
            inner,
            status,
            head,
            encoded_by_app,
        })))
    }
}

pin_project! {
    /// The app's body, unchanged, plus what the app answered with.
    #[derive(Debug)]
    pub(super) struct StatusBody<B> {
        #[pin]
        inner: B,
        status: StatusCode,
        head: bool,
        encoded_by_app: bool,
    }
}

impl<B> StatusBody<B> {
    pub(super) fn status(&self) -> StatusCode {
        self.status
    }

    /// The request was a `HEAD` and the app's response was not already
    /// encoded: a `Content-Encoding` on the final response was added here.
    pub(super) fn head_encoded_here(&self) -> bool {
        self.head && !self.encoded_by_app
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
        let hint = self.inner.size_hint();
        if self.head && hint.exact() == Some(0) {
            // See the module docs: an empty HEAD body is not an empty resource.
            return SizeHint::default();
        }
        hint
    }
}
