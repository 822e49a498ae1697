//! `handwritten` and `boxed`: the same stack as `strata`, written by hand the
//! way a careful engineer would, with `tower::ServiceBuilder`, tower-http's
//! CORS, compression and request-ID layers, `governor` for the rate limit,
//! and small layers of our own where tower-http has none (host check, access
//! log, rate-limit headers, timing).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::BoxError;
use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use bytes::Bytes;
use futures_util::future::{Either, Ready};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower::util::BoxCloneService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

use super::{APP_ORIGIN, router};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_PROCESS_TIME: HeaderName = HeaderName::from_static("x-process-time");

/// The same hosts as the `strata` stack's `trusted_host`.
pub static HOSTS: HostCheckLayer = HostCheckLayer {
    exact: &["api.example.com", "localhost"],
    suffixes: &[".example.com"],
};

/// tower-http's CORS with the `strata` stack's configuration.
pub fn cors(origins: &[&str]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(
            origins
                .iter()
                .map(|origin| HeaderValue::from_str(origin).expect("a valid origin")),
        ))
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE])
        .expose_headers([X_REQUEST_ID])
        .max_age(Duration::from_secs(600))
}

/// tower-http's compression: gzip at level 6, bodies of 500 bytes and more,
/// not SSE, gRPC or images (the `strata` stack's `compression(minimum_size = 500)`).
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .gzip(true)
        .no_br()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(6))
        .compress_when(
            SizeAbove::new(500)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::SSE)
                .and(NotForContentType::IMAGES),
        )
}

/// `axum::serve` wants `Response<axum::body::Body>`.
pub fn into_axum<B>(response: Response<B>) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    response.map(Body::new)
}

/// The hand-written stack, one concrete type.
pub fn handwritten() -> impl Service<
    Request<Body>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
> + Clone
+ Send
+ 'static {
    handwritten_with(&[APP_ORIGIN])
}

/// [`handwritten`] allowing `origins`.
pub fn handwritten_with(
    origins: &[&str],
) -> impl Service<
    Request<Body>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
> + Clone
+ Send
+ 'static {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(AccessLogLayer)
        .layer(HOSTS)
        .layer(cors(origins))
        .map_response(into_axum)
        .layer(compression())
        .layer(RateLimitLayer::per_second(1_000_000))
        .layer(TimingLayer)
        .service(router())
}

/// [`handwritten`] with tower-http's equivalents of `timeout(request = "30s")`
/// and `body_limit(max = "2MB")` (section 5 of BENCHMARKS.md): a 503 after
/// 30 s, a 2,000,000-byte request body limit. The body limit sits just inside
/// the one conversion to axum's `Body`: deeper (inside the rate limit, where
/// strata puts it) its `ResponseBody` would need a second conversion, a box
/// per request that a careful engineer avoids.
pub fn handwritten_guarded() -> impl Service<
    Request<Body>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
> + Clone
+ Send
+ 'static {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(AccessLogLayer)
        .layer(HOSTS)
        .layer(cors(&[APP_ORIGIN]))
        .map_response(into_axum)
        .layer(RequestBodyLimitLayer::new(2_000_000))
        .layer(compression())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(RateLimitLayer::per_second(1_000_000))
        .layer(TimingLayer)
        .service(router())
}

/// What `BoxCloneService` between layers gives.
pub type Boxed = BoxCloneService<Request<Body>, Response<Body>, Infallible>;

fn boxed_service<S>(service: S) -> Boxed
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    BoxCloneService::new(service)
}

/// The same layers as [`handwritten`], each boxed.
pub fn boxed() -> Boxed {
    let service = boxed_service(router());
    let service = boxed_service(TimingLayer.layer(service));
    let service = boxed_service(RateLimitLayer::per_second(1_000_000).layer(service));
    let service = boxed_service(compression().layer(service).map_response(into_axum));
    let service = boxed_service(cors(&[APP_ORIGIN]).layer(service));
    let service = boxed_service(HOSTS.layer(service));
    let service = boxed_service(AccessLogLayer.layer(service));
    let service = boxed_service(PropagateRequestIdLayer::new(X_REQUEST_ID).layer(service));
    boxed_service(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid).layer(service))
}

/// Host check: `Host` without its port, ASCII-case-insensitively, against
/// exact names and `*.suffix` patterns; anything else is a 400.
#[derive(Clone, Copy, Debug)]
pub struct HostCheckLayer {
    pub exact: &'static [&'static str],
    pub suffixes: &'static [&'static str],
}

impl HostCheckLayer {
    fn allows(&self, host: &str) -> bool {
        let name = host.split(':').next().unwrap_or(host);
        self.exact.iter().any(|allowed| allowed.eq_ignore_ascii_case(name))
            || self.suffixes.iter().any(|suffix| {
                name.len() > suffix.len()
                    && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
            })
    }
}

impl<S> Layer<S> for HostCheckLayer {
    type Service = HostCheck<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HostCheck { inner, policy: *self }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct HostCheck<S> {
    inner: S,
    policy: HostCheckLayer,
}

impl<S, ReqBody> Service<Request<ReqBody>> for HostCheck<S>
where
    S: Service<Request<ReqBody>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Either<S::Future, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let host = request.headers().get(HOST).and_then(|host| host.to_str().ok());
        if host.is_some_and(|host| self.policy.allows(host)) {
            return Either::Left(self.inner.call(request));
        }
        let mut response = Response::new(Body::from("Invalid host header"));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        Either::Right(futures_util::future::ready(Ok(response)))
    }
}

/// Access log: one `tracing` event per request at the response head, with
/// request ID, method, path, status and duration (a minimal `TraceLayer`).
#[derive(Clone, Copy, Debug)]
pub struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog { inner }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct AccessLog<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLog<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AccessLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        AccessLogFuture {
            start: Instant::now(),
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: request.extensions().get::<RequestId>().cloned(),
            client_ip: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip()),
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    pub struct AccessLogFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
        method: Method,
        uri: Uri,
        request_id: Option<RequestId>,
        client_ip: Option<IpAddr>,
    }
}

impl<F, B, E> Future for AccessLogFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let request_id = this.request_id.as_ref().and_then(|id| id.header_value().to_str().ok());
            tracing::info!(
                target: "app::access",
                request_id,
                method = %this.method,
                path = this.uri.path(),
                status = response.status().as_u16(),
                duration_ms = this.start.elapsed().as_secs_f64() * 1000.0,
                client_ip = this.client_ip.map(tracing::field::display),
                "request"
            );
        }
        Poll::Ready(result)
    }
}

/// Timing: `x-process-time` in seconds with four decimals, at the head.
#[derive(Clone, Copy, Debug)]
pub struct TimingLayer;

impl<S> Layer<S> for TimingLayer {
    type Service = Timing<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timing { inner }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Timing<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Timing<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = TimingFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        TimingFuture {
            start: Instant::now(),
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    pub struct TimingFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
    }
}

impl<F, B, E> Future for TimingFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let seconds = format!("{:.4}", this.start.elapsed().as_secs_f64());
        if let Ok(value) = HeaderValue::try_from(seconds) {
            response.headers_mut().insert(X_PROCESS_TIME, value);
        }
        Poll::Ready(Ok(response))
    }
}

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// Rate limit per client IP with `governor`'s keyed GCRA limiter: 429 with
/// `Retry-After` over the limit, `X-RateLimit-Limit`/`-Remaining` under it
/// (what tower_governor's `use_headers` adds).
#[derive(Clone)]
pub struct RateLimitLayer {
    limiter: Arc<Limiter>,
    limit: HeaderValue,
}

impl RateLimitLayer {
    pub fn per_second(requests: u32) -> Self {
        let quota = Quota::per_second(NonZeroU32::new(requests).expect("a positive rate"));
        let limiter = RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>();
        Self {
            limiter: Arc::new(limiter),
            limit: HeaderValue::from(requests),
        }
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

#[derive(Clone)]
pub struct RateLimit<S> {
    inner: S,
    layer: RateLimitLayer,
}

fn json(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl<S, ReqBody> Service<Request<ReqBody>> for RateLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Either<RateLimitFuture<S::Future>, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() else {
            let response = json(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"detail":"Internal server error"}"#,
            );
            return Either::Right(futures_util::future::ready(Ok(response)));
        };
        match self.layer.limiter.check_key(&peer.ip()) {
            Ok(snapshot) => Either::Left(RateLimitFuture {
                inner: self.inner.call(request),
                limit: self.layer.limit.clone(),
                remaining: snapshot.remaining_burst_capacity(),
            }),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let mut response = json(StatusCode::TOO_MANY_REQUESTS, r#"{"detail":"Too many requests"}"#);
                let headers = response.headers_mut();
                headers.insert(RETRY_AFTER, HeaderValue::from(wait.as_secs().max(1)));
                headers.insert(X_RATELIMIT_LIMIT, self.layer.limit.clone());
                headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(0));
                Either::Right(futures_util::future::ready(Ok(response)))
            }
        }
    }
}

pin_project! {
    pub struct RateLimitFuture<F> {
        #[pin]
        inner: F,
        limit: HeaderValue,
        remaining: u32,
    }
}

impl<F, B, E> Future for RateLimitFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let headers = response.headers_mut();
        headers.insert(X_RATELIMIT_LIMIT, this.limit.clone());
        headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(*this.remaining));
        Poll::Ready(Ok(response))
    }
}
