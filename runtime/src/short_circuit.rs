//! The response future of every middleware that may answer a request itself
//! (a refused host today; a rate limit, a missing token, a blocked client
//! tomorrow): either the inner service's future, or the answer made here.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;
use pin_project_lite::pin_project;

pin_project! {
    /// The inner service's future, or an answer made by the middleware.
    #[derive(Debug)]
    pub struct ShortCircuit<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F, B> {
        /// The request goes on; the inner service answers.
        Inner { #[pin] future: F },
        /// Answered here; `None` once returned.
        Answer { response: Option<Response<B>> },
    }
}

// Unused when no middleware that answers by itself is built (cargo features).
#[allow(dead_code)]
impl<F, B> ShortCircuit<F, B> {
    pub(crate) fn inner(future: F) -> Self {
        let kind = Kind::Inner { future };
        Self { kind }
    }

    pub(crate) fn answer(response: Response<B>) -> Self {
        let kind = Kind::Answer {
            response: Some(response),
        };
        Self { kind }
    }
}

impl<F, B, E> Future for ShortCircuit<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Answer { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("strata response future polled after completion"),
            },
        }
    }
}
