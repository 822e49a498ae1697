use axum::body::Body;
use http::header::{HOST, LOCATION};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{HttpsRedirectLayer, HttpsRedirectPolicy};
use crate::proxy::{ClientInfo, Scheme};
use crate::test_util::{body_string, ok_service};

static DEFAULT: HttpsRedirectPolicy = HttpsRedirectPolicy { status: 307 };
static PERMANENT: HttpsRedirectPolicy = HttpsRedirectPolicy { status: 308 };

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

fn resolved(scheme: Scheme, host: &str) -> ClientInfo {
    ClientInfo {
        ip: None,
        scheme,
        host: Some(host.to_owned()),
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
async fn ports_are_normalised_as_starlette_does() {
    for (host, location) in [
        ("example.com:80", "https://example.com/"),
        ("example.com:443", "https://example.com/"),
        ("Example.COM:80", "https://example.com/"),
        ("example.com:8080", "https://example.com:8080/"),
        ("testserver:000080", "https://testserver/"),
        ("testserver:08080", "https://testserver:8080/"),
        ("testserver:", "https://testserver/"),
        ("[::1]:80", "https://[::1]/"),
        ("[::1]:8443", "https://[::1]:8443/"),
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
async fn a_scheme_written_in_the_target_is_not_believed() {
    for target in ["https://example.com/x", "wss://example.com/x"] {
        let response = call(&DEFAULT, get(target, None).body(Body::empty()).unwrap()).await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{target}");
        assert_eq!(response.headers()[LOCATION], "https://example.com/x");
    }
}

#[tokio::test]
async fn forwarded_proto_is_never_read_here() {
    let request = get("/", Some("example.com"))
        .header("x-forwarded-proto", "https")
        .header("forwarded", "proto=https")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&DEFAULT, request).await.status(), StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn the_scheme_and_host_the_proxy_resolved_decide() {
    let mut request = get("/x?y=1", Some("internal:8080")).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(resolved(Scheme::Https, "api.example.com"));
    let response = call(&PERMANENT, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "inner");

    let mut request = get("/x?y=1", Some("internal:8080")).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(resolved(Scheme::Http, "api.example.com"));
    let response = call(&PERMANENT, request).await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()[LOCATION], "https://api.example.com/x?y=1");
}

#[tokio::test]
async fn a_malformed_missing_or_ambiguous_host_is_never_echoed() {
    let requests = [
        get("/", Some("example.com:80@evil.com")),
        get("/", Some("evil.com/x")),
        get("/", Some("testserver:65536")),
        get("/", Some("[:::]")),
        get("/", None),
        get("http://example.com/", Some("evil.com")),
        get("/", Some("example.com")).header(HOST, "evil.com"),
    ];
    for request in requests {
        let request = request.body(Body::empty()).unwrap();
        let described = format!("{} {:?}", request.uri(), request.headers());
        let response = call(&DEFAULT, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{described}");
        assert!(response.headers().get(LOCATION).is_none());
        assert_eq!(body_string(response).await, "Invalid host header");
    }
}
