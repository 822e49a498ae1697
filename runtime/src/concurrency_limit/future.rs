use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::Response;
use pin_project_lite::pin_project;

use super::Permit;

pin_project! {
    /// Response future of [`ConcurrencyLimit`](super::ConcurrencyLimit): the
    /// inner future holding its slot, or the 503 made here.
    #[derive(Debug)]
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F, B> {
        Inner { #[pin] future: F, permit: Option<Permit> },
        Busy { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(super) fn inner(future: F, permit: Permit) -> Self {
        let kind = Kind::Inner {
            future,
            permit: Some(permit),
        };
        Self { kind }
    }

    pub(super) fn busy(response: Response<B>) -> Self {
        let kind = Kind::Busy {
            response: Some(response),
        };
        Self { kind }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future, permit } => {
                let output = ready!(future.poll(cx));
                // The head is out: the slot is free for the next request.
                drop(permit.take());
                Poll::Ready(output)
            }
            KindProj::Busy { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("concurrency_limit response future polled after completion"),
            },
        }
    }
}
