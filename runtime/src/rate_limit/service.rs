//! The layer, service and future of the in-memory backend.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::memory::MemoryLimiter;
use super::{RateLimitPolicy, add_headers, key, no_client_address, too_many_requests};

/// Layer applying [`RateLimit`] with the in-memory backend; see the
/// [module docs](super).
#[derive(Clone, Debug)]
pub struct RateLimitLayer {
    policy: &'static RateLimitPolicy,
    limiter: Arc<MemoryLimiter>,
}

impl RateLimitLayer {
    /// A layer with its own, empty, in-memory limiter.
    pub fn new(policy: &'static RateLimitPolicy) -> Self {
        let limiter = MemoryLimiter::new(policy.emission_interval(), policy.per, policy.max_keys);
        Self {
            policy,
            limiter: Arc::new(limiter),
        }
    }

    /// How many clients the limiter tracks (for tests and metrics).
    pub fn tracked_clients(&self) -> usize {
        self.limiter.len()
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// Middleware limiting each client's request rate in memory; see the
/// [module docs](super).
#[derive(Clone, Debug)]
pub struct RateLimit<S> {
    inner: S,
    layer: RateLimitLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RateLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let policy = self.layer.policy;
        if policy.exempt_paths.matches(request.uri().path()) {
            return ResponseFuture::inner(self.inner.call(request), policy, None);
        }
        let Some(key) = key::key(&request, policy) else {
            return ResponseFuture::answer(no_client_address());
        };
        let decision = self.layer.limiter.check(&key);
        if !decision.allowed {
            return ResponseFuture::answer(too_many_requests(policy, decision.retry_after));
        }
        ResponseFuture::inner(self.inner.call(request), policy, Some(decision.remaining))
    }
}

pin_project! {
    /// The inner service's future, whose response gets the limit headers,
    /// or an answer made here.
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
        Inner {
            #[pin]
            future: F,
            policy: &'static RateLimitPolicy,
            remaining: Option<u32>,
        },
        Answer { response: Option<Response<B>> },
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn inner(future: F, policy: &'static RateLimitPolicy, remaining: Option<u32>) -> Self {
        Self {
            kind: Kind::Inner {
                future,
                policy,
                remaining,
            },
        }
    }

    pub(crate) fn answer(response: Response<B>) -> Self {
        Self {
            kind: Kind::Answer {
                response: Some(response),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner {
                future,
                policy,
                remaining,
            } => {
                let mut response = ready!(future.poll(cx))?;
                if let Some(remaining) = *remaining {
                    add_headers(response.headers_mut(), policy, remaining);
                }
                Poll::Ready(Ok(response))
            }
            KindProj::Answer { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response)),
                None => panic!("strata response future polled after completion"),
            },
        }
    }
}
