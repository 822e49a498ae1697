use axum::body::Body;
use http::header::{CONTENT_TYPE, HOST, LOCATION};
use http::{HeaderValue, Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{TrustedHostLayer, TrustedHostPolicy};
use crate::paths::PathList;
use crate::proxy::{ClientInfo, Scheme};
use crate::test_util::{body_string, ok_service};

static POLICY: TrustedHostPolicy = TrustedHostPolicy {
    allow_any: false,
    exact: &["api.example.com", "localhost", "[::1]", "www.shop.test"],
    suffixes: &[".example.com"],
    www_redirect: true,
    exempt_paths: PathList {
        exact: &["/health"],
        subtrees: &[],
    },
};

fn request(host: Option<&str>, uri: &str) -> Request<Body> {
    let mut builder = Request::builder().uri(uri);
    if let Some(host) = host {
        builder = builder.header(HOST, host);
    }
    builder.body(Body::empty()).expect("valid test request")
}

async fn status_for(policy: &'static TrustedHostPolicy, host: Option<&str>) -> StatusCode {
    let service = TrustedHostLayer::new(policy).layer(ok_service());
    let response = service.oneshot(request(host, "/")).await.expect("infallible");
    response.status()
}

#[tokio::test]
async fn allowed_hosts_reach_the_inner_service() {
    for host in [
        "api.example.com",
        "API.Example.COM",
        "api.example.com:8443",
        "localhost:3000",
        "[::1]:8080",
        "[::1]",
        "[0:0:0:0:0:0:0:1]:80",
        "LOCALHOST.",
        "api.example.com.:443",
        "a.example.com",
        "a.b.example.com",
    ] {
        let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
        let response = service.oneshot(request(Some(host), "/")).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "{host}");
        assert_eq!(body_string(response).await, "inner", "{host}");
    }
}

#[tokio::test]
async fn refused_hosts_get_400_plain_text() {
    for host in [
        Some("example.com"),
        Some("evil.com"),
        Some("example.com.evil.com"),
        Some("evil.com/.example.com"),
        Some(".example.com"),
        Some("api.example.com:80@evil.com"),
        Some("127.0.0.1"),
        Some("localhost.."),
        Some("[::2]"),
        Some("[:::]"),
        Some("localhost:65536"),
        None,
    ] {
        let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
        let response = service.oneshot(request(host, "/")).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{host:?}");
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8",
            "{host:?}"
        );
        assert_eq!(body_string(response).await, "Invalid host header", "{host:?}");
    }
}

#[tokio::test]
async fn non_utf8_host_is_refused() {
    let mut req = request(None, "/");
    req.headers_mut().insert(
        HOST,
        HeaderValue::from_bytes(b"caf\xe9.example.com").expect("obs-text is a valid header value"),
    );
    let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
    let response = service.oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_target_authority_is_the_host_and_must_agree_with_host() {
    for (host, target, status) in [
        (None, "https://api.example.com/x", StatusCode::OK),
        (None, "https://evil.com/x", StatusCode::BAD_REQUEST),
        (Some("api.example.com"), "http://api.example.com/x", StatusCode::OK),
        (Some("API.example.com."), "http://api.example.com/x", StatusCode::OK),
        // The app routes on the target: a Host naming a good host cannot smuggle a bad one in.
        (Some("localhost"), "http://evil.example/x", StatusCode::BAD_REQUEST),
        // Two allowed hosts that disagree are still ambiguous.
        (Some("localhost"), "http://api.example.com/x", StatusCode::BAD_REQUEST),
        (
            Some("api.example.com:8080"),
            "http://api.example.com/x",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
        let response = service.oneshot(request(host, target)).await.expect("infallible");
        assert_eq!(response.status(), status, "{host:?} {target}");
    }
}

#[tokio::test]
async fn exempt_paths_need_no_host_but_never_an_ambiguous_one() {
    for (host, path, status) in [
        (None, "/health", StatusCode::OK),
        (Some("10.1.2.3:8080"), "/health/", StatusCode::OK),
        (None, "/healthz", StatusCode::BAD_REQUEST),
        (Some("evil.com/x"), "/health", StatusCode::BAD_REQUEST),
        (Some("localhost"), "http://evil.example/health", StatusCode::BAD_REQUEST),
    ] {
        let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
        let response = service.oneshot(request(host, path)).await.expect("infallible");
        assert_eq!(response.status(), status, "{host:?} {path}");
    }
}

#[tokio::test]
async fn with_a_proxy_the_host_is_the_resolved_one() {
    let resolved = |host: Option<&str>| {
        let mut request = request(Some("internal:8080"), "/");
        request.extensions_mut().insert(ClientInfo {
            ip: None,
            scheme: Scheme::Https,
            host: host.map(str::to_owned),
        });
        request
    };
    for (host, status) in [
        (Some("api.example.com"), StatusCode::OK),
        (Some("evil.com"), StatusCode::BAD_REQUEST),
        (None, StatusCode::BAD_REQUEST),
    ] {
        let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
        let response = service.oneshot(resolved(host)).await.expect("infallible");
        assert_eq!(response.status(), status, "{host:?}");
    }
}

#[tokio::test]
async fn www_redirect_keeps_port_path_and_query() {
    let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
    let response = service
        .oneshot(request(Some("Shop.test:8080"), "/cart/items?id=3&x=y"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers()[LOCATION], "//www.Shop.test:8080/cart/items?id=3&x=y");
    assert_eq!(body_string(response).await, "");
}

#[tokio::test]
async fn www_redirect_can_be_disabled() {
    static NO_REDIRECT: TrustedHostPolicy = TrustedHostPolicy {
        www_redirect: false,
        ..POLICY
    };
    assert_eq!(
        status_for(&NO_REDIRECT, Some("shop.test")).await,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn allow_any_lets_everything_through() {
    static ANY: TrustedHostPolicy = TrustedHostPolicy {
        allow_any: true,
        exact: &[],
        suffixes: &[],
        www_redirect: true,
        exempt_paths: PathList::EMPTY,
    };
    assert_eq!(status_for(&ANY, Some("evil.com")).await, StatusCode::OK);
    assert_eq!(status_for(&ANY, None).await, StatusCode::OK);
}

#[tokio::test]
async fn two_host_headers_are_refused_even_if_one_is_allowed() {
    let mut req = request(Some("api.example.com"), "/");
    req.headers_mut()
        .append(HOST, HeaderValue::from_static("evil.example.org"));
    let service = TrustedHostLayer::new(&POLICY).layer(ok_service());
    let response = service.oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
