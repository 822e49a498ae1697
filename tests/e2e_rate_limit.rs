//! End to end over real sockets: the in-memory `rate_limit`, and the
//! spoofed-`X-Forwarded-For` attack.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use support::{empty, request, send, serve};

fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { "hi" }))
        .route("/health", get(|| async { "ok" }))
}

#[strata::stack(
    cors(allow_origins = ["https://app.example.com"]),
    rate_limit(requests = 3, per = "1m", exempt_paths = ["/health"], trusted_proxies = ["10.0.0.0/8"]),
)]
fn app() -> Router {
    routes()
}

/// The test client connects from 127.0.0.1, here a trusted proxy.
#[strata::stack(rate_limit(requests = 2, per = "1m", trusted_proxies = ["127.0.0.1"]))]
fn behind_proxy() -> Router {
    routes()
}

#[strata::stack(rate_limit(requests = 2, per = "1m", key = "header:x-api-key"))]
fn by_api_key() -> Router {
    routes()
}

#[strata::stack(rate_limit(requests = 2, per = "1s"))]
fn per_second() -> Router {
    routes()
}

#[tokio::test]
async fn the_fourth_request_gets_429_with_retry_after_and_cors_headers() {
    let address = serve(app()).await;
    for remaining in ["2", "1", "0"] {
        let response = send(address, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(response.header("x-ratelimit-remaining"), Some(remaining));
    }
    let response = send(
        address,
        empty(request("GET", "/").header("origin", "https://app.example.com")),
    )
    .await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.text(), r#"{"detail":"Too many requests"}"#);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("retry-after"), Some("20"));
    assert_eq!(response.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    // Exempt paths are neither limited nor counted.
    let response = send(address, empty(request("GET", "/health"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("x-ratelimit-limit"), None);
}

#[tokio::test]
async fn attack_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let address = serve(app()).await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let spoofed = format!("198.51.100.{i}, 10.0.0.{i}");
        let response = send(address, empty(request("GET", "/").header("x-forwarded-for", spoofed))).await;
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_separates_clients() {
    let address = serve(behind_proxy()).await;
    let from = |client: &'static str| empty(request("GET", "/").header("x-forwarded-for", client));
    let mut statuses = Vec::new();
    for client in ["198.51.100.1", "198.51.100.1", "198.51.100.1", "198.51.100.2"] {
        statuses.push(send(address, from(client)).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200]);
}

#[tokio::test]
async fn header_keys_give_each_key_its_own_allowance() {
    let address = serve(by_api_key()).await;
    let with = |key: &'static str| empty(request("GET", "/").header("x-api-key", key));
    let mut statuses = Vec::new();
    for key in ["a", "a", "a", "b"] {
        statuses.push(send(address, with(key)).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200]);
}

#[tokio::test]
async fn the_allowance_comes_back_over_time() {
    let address = serve(per_second()).await;
    for _ in 0..2 {
        assert_eq!(send(address, empty(request("GET", "/"))).await.status, StatusCode::OK);
    }
    let refused = send(address, empty(request("GET", "/"))).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.header("retry-after"), Some("1"));
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(send(address, empty(request("GET", "/"))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_connect_info_requests_fail_loudly_rather_than_share_a_bucket() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let make = axum::ServiceExt::<axum::extract::Request>::into_make_service(app());
    tokio::spawn(async move { axum::serve(listener, make).await.unwrap() });
    let response = send(address, empty(request("GET", "/"))).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.text(), r#"{"detail":"Internal server error"}"#);
}
