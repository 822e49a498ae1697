//! The Redis backend (`backend = "redis"`); see the [module docs](super).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderValue, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::key::Key;
use super::{Decision, OnBackendError, RateLimitPolicy, add_headers, key, no_client_address, too_many_requests};
use crate::env::MissingEnv;
use crate::redis_backend::{BackendError, BackendFuture, RedisBackend};
use crate::response::{APPLICATION_JSON, fixed};

/// GCRA in one atomic step, on Redis's clock, in microseconds: the same
/// arithmetic as the memory backend's `gcra`. Returns
/// `{allowed, remaining, retry_after_us}`.
const SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local emission = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + emission
local ahead = new_tat - now
if ahead > window then
  return {0, 0, ahead - window}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil(ahead / 1000))
return {1, math.floor((window - ahead) / emission), 0}
";

static GCRA: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(SCRIPT));

/// Layer applying [`RedisRateLimit`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct RedisRateLimitLayer {
    policy: &'static RateLimitPolicy,
    backend: Arc<RedisBackend>,
    /// `strata:rl:<requests>/<per in ms>:`, so stacks with other limits never share a bucket.
    prefix: Arc<str>,
}

impl RedisRateLimitLayer {
    /// A layer counting in the Redis at `url` (the value of `variable`).
    pub fn new(policy: &'static RateLimitPolicy, url: &str, variable: &'static str) -> Result<Self, MissingEnv> {
        let backend = RedisBackend::new(url, variable, "rate_limit.redis_url_env")?;
        let prefix = format!("strata:rl:{}/{}:", policy.requests, policy.per.as_millis());
        Ok(Self {
            policy,
            backend: Arc::new(backend),
            prefix: prefix.into(),
        })
    }
}

impl<S> Layer<S> for RedisRateLimitLayer {
    type Service = RedisRateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedisRateLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// Middleware limiting each client's request rate across processes.
#[derive(Clone, Debug)]
pub struct RedisRateLimit<S> {
    inner: S,
    layer: RedisRateLimitLayer,
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn check(layer: &RedisRateLimitLayer, key: &Key) -> BackendFuture<Decision> {
    let mut redis_key = String::with_capacity(layer.prefix.len() + 32);
    redis_key.push_str(&layer.prefix);
    for byte in key {
        redis_key.push_str(&format!("{byte:02x}"));
    }
    let emission = micros(layer.policy.emission_interval());
    let window = micros(layer.policy.per);
    let backend = layer.backend.clone();
    Box::pin(async move {
        let mut connection = backend.connection()?;
        let (allowed, remaining, retry_after): (i64, i64, i64) = backend
            .bounded(
                GCRA.key(redis_key)
                    .arg(emission)
                    .arg(window)
                    .invoke_async(&mut connection),
            )
            .await?;
        Ok(Decision {
            allowed: allowed == 1,
            remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
            retry_after: Duration::from_micros(u64::try_from(retry_after.max(0)).unwrap_or(0)),
        })
    })
}

fn backend_failed<B: From<Bytes>>(policy: &RateLimitPolicy, error: &BackendError) -> Option<Response<B>> {
    match policy.on_backend_error {
        OnBackendError::Allow => {
            tracing::warn!(target: "strata::rate_limit", error = %error, "rate limiter unavailable; request allowed (on_backend_error = \"allow\")");
            None
        }
        OnBackendError::Deny => {
            tracing::warn!(target: "strata::rate_limit", error = %error, "rate limiter unavailable; request refused (on_backend_error = \"deny\")");
            let mut response = fixed(
                StatusCode::SERVICE_UNAVAILABLE,
                APPLICATION_JSON,
                r#"{"detail":"Rate limiter unavailable"}"#,
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            Some(response)
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RedisRateLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let policy = self.layer.policy;
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if policy.exempt_paths.matches(request.uri().path()) {
            let future = inner.call(request);
            return ResponseFuture::calling(future, policy, None);
        }
        let Some(key) = key::key(&request, policy) else {
            return ResponseFuture::answer(no_client_address(), policy);
        };
        ResponseFuture {
            stage: Stage::Checking {
                check: check(&self.layer, &key),
                request: Some(request),
                inner: Some(inner),
            },
            policy,
        }
    }
}

pin_project! {
    /// Response future of [`RedisRateLimit`]: the Redis check, then the inner service.
    pub struct ResponseFuture<S: Service<Request<ReqBody>>, ReqBody, ResBody> {
        #[pin]
        stage: Stage<S, ReqBody, ResBody>,
        policy: &'static RateLimitPolicy,
    }
}

impl<S: Service<Request<ReqBody>>, ReqBody, ResBody> std::fmt::Debug for ResponseFuture<S, ReqBody, ResBody> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

pin_project! {
    #[project = StageProj]
    enum Stage<S: Service<Request<ReqBody>>, ReqBody, ResBody> {
        Checking {
            check: BackendFuture<Decision>,
            request: Option<Request<ReqBody>>,
            inner: Option<S>,
        },
        Calling {
            #[pin]
            future: S::Future,
            remaining: Option<u32>,
        },
        Answer { response: Option<Response<ResBody>> },
    }
}

impl<S: Service<Request<ReqBody>>, ReqBody, ResBody> ResponseFuture<S, ReqBody, ResBody> {
    fn calling(future: S::Future, policy: &'static RateLimitPolicy, remaining: Option<u32>) -> Self {
        Self {
            stage: Stage::Calling { future, remaining },
            policy,
        }
    }

    fn answer(response: Response<ResBody>, policy: &'static RateLimitPolicy) -> Self {
        Self {
            stage: Stage::Answer {
                response: Some(response),
            },
            policy,
        }
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody, ResBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.stage.as_mut().project() {
                StageProj::Checking { check, request, inner } => {
                    let remaining = match ready!(check.as_mut().poll(cx)) {
                        Ok(decision) if decision.allowed => Some(decision.remaining),
                        Ok(decision) => return Poll::Ready(Ok(too_many_requests(this.policy, decision.retry_after))),
                        Err(error) => match backend_failed(this.policy, &error) {
                            Some(response) => return Poll::Ready(Ok(response)),
                            None => None,
                        },
                    };
                    let (Some(request), Some(mut inner)) = (request.take(), inner.take()) else {
                        panic!("strata rate limit future polled after completion");
                    };
                    let future = inner.call(request);
                    this.stage.set(Stage::Calling { future, remaining });
                }
                StageProj::Calling { future, remaining } => {
                    let mut response = ready!(future.poll(cx))?;
                    if let Some(remaining) = *remaining {
                        add_headers(response.headers_mut(), this.policy, remaining);
                    }
                    return Poll::Ready(Ok(response));
                }
                StageProj::Answer { response } => {
                    return match response.take() {
                        Some(response) => Poll::Ready(Ok(response)),
                        None => panic!("strata rate limit future polled after completion"),
                    };
                }
            }
        }
    }
}
