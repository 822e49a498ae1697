use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderName, Response};
use pin_project_lite::pin_project;

use super::RequestId;

pin_project! {
    /// Response future of [`SetRequestId`](super::SetRequestId): the inner
    /// future, whose response gets the ID header.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        header: HeaderName,
        id: RequestId,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, header: HeaderName, id: RequestId) -> Self {
        Self { inner, header, id }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        response
            .headers_mut()
            .insert(this.header.clone(), this.id.header_value().clone());
        Poll::Ready(Ok(response))
    }
}
