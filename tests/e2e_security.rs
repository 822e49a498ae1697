//! End to end over real sockets: `https_redirect`, `security_headers`,
//! `block` and `redirect_slashes` in one compiled stack; and what
//! `trusted_host` and `https_redirect` make of requests that name their host
//! or scheme in the target (absolute-form HTTP/1.1, HTTP/2's `:authority` and
//! `:scheme`), raw over sockets.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use support::wire::{h2, raw};
use support::{empty, request, send, serve};

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    trusted_host(allowed_hosts = ["localhost", "api.example.com"]),
    https_redirect,
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

#[strata::stack(trusted_host(
    allowed_hosts = ["localhost", "[::1]", "api_service"],
    exempt_paths = ["/health"],
))]
fn hosts() -> Router {
    Router::new()
        .route("/", get(|uri: axum::http::Uri| async move { uri.to_string() }))
        .route("/health", get(|| async { "ok" }))
}

#[strata::stack(https_redirect)]
fn redirecting() -> Router {
    Router::new().route("/x", get(|| async { "served over plain http" }))
}

#[tokio::test]
async fn an_absolute_form_target_is_the_host_and_a_disagreeing_host_header_is_400() {
    let address = serve(hosts()).await;
    // The router would see evil.example in the Uri; Host names a good host.
    let response = raw(address, "GET http://evil.example/ HTTP/1.1\r\nHost: localhost").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.text(), "Invalid host header");
    let response = raw(address, "GET http://evil.example/ HTTP/1.1\r\nHost: evil.example").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let response = raw(address, "GET http://localhost/ HTTP/1.1\r\nHost: localhost").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "http://localhost/");
    let response = raw(address, "GET http://localhost/ HTTP/1.1\r\nHost: LOCALHOST.:80").await;
    assert_eq!(response.status, StatusCode::OK);
    let response = raw(address, "GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_trailing_dot_ipv6_literals_and_underscores_are_hosts() {
    let address = serve(hosts()).await;
    for host in [
        "LOCALHOST.",
        "localhost.:8080",
        "[::1]",
        "[::1]:8080",
        "[0:0:0:0:0:0:0:1]",
        "api_service:80",
    ] {
        let response = send(address, empty(request("GET", "/").header("host", host))).await;
        assert_eq!(response.status, StatusCode::OK, "{host}");
    }
    for host in ["localhost..", "[::2]", "[:::]", "api-service"] {
        let response = send(address, empty(request("GET", "/").header("host", host))).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{host}");
    }
}

#[tokio::test]
async fn http_1_0_without_host_is_refused_except_on_exempt_paths() {
    let address = serve(hosts()).await;
    let response = raw(address, "GET /health HTTP/1.0").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ok");
    // A load balancer's own address as Host is fine there too.
    let response = raw(address, "GET /health HTTP/1.0\r\nHost: 10.1.2.3:8080").await;
    assert_eq!(response.status, StatusCode::OK);
    let response = raw(address, "GET / HTTP/1.0").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    // An exempt path does not make a malformed or ambiguous host acceptable.
    let response = raw(address, "GET /health HTTP/1.0\r\nHost: evil.com/x").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let response = raw(address, "GET http://evil.example/health HTTP/1.1\r\nHost: localhost").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

fn h2_request(target: &str) -> axum::http::request::Builder {
    request("GET", target)
}

#[tokio::test]
async fn http2_authority_is_the_host_and_must_agree_with_a_host_header() {
    let address = serve(hosts()).await;
    let port = address.port();
    let good = format!("http://localhost:{port}/");
    let response = h2(address, empty(h2_request(&good))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), good);
    let response = h2(address, empty(h2_request("http://evil.example/"))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let response = h2(
        address,
        empty(h2_request("http://evil.example/").header("host", format!("localhost:{port}"))),
    )
    .await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let response = h2(address, empty(h2_request(&good).header("host", "evil.example"))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    let response = h2(
        address,
        empty(h2_request(&good).header("host", format!("localhost:{port}"))),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_scheme_written_in_the_target_is_not_how_the_client_connected() {
    let address = serve(redirecting()).await;
    let response = raw(address, "GET https://localhost/x HTTP/1.1\r\nHost: localhost").await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("https://localhost/x"));
    assert_eq!(response.text(), "");
    // h2c: `:scheme: https` over a plain TCP connection.
    let port = address.port();
    let response = h2(address, empty(h2_request(&format!("https://localhost:{port}/x?q=1")))).await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        response.header("location").map(str::to_owned),
        Some(format!("https://localhost:{port}/x?q=1"))
    );
}

#[tokio::test]
async fn redirect_ports_are_normalised_and_a_host_that_is_not_one_is_400() {
    let address = serve(redirecting()).await;
    for (host, location) in [
        ("testserver:000080", "https://testserver/x"),
        ("testserver:443", "https://testserver/x"),
        ("TestServer:80", "https://testserver/x"),
        ("testserver:08443", "https://testserver:8443/x"),
        ("[::1]:80", "https://[::1]/x"),
    ] {
        let response = raw(address, &format!("GET /x HTTP/1.1\r\nHost: {host}")).await;
        assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT, "{host}");
        assert_eq!(response.header("location"), Some(location), "{host}");
    }
    for host in [
        "testserver:65536",
        "[:::]",
        "testserver:80@evil.example",
        "testserver:8o",
    ] {
        let response = raw(address, &format!("GET /x HTTP/1.1\r\nHost: {host}")).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{host}");
        assert_eq!(response.text(), "Invalid host header", "{host}");
        assert_eq!(response.header("location"), None, "{host}");
    }
}
