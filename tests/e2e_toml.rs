//! `#[strata::stack(file = "...", profile = "...")]`: the TOML front door
//! through the macro, served on a real socket.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use support::{empty, request, send, serve};

#[strata::stack(file = "tests/stacks/e2e.toml")]
fn base() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(file = "tests/stacks/e2e.toml", profile = "test")]
fn with_profile() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[tokio::test]
async fn the_file_describes_the_stack() {
    let address = serve(base()).await;
    let refused = send(address, empty(request("GET", "/"))).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "localhost is not in the file's allowed_hosts"
    );
    let served = send(
        address,
        empty(
            request("GET", "/")
                .header("host", "api.example.com")
                .header("origin", "https://app.example.com"),
        ),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(
        served.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(served.header("x-trace-id").is_some(), "the file's request_id.header");
    assert!(served.header("x-process-time").is_some());
}

#[tokio::test]
async fn the_profile_overrides_the_file() {
    let address = serve(with_profile()).await;
    let response = send(
        address,
        empty(request("GET", "/").header("origin", "http://localhost:3000")),
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "trusted_host is disabled in the test profile"
    );
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("http://localhost:3000")
    );
}
