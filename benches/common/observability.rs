//! The observability comparison: strata's `access_log` (with its request
//! span) + `metrics`, against the same written by hand the way axum users
//! do it: tower-http's `TraceLayer` with a `request` span and a response
//! event, and Prometheus metrics through `metrics` +
//! `metrics-exporter-prometheus`, recorded by a `Router::layer` that reads
//! axum's `MatchedPath` (what `axum-prometheus` does).
//!
//! Each runs under one of two subscribers ([`SUBSCRIBERS`]): installed but
//! enabling nothing (0), or INFO formatting every span and event into
//! `io::sink` (1).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, MatchedPath};
use bytes::Bytes;
use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service, ServiceBuilder};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Empty;

use super::router;

/// 0: a subscriber that enables nothing; 1: INFO into `io::sink`.
pub const SUBSCRIBERS: [usize; 2] = [0, 1];

/// The variants of the group, in table order.
pub const VARIANTS: [&str; 4] = ["strata", "strata_no_span", "strata_no_route", "handwritten"];

/// Installs the subscriber `param` names (once per process).
pub fn install_subscriber(param: usize) {
    if param == 1 {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    } else {
        super::install_disabled_subscriber();
    }
}

#[strata::stack(request_id, access_log, metrics)]
pub fn strata() -> Router {
    router()
}

#[strata::stack(request_id, access_log(span = false), metrics)]
pub fn strata_no_span() -> Router {
    router()
}

/// The same stack on an app that is not a `Router`: no route layer in the
/// router, every request `unmatched`. What the route template costs.
#[strata::stack(request_id, access_log, metrics)]
pub fn strata_no_route() -> axum::routing::RouterIntoService<Body> {
    router().into_service()
}

/// The hand-written stack: request ID, `TraceLayer` (span + one event at
/// the response head, nothing per body chunk), metrics inside the router.
/// Its bounds are what `axum::serve` needs (benches/throughput serves it).
pub fn handwritten() -> impl Service<
    Request<Body>,
    Response = Response<impl HttpBody<Data = Bytes, Error: Into<axum::BoxError>> + Send + 'static>,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone
+ Send
+ 'static {
    static RECORDER: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    RECORDER.get_or_init(|| {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .expect("the only metrics recorder")
    });
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    tracing::info_span!(
                        "request",
                        request_id = request.headers().get("x-request-id").and_then(|id| id.to_str().ok()),
                        method = %request.method(),
                        route = Empty,
                        client_ip = request
                            .extensions()
                            .get::<ConnectInfo<std::net::SocketAddr>>()
                            .map(|info| tracing::field::display(info.0.ip())),
                    )
                })
                .on_request(())
                .on_response(|response: &Response<Body>, latency: Duration, _span: &Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        duration_ms = latency.as_micros() as f64 / 1000.0,
                        "request"
                    )
                })
                .on_body_chunk(())
                .on_eos(())
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .service(router().layer(HttpMetricsLayer))
}

/// Records `http_requests_total` and `http_request_duration_seconds` with
/// `metrics`, labelled from `MatchedPath`; records the route on the span.
#[derive(Clone, Copy, Debug)]
pub struct HttpMetricsLayer;

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics { inner }
    }
}

#[derive(Clone, Debug)]
pub struct HttpMetrics<S> {
    inner: S,
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

impl<S> Service<Request<Body>> for HttpMetrics<S>
where
    S: Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = HttpMetricsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let method = method_label(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
        Span::current().record("route", route.as_str());
        metrics::gauge!("http_requests_in_flight").increment(1.0);
        HttpMetricsFuture {
            inner: self.inner.call(request),
            start: Instant::now(),
            method,
            route,
        }
    }
}

pin_project! {
    pub struct HttpMetricsFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
        method: &'static str,
        route: String,
    }
}

impl<F, E> Future for HttpMetricsFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Ok(response) = &result {
            let labels = [
                ("method", this.method.to_string()),
                ("route", this.route.clone()),
                ("status", response.status().as_u16().to_string()),
            ];
            metrics::counter!("http_requests_total", &labels).increment(1);
            let labels = [("method", this.method.to_string()), ("route", this.route.clone())];
            metrics::histogram!("http_request_duration_seconds", &labels).record(this.start.elapsed().as_secs_f64());
        }
        metrics::gauge!("http_requests_in_flight").decrement(1.0);
        Poll::Ready(result)
    }
}
