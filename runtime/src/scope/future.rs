//! The futures of a [`Switch`](super::Switch): one arm's, or a later arm's.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;
use tower_service::Service;

pin_project! {
    /// The chosen arm's future: this arm's, or one further down the list.
    #[project = ArmProj]
    #[derive(Debug)]
    pub enum ArmFuture<F, Rest> {
        This { #[pin] future: F },
        Other { #[pin] future: Rest },
    }
}

impl<F, Rest> ArmFuture<F, Rest> {
    pub(crate) fn this(future: F) -> Self {
        ArmFuture::This { future }
    }

    pub(crate) fn other(future: Rest) -> Self {
        ArmFuture::Other { future }
    }
}

impl<F, Rest, T, E> Future for ArmFuture<F, Rest>
where
    F: Future<Output = Result<T, E>>,
    Rest: Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            ArmProj::This { future } => future.poll(cx),
            ArmProj::Other { future } => future.poll(cx),
        }
    }
}

pin_project! {
    /// Waits until the arm's service is ready, then calls it: tower's
    /// `Oneshot`, kept here so the runtime needs no `tower::util`.
    #[project = ReadyCallProj]
    pub struct ReadyCall<S, R>
    where
        S: Service<R>,
    {
        #[pin]
        state: State<S, R, S::Future>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, R, F> {
        NotReady { service: S, request: Option<R> },
        Called { #[pin] future: F },
    }
}

impl<S: Service<R>, R> ReadyCall<S, R> {
    pub(crate) fn new(service: S, request: R) -> Self {
        ReadyCall {
            state: State::NotReady {
                service,
                request: Some(request),
            },
        }
    }
}

impl<S: Service<R>, R> std::fmt::Debug for ReadyCall<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyCall").finish_non_exhaustive()
    }
}

impl<S: Service<R>, R> Future for ReadyCall<S, R> {
    type Output = Result<S::Response, S::Error>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            match state.as_mut().project() {
                StateProj::NotReady { service, request } => {
                    ready!(service.poll_ready(cx))?;
                    let Some(request) = request.take() else {
                        panic!("strata scope future polled after completion");
                    };
                    let future = service.call(request);
                    state.set(State::Called { future });
                }
                StateProj::Called { future } => return future.poll(cx),
            }
        }
    }
}
