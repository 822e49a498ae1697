//! Serving and writing stacks as a real app does (issue 12): `axum::serve`
//! and `strata::serve` with the stack as it is, tower layers that fail in
//! `custom`, and function parameters used by layer expressions.

mod support;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use support::{empty, request, send};
use tokio::net::TcpListener;

#[strata::stack(request_id, rate_limit(requests = 2, per = "1m"))]
fn limited() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

async fn three_statuses(address: std::net::SocketAddr) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(send(address, empty(request("GET", "/"))).await.status);
    }
    statuses
}

/// The stack is its own make-service: `axum::serve(listener, app())`
/// compiles, and the rate limiter still sees each client's address (it
/// would answer 500 without one, never share one bucket).
#[tokio::test]
async fn axum_serve_takes_the_stack_as_it_is_with_the_client_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, limited()).await.unwrap() });
    assert_eq!(
        three_statuses(address).await,
        [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
    );
}

#[tokio::test]
async fn strata_serve_is_the_one_liner() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { strata::serve(listener, limited()).await.unwrap() });
    assert_eq!(
        three_statuses(address).await,
        [StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
    );
}

/// tower's own `TimeoutLayer` fails with an error instead of answering; as a
/// custom layer it works as written, and the client gets a 503 that still
/// carries the request ID and CORS headers of the layers outside it.
#[strata::stack(
    request_id,
    cors(allow_origins = ["https://app.example.com"]),
    custom(name = "deadline", layer = tower::timeout::TimeoutLayer::new(Duration::from_millis(100))),
)]
fn deadline() -> Router {
    Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            }),
        )
        .route("/fast", get(|| async { "fast" }))
}

#[tokio::test]
async fn a_failing_tower_layer_in_custom_answers_503_with_the_outer_headers() {
    let address = support::serve(deadline()).await;
    let started = std::time::Instant::now();
    let slow = send(
        address,
        empty(request("GET", "/slow").header("origin", "https://app.example.com")),
    )
    .await;
    assert_eq!(slow.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(slow.text(), r#"{"detail":"Request timed out"}"#);
    assert!(slow.header("x-request-id").is_some());
    assert_eq!(
        slow.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let fast = send(address, empty(request("GET", "/fast"))).await;
    assert_eq!(fast.status, StatusCode::OK);
}

/// Parameters are usable by value in layer expressions: the layers are
/// built first, and the body gets only the parameters it uses.
#[strata::stack(
    request_id,
    custom(layer = tower_http::set_header::SetResponseHeaderLayer::overriding(HeaderName::from_static("x-tag"), tag)),
)]
fn tagged(tag: HeaderValue, greeting: &'static str) -> Router {
    // Captured only inside a format string: still passed to the body.
    Router::new().route("/", get(move || async move { format!("{greeting}") }))
}

#[strata::stack(
    custom(layer = tower_http::set_header::SetResponseHeaderLayer::overriding(HeaderName::from_static("x-tag"), tag)),
)]
async fn tagged_async(tag: HeaderValue) -> Router {
    tokio::task::yield_now().await;
    Router::new().route("/", get(|| async { "async" }))
}

#[tokio::test]
async fn owned_parameters_are_usable_in_layer_expressions() {
    let address = support::serve(tagged(HeaderValue::from_static("blue"), "hello")).await;
    let response = send(address, empty(request("GET", "/"))).await;
    assert_eq!((response.header("x-tag"), response.text()), (Some("blue"), "hello"));

    let address = support::serve(tagged_async(HeaderValue::from_static("green")).await).await;
    let response = send(address, empty(request("GET", "/"))).await;
    assert_eq!((response.header("x-tag"), response.text()), (Some("green"), "async"));
}
