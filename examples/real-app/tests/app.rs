//! The testing recipe (README, "Testing a stack"): `oneshot` on the stack the
//! function returns, with what a real server would provide — a `Host`, the
//! client's address (axum's `MockConnectInfo`, or `ConnectInfo` in the
//! request) — and the environment variables the stack reads.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::connect_info::MockConnectInfo;
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use real_app_example::{AppState, app};
use tower::ServiceExt;

const JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret-test";

/// The stack, built with test secrets.
fn stack()
-> impl tower::Service<Request<Body>, Response = axum::response::Response, Error = std::convert::Infallible> + Clone {
    temp_env::with_vars(
        [
            ("JWT_SECRET", Some(JWT_SECRET)),
            ("SESSION_SECRET", Some("test-session-secret-test-session-secret")),
        ],
        || app(AppState::default(), HeaderValue::from_static("1.2.3")),
    )
}

/// A request as a client sends it: with a `Host` (trusted_host checks it)
/// and the client's address (rate_limit keys on it).
fn request(method: &str, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "api.example.com")
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 50000))))
}

fn token(sub: &str) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 300;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({ "sub": sub, "exp": exp }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn text(response: axum::response::Response) -> String {
    String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn a_public_route_answers_with_the_whole_stack_around_it() {
    let response = stack()
        .oneshot(request("GET", "/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-app-version"], "1.2.3");
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.headers()["x-ratelimit-limit"], "5");
}

#[tokio::test]
async fn the_api_needs_a_token_and_sees_the_claims_and_the_state() {
    let stack = stack();
    let refused = stack
        .clone()
        .oneshot(request("GET", "/me").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let bearer = format!("Bearer {}", token("alice"));
    for visits in 1..=2 {
        let response = stack
            .clone()
            .oneshot(
                request("GET", "/me")
                    .header("authorization", &bearer)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(text(response).await, format!(r#"{{"sub":"alice","visits":{visits}}}"#));
    }
}

#[tokio::test]
async fn login_sets_a_private_session_cookie() {
    let response = stack()
        .oneshot(request("POST", "/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("session=")
    );
    assert_eq!(response.headers()["cache-control"], "private");
}

#[tokio::test]
async fn a_wrong_host_is_refused() {
    let request = Request::builder()
        .uri("/health")
        .header("host", "evil.example")
        .extension(ConnectInfo(SocketAddr::from(([203, 0, 113, 7], 50000))))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        stack().oneshot(request).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

/// axum's own `MockConnectInfo` works too, as a layer around the stack (not
/// inside the router: strata's layers run before the router's): the rate
/// limit counts per client.
#[tokio::test]
async fn mock_connect_info_feeds_the_rate_limit() {
    use tower::Layer;
    let client: SocketAddr = ([198, 51, 100, 1], 4000).into();
    let stack = MockConnectInfo(client).layer(stack());
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let request = Request::builder()
            .uri("/health")
            .header("host", "localhost")
            .body(Body::empty())
            .unwrap();
        statuses.push(stack.clone().oneshot(request).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
}
