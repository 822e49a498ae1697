use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Response, StatusCode};
use pin_project_lite::pin_project;
use tokio::time::Sleep;

use super::{body_timed_out, timed_out};

pin_project! {
    /// Response future of [`Timeout`](super::Timeout): the inner future
    /// raced against the deadline, both pinned in place.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        status: StatusCode,
        body_stalled: Option<Arc<AtomicBool>>,
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
    pub(super) fn new(inner: F, deadline: Sleep, status: StatusCode, body_stalled: Option<Arc<AtomicBool>>) -> Self {
        Self {
            state: State::Waiting { inner, deadline },
            status,
            body_stalled,
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
                if let Poll::Ready(result) = inner.poll(cx) {
                    state.set(State::Done);
                    let stalled = this
                        .body_stalled
                        .as_ref()
                        .is_some_and(|flag| flag.load(Ordering::Acquire));
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
