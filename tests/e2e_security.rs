//! End to end over real sockets: `https_redirect`, `security_headers`,
//! `block` and `redirect_slashes` in one compiled stack.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use support::{empty, request, send, serve};

#[strata::stack(
    trusted_host(allowed_hosts = ["localhost", "api.example.com"]),
    https_redirect(trust_forwarded_proto = true),
    security_headers(
        hsts(max_age = 63072000, include_subdomains = true, preload = true),
        referrer_policy = "no-referrer",
        content_security_policy = "default-src 'self'",
    ),
    block(user_agent_prefixes = ["BadBot", "curl/"], detail = "Go away"),
    redirect_slashes,
    request_id,
)]
fn app() -> Router {
    Router::new()
        .route("/users", get(|| async { "users" }))
        .route("/users", post(|body: String| async move { format!("created {body}") }))
        .route(
            "/framed",
            get(|| async { ([("x-frame-options", "SAMEORIGIN")], "framed") }),
        )
}

#[strata::stack(
    redirect_slashes(mode = "trim"),
    security_headers(hsts = false, frame_options = false)
)]
fn trimming() -> Router {
    Router::new().route("/users", get(|uri: axum::http::Uri| async move { uri.to_string() }))
}

fn secure(builder: axum::http::request::Builder) -> axum::http::request::Builder {
    builder.header("x-forwarded-proto", "https")
}

#[tokio::test]
async fn plain_http_is_redirected_to_https_with_host_path_and_query() {
    let address = serve(app()).await;
    let response = send(
        address,
        empty(request("GET", "/users?page=2").header("host", "api.example.com:80")),
    )
    .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response.header("location"),
        Some("https://api.example.com/users?page=2")
    );
    assert_eq!(response.text(), "");
    // The request ID layer sits outside: the redirect carries an ID.
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn a_forwarded_https_request_reaches_the_app_with_security_headers() {
    let address = serve(app()).await;
    let response = send(address, empty(secure(request("GET", "/users")))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "users");
    assert_eq!(
        response.header("strict-transport-security"),
        Some("max-age=63072000; includeSubDomains; preload")
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(response.header("content-security-policy"), Some("default-src 'self'"));
}

#[tokio::test]
async fn a_route_keeps_its_own_frame_options() {
    let address = serve(app()).await;
    let response = send(address, empty(secure(request("GET", "/framed")))).await;
    assert_eq!(response.all("x-frame-options"), ["SAMEORIGIN"]);
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn an_untrusted_host_is_refused_before_any_redirect_echoes_it() {
    let address = serve(app()).await;
    let response = send(address, empty(request("GET", "/users").header("host", "evil.com"))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.header("location"), None);
}

#[tokio::test]
async fn blocked_user_agents_get_the_configured_answer_with_security_headers() {
    let address = serve(app()).await;
    for agent in ["BadBot/1.0", "curl/8.5.0"] {
        let response = send(
            address,
            empty(secure(request("GET", "/users")).header("user-agent", agent)),
        )
        .await;
        assert_eq!(response.status, StatusCode::GONE, "{agent}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.text(), r#"{"detail":"Go away"}"#);
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
    let response = send(
        address,
        empty(secure(request("GET", "/users")).header("user-agent", "Mozilla/5.0")),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_trailing_slash_is_redirected_keeping_the_query_and_the_method() {
    let address = serve(app()).await;
    let response = send(address, empty(secure(request("GET", "/users/?page=2")))).await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("/users?page=2"));
    let response = send(address, empty(secure(request("POST", "/users/")))).await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    // Following it keeps the method.
    let body = http_body_util::Full::new(bytes::Bytes::from_static(b"ann"));
    let response = send(address, secure(request("POST", "/users")).body(body).unwrap()).await;
    assert_eq!(response.text(), "created ann");
}

#[tokio::test]
async fn a_double_slash_path_is_never_turned_into_an_open_redirect() {
    let address = serve(app()).await;
    let response = send(address, empty(secure(request("GET", "//evil.example/")))).await;
    assert_ne!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), None);
}

#[tokio::test]
async fn trim_mode_rewrites_the_path_silently_and_headers_can_be_turned_off() {
    let address = serve(trimming()).await;
    let response = send(address, empty(request("GET", "/users/?page=2"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "/users?page=2");
    assert_eq!(response.header("strict-transport-security"), None);
    assert_eq!(response.header("x-frame-options"), None);
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}
