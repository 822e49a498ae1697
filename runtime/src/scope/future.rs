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
    /// Readies the arm's clone, then calls it: tower's `Oneshot`, kept here
    /// so the runtime needs no `tower::util`, with a fast path: a service
    /// that is ready at once (strata's own layers over an axum `Router`) is
    /// called right away, and the future is the service's own. It also
    /// carries the switch's own answer (a 400 for an ambiguous path), so the
    /// switch adds no future around its arms.
    #[project = ReadyCallProj]
    pub struct ReadyCall<S, R>
    where
        S: Service<R>,
    {
        #[pin]
        state: State<S, R, S::Future, S::Response, S::Error>,
    }
}

pin_project! {
    #[project = StateProj]
    // The rare states are boxed so that the common one, `Called`, decides
    // the future's size: every layer outside moves this future once, and a
    // future the size of a whole request and a whole arm would cost each of
    // them that much. Neither box is made on the way of a request to a
    // strata stack: its arms are ready at once, and `Done` is the 400 for
    // an ambiguous path or a service that failed to get ready.
    enum State<S, R, F, T, E> {
        Called { #[pin] future: F },
        NotReady { waiting: Option<Box<(S, R)>> },
        Done { output: Option<Box<Result<T, E>>> },
    }
}

impl<S: Service<R>, R> ReadyCall<S, R> {
    pub(crate) fn new(mut service: S, request: R) -> Self {
        // A first poll with a waker that does nothing: when it says
        // `Pending`, the future polls again with the task's own waker
        // before it returns `Pending` itself, so no wake-up is lost.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let state = match service.poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => State::Called {
                future: service.call(request),
            },
            Poll::Ready(Err(error)) => State::Done {
                output: Some(Box::new(Err(error))),
            },
            Poll::Pending => State::NotReady {
                waiting: Some(Box::new((service, request))),
            },
        };
        ReadyCall { state }
    }

    /// A response made without calling the service.
    pub(crate) fn answer(response: S::Response) -> Self {
        ReadyCall {
            state: State::Done {
                output: Some(Box::new(Ok(response))),
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
                StateProj::Called { future } => return future.poll(cx),
                StateProj::NotReady { waiting } => {
                    let Some(parts) = waiting.as_mut() else {
                        panic!("strata scope future polled after completion");
                    };
                    ready!(parts.0.poll_ready(cx))?;
                    let Some(parts) = waiting.take() else {
                        panic!("strata scope future polled after completion");
                    };
                    let (mut service, request) = *parts;
                    let future = service.call(request);
                    state.set(State::Called { future });
                }
                StateProj::Done { output } => match output.take() {
                    Some(output) => return Poll::Ready(*output),
                    None => panic!("strata scope future polled after completion"),
                },
            }
        }
    }
}
