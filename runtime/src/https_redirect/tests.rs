use axum::body::Body;
use http::header::{HOST, LOCATION};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{HttpsRedirectLayer, HttpsRedirectPolicy};
use crate::test_util::{body_string, ok_service};

static DEFAULT: HttpsRedirectPolicy = HttpsRedirectPolicy {
    status: 307,
    trust_forwarded_proto: false,
};
static BEHIND_PROXY: HttpsRedirectPolicy = HttpsRedirectPolicy {
    status: 308,
    trust_forwarded_proto: true,
};

async fn call(policy: &'static HttpsRedirectPolicy, request: Request<Body>) -> http::Response<Body> {
    HttpsRedirectLayer::new(policy)
        .layer(ok_service())
        .oneshot(request)
        .await
        .expect("infallible")
}

fn get(uri: &str, host: Option<&str>) -> http::request::Builder {
    let builder = Request::builder().uri(uri);
    match host {
        Some(host) => builder.header(HOST, host),
        None => builder,
    }
}

#[tokio::test]
async fn plain_http_is_redirected_keeping_host_path_and_query() {
    let response = call(
        &DEFAULT,
        get("/a/b?x=1&y=2", Some("example.com")).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers()[LOCATION], "https://example.com/a/b?x=1&y=2");
    assert_eq!(body_string(response).await, "");
}

#[tokio::test]
async fn default_ports_are_dropped_and_others_kept() {
    for (host, location) in [
        ("example.com:80", "https://example.com/"),
        ("example.com:443", "https://example.com/"),
        ("example.com:8080", "https://example.com:8080/"),
        ("[::1]:80", "https://[::1]/"),
    ] {
        let response = call(&DEFAULT, get("/", Some(host)).body(Body::empty()).unwrap()).await;
        assert_eq!(response.headers()[LOCATION], location, "{host}");
    }
}

#[tokio::test]
async fn websocket_upgrades_go_to_wss() {
    let request = get("/ws", Some("example.com"))
        .header("upgrade", "WebSocket")
        .header("connection", "upgrade")
        .body(Body::empty())
        .unwrap();
    let response = call(&DEFAULT, request).await;
    assert_eq!(response.headers()[LOCATION], "wss://example.com/ws");
}

#[tokio::test]
async fn https_uris_pass() {
    let response = call(
        &DEFAULT,
        get("https://example.com/x", None).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "inner");
}

#[tokio::test]
async fn forwarded_proto_is_ignored_unless_trusted() {
    let request = || {
        get("/", Some("example.com"))
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(call(&DEFAULT, request()).await.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(call(&BEHIND_PROXY, request()).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn trusted_forwarded_proto_http_is_redirected_with_the_configured_status() {
    for proto in ["http", "http, https", "", "ftp"] {
        let request = get("/", Some("example.com"))
            .header("x-forwarded-proto", proto)
            .body(Body::empty())
            .unwrap();
        let response = call(&BEHIND_PROXY, request).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT, "{proto}");
    }
    let request = get("/", Some("example.com"))
        .header("x-forwarded-proto", "HTTPS , http")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&BEHIND_PROXY, request).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_or_missing_host_is_never_echoed() {
    for host in [Some("example.com:80@evil.com"), Some("evil.com/x"), None] {
        let response = call(&DEFAULT, get("/", host).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{host:?}");
        assert!(response.headers().get(LOCATION).is_none());
        assert_eq!(body_string(response).await, "Invalid host header");
    }
}
