use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Response, StatusCode};
use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::{BODY_STALLED, body_timed_out, timed_out};

pin_project! {
    /// Response future of [`Timeout`](super::Timeout): the inner future
    /// raced against the deadline, both pinned in place.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        status: StatusCode,
        // The request's body is a `TimeoutBody`, and whether it stalled.
        watching: bool,
        stalled: bool,
    }
}

pin_project! {
    #[project = StateProj]
    #[derive(Debug)]
    enum State<F> {
        Waiting { #[pin] inner: F, #[pin] deadline: Sleep },
        /// Answered; the inner future has been dropped.
        Done,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, deadline: Sleep, status: StatusCode, watching: bool) -> Self {
        Self {
            state: State::Waiting { inner, deadline },
            status,
            watching,
            stalled: false,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: From<Bytes>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut state = this.state;
        match state.as_mut().project() {
            StateProj::Waiting { inner, deadline } => {
                let poll = if *this.watching {
                    // Saved and restored: a stack nested in the handler has
                    // its own reads to watch.
                    let outer = BODY_STALLED.replace(false);
                    let poll = inner.poll(cx);
                    *this.stalled |= BODY_STALLED.replace(outer);
                    poll
                } else {
                    inner.poll(cx)
                };
                if let Poll::Ready(result) = poll {
                    state.set(State::Done);
                    let stalled = *this.stalled;
                    return Poll::Ready(match result {
                        // The handler answered a body that failed under it:
                        // whatever it said (axum says 400), the truth is 408.
                        Ok(_) if stalled => Ok(body_timed_out()),
                        other => other,
                    });
                }
                ready!(deadline.poll(cx));
            }
            StateProj::Done => panic!("timeout response future polled after completion"),
        }
        // Dropping the inner future now stops the handler at its next `.await`.
        state.set(State::Done);
        Poll::Ready(Ok(timed_out(*this.status)))
    }
}
