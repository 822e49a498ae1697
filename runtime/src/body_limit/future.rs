use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::Response;
use pin_project_lite::pin_project;

use super::{WENT_OVER, too_large};

pin_project! {
    /// Response future of [`BodyLimit`](super::BodyLimit): the inner future,
    /// whose answer becomes a 413 when the body went over the limit under
    /// it; or the 413 made here.
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
        Inner { #[pin] future: F, watching: bool, over: bool },
        Answer { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// `watching`: the request's body is a [`LimitedBody`](super::LimitedBody).
    pub(super) fn inner(future: F, watching: bool) -> Self {
        let kind = Kind::Inner {
            future,
            watching,
            over: false,
        };
        Self { kind }
    }

    pub(super) fn answer(response: Response<B>) -> Self {
        let kind = Kind::Answer {
            response: Some(response),
        };
        Self { kind }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: From<Bytes>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future, watching, over } => {
                let poll = if *watching {
                    // Saved and restored: a stack nested in the handler has
                    // its own reads to watch.
                    let outer = WENT_OVER.replace(false);
                    let poll = future.poll(cx);
                    *over |= WENT_OVER.replace(outer);
                    poll
                } else {
                    future.poll(cx)
                };
                let output = ready!(poll);
                Poll::Ready(match output {
                    // Whatever the handler made of the failed read, the
                    // client is told the one true reason.
                    Ok(_) if *over => Ok(too_large()),
                    other => other,
                })
            }
            KindProj::Answer { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("body_limit response future polled after completion"),
            },
        }
    }
}
