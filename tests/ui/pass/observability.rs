//! Observability near its rules' edges: a metrics path inside
//! `jwt.public_paths` (harmless: `jwt` never sees it) and next to an
//! excluded one; integer and fractional buckets; `trace_context` and
//! `access_log` on a service that is not a `Router` (no route templates,
//! still no bound to satisfy).

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::get;

#[strata::stack(
    proxy(hops = 1),
    request_id,
    trace_context(sampled = false),
    access_log(span = false, exclude_paths = ["/health", "/metricsx", "/internal/other/*"]),
    metrics(path = "/internal/metrics", buckets = [0.001, 0.5, 1, 2.5, 1e1]),
    jwt(secret_env = "JWT_SECRET", public_paths = ["/health", "/internal/metrics"]),
)]
fn app() -> Router {
    Router::new().route("/users/{id}", get(|trace: strata::TraceContext| async move { trace.traceparent() }))
}

#[strata::stack(trace_context, access_log, metrics)]
fn plain() -> tower::util::ServiceFn<fn(Request) -> std::future::Ready<Result<Response, Infallible>>> {
    fn answer(_request: Request) -> std::future::Ready<Result<Response, Infallible>> {
        std::future::ready(Ok(Response::new(Body::from("plain"))))
    }
    tower::service_fn(answer as fn(Request) -> _)
}

fn main() {
    let _ = app;
    let _ = plain();
}
