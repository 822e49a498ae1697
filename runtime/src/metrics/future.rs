use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::Response;
use pin_project_lite::pin_project;

use super::registry::Registry;
use crate::route::MatchedRoute;

/// One request being counted: in flight from creation until dropped.
#[derive(Debug)]
pub(super) struct Counting {
    registry: Arc<Registry>,
    start: Instant,
    method: usize,
    route: MatchedRoute,
}

impl Counting {
    pub(super) fn start(registry: Arc<Registry>, method: usize, route: MatchedRoute) -> Self {
        registry.enter();
        Self {
            registry,
            start: Instant::now(),
            method,
            route,
        }
    }

    fn answered(&self, status: u16) {
        let elapsed = self.start.elapsed();
        self.registry
            .record(self.route.template(), self.method, status, elapsed);
    }
}

impl Drop for Counting {
    /// Answered, failed or cancelled (the client went away): no longer in flight.
    fn drop(&mut self) {
        self.registry.leave();
    }
}

pin_project! {
    /// Response future of [`Metrics`](super::Metrics): the inner service's
    /// future, counted when it yields its head; or the exposition.
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
        Counted { #[pin] future: F, counting: Option<Counting> },
        Answer { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(super) fn counting(future: F, counting: Counting) -> Self {
        let kind = Kind::Counted {
            future,
            counting: Some(counting),
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
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Counted { future, counting } => {
                let result = ready!(future.poll(cx));
                // An inner error (never from an axum router) has no status
                // to count; it only leaves the in-flight gauge.
                if let (Some(counting), Ok(response)) = (counting.take(), &result) {
                    counting.answered(response.status().as_u16());
                }
                Poll::Ready(result)
            }
            KindProj::Answer { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("strata response future polled after completion"),
            },
        }
    }
}
