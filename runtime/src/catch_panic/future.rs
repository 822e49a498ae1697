use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Response;
use pin_project_lite::pin_project;

use super::{internal_server_error, log_panic};
use crate::RequestId;

pin_project! {
    /// Response future of [`CatchPanic`](super::CatchPanic): the inner
    /// service's future, polled inside `catch_unwind`, or the `500`.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F> {
        /// Polling the inner future.
        Inner { #[pin] future: F, request_id: Option<RequestId> },
        /// The inner `call` panicked; the next poll answers `500`.
        Panicked,
        /// Answered with `500`; the panicked inner future has been dropped and
        /// is never polled again.
        Done,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn inner(future: F, request_id: Option<RequestId>) -> Self {
        let kind = Kind::Inner { future, request_id };
        Self { kind }
    }

    pub(super) fn panicked() -> Self {
        let kind = Kind::Panicked;
        Self { kind }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: From<Bytes>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut kind = self.project().kind;
        match kind.as_mut().project() {
            KindProj::Inner { future, request_id } => {
                // Unwind safety: a future that panicked is dropped right below
                // and never observed again.
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(poll) => return poll,
                    Err(payload) => log_panic(request_id.as_ref(), &*payload),
                }
            }
            KindProj::Panicked => {}
            KindProj::Done => panic!("catch_panic response future polled after completion"),
        }
        kind.set(Kind::Done);
        Poll::Ready(Ok(internal_server_error()))
    }
}
