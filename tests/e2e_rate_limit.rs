//! End to end over real sockets: the in-memory `rate_limit`, the
//! spoofed-`X-Forwarded-For` attack, and limits keyed on a verified
//! identity (`jwt:sub`, `api_key`), which a client cannot rotate.

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
    rate_limit(requests = 3, per = "1m", exempt_paths = ["/health"]),
)]
fn app() -> Router {
    routes()
}

/// The test client connects from 127.0.0.1, here a trusted proxy.
#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    rate_limit(requests = 2, per = "1m")
)]
fn behind_proxy() -> Router {
    routes()
}

/// Written the other way round: the limiter still lands inside `jwt`.
#[strata::stack(
    rate_limit(requests = 2, per = "1m", key = "jwt:sub"),
    jwt(secret_env = "STRATA_E2E_RL_JWT", public_paths = ["/health"]),
)]
fn by_subject() -> Router {
    routes()
}

#[strata::stack(
    rate_limit(requests = 2, per = "1m", key = "api_key"),
    api_key(keys_env = "STRATA_E2E_RL_KEYS", public_paths = ["/health"]),
)]
fn by_api_key() -> Router {
    routes()
}

const JWT_SECRET: &str = "rate-limit-rate-limit-rate-limit-rate-limit";

fn token(subject: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({ "sub": subject, "exp": exp }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    format!("Bearer {token}")
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
async fn attack_a_spoofed_forwarded_for_without_proxy_is_ignored() {
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
async fn a_jwt_subject_is_one_bucket_whatever_else_the_client_changes() {
    let address = serve(temp_env::with_var("STRATA_E2E_RL_JWT", Some(JWT_SECRET), by_subject)).await;
    let as_user = |subject: &str, forwarded_for: &str| {
        empty(
            request("GET", "/")
                .header("authorization", token(subject))
                .header("x-forwarded-for", forwarded_for)
                .header("x-api-key", forwarded_for),
        )
    };
    let mut statuses = Vec::new();
    for (subject, noise) in [
        ("ann", "1.1.1.1"),
        ("ann", "2.2.2.2"),
        ("ann", "3.3.3.3"),
        ("bob", "1.1.1.1"),
    ] {
        statuses.push(send(address, as_user(subject, noise)).await.status.as_u16());
    }
    // Ann's third request is refused although she rotated every header; Bob,
    // from the same address, has his own allowance.
    assert_eq!(statuses, [200, 200, 429, 200]);
    // No token: jwt refuses it before the limiter counts anything.
    for _ in 0..3 {
        let response = send(address, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    let response = send(address, as_user("bob", "9.9.9.9")).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("x-ratelimit-remaining"), Some("0"));
}

#[tokio::test]
async fn a_verified_api_key_is_one_bucket_and_made_up_keys_buy_nothing() {
    let app = temp_env::with_var("STRATA_E2E_RL_KEYS", Some("key-1, key-2"), by_api_key);
    let address = serve(app).await;
    let with = |key: &str| empty(request("GET", "/").header("x-api-key", key));
    let mut statuses = Vec::new();
    for key in ["key-1", "key-1", "key-1", "key-2"] {
        statuses.push(send(address, with(key)).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 200]);
    // A new value per request is refused by api_key, never a fresh bucket.
    for i in 0..5 {
        let response = send(address, with(&format!("guess-{i}"))).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN);
    }
    // On a public path the header is unverified: the address is the key.
    let mut statuses = Vec::new();
    for i in 0..3 {
        let response = send(
            address,
            empty(request("GET", "/health").header("x-api-key", format!("k{i}"))),
        )
        .await;
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
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
