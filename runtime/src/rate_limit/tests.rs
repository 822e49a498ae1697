use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::header::RETRY_AFTER;
use http::{HeaderName, HeaderValue, Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{Cidr, KeySource, OnBackendError, RateLimitLayer, RateLimitPolicy};
use crate::paths::PathList;
use crate::test_util::{body_string, ok_service};

/// 10.0.0.0/8, mapped.
const TEN: Cidr = Cidr {
    bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0],
    prefix: 104,
};

static POLICY: RateLimitPolicy = RateLimitPolicy {
    requests: 3,
    per: Duration::from_secs(60),
    key: KeySource::ClientIp,
    trusted_proxies: &[TEN],
    exempt_paths: PathList {
        exact: &["/health"],
        subtrees: &[],
    },
    on_backend_error: OnBackendError::Allow,
    max_keys: 1000,
    limit_header: HeaderValue::from_static("3"),
};

static BY_HEADER: RateLimitPolicy = RateLimitPolicy {
    requests: 3,
    per: Duration::from_secs(60),
    key: KeySource::Header(HeaderName::from_static("x-api-key")),
    trusted_proxies: &[],
    exempt_paths: PathList::EMPTY,
    on_backend_error: OnBackendError::Allow,
    max_keys: 1000,
    limit_header: HeaderValue::from_static("3"),
};

fn request(peer: Option<&str>, path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let address: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
    }
    request
}

async fn statuses(layer: &RateLimitLayer, requests: Vec<Request<Body>>) -> Vec<u16> {
    let mut out = Vec::new();
    for request in requests {
        let response = layer.layer(ok_service()).oneshot(request).await.unwrap();
        out.push(response.status().as_u16());
    }
    out
}

#[tokio::test]
async fn limit_remaining_and_429_with_retry_after() {
    let layer = RateLimitLayer::new(&POLICY);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = layer
            .layer(ok_service())
            .oneshot(request(Some("1.2.3.4:5000"), "/", &[]))
            .await
            .unwrap();
        assert_eq!(response.headers()["x-ratelimit-limit"], "3");
        remaining.push(response.headers()["x-ratelimit-remaining"].to_str().unwrap().to_owned());
        assert_eq!(body_string(response).await, "inner");
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let response = layer
        .layer(ok_service())
        .oneshot(request(Some("1.2.3.4:5001"), "/", &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()[RETRY_AFTER], "20");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(body_string(response).await, r#"{"detail":"Too many requests"}"#);
}

#[tokio::test]
async fn exempt_paths_are_not_counted() {
    let layer = RateLimitLayer::new(&POLICY);
    let requests = (0..5).map(|_| request(Some("1.2.3.4:1"), "/health", &[])).collect();
    assert_eq!(statuses(&layer, requests).await, [200; 5]);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let layer = RateLimitLayer::new(&POLICY);
    // The attacker rotates X-Forwarded-For; its own address is what counts.
    let requests = (0..4)
        .map(|i| {
            request(
                Some("203.0.113.9:1"),
                "/",
                &[("x-forwarded-for", &format!("198.51.100.{i}"))],
            )
        })
        .collect();
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429]);
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_names_the_client() {
    let layer = RateLimitLayer::new(&POLICY);
    let from = |client: &str| {
        // The client put a fake first entry; the proxies appended the truth.
        let chain = format!("6.6.6.6, {client}, 10.0.0.7");
        request(Some("10.0.0.1:1"), "/", &[("x-forwarded-for", &chain)])
    };
    let requests = vec![
        from("198.51.100.1"),
        from("198.51.100.1"),
        from("198.51.100.1"),
        from("198.51.100.1"),
        from("198.51.100.2"),
    ];
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429, 200]);
}

#[tokio::test]
async fn without_connect_info_the_request_fails_loudly() {
    let layer = RateLimitLayer::new(&POLICY);
    let response = layer
        .layer(ok_service())
        .oneshot(request(None, "/", &[]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn header_keys_separate_clients_and_fall_back_to_the_ip() {
    let layer = RateLimitLayer::new(&BY_HEADER);
    let with = |key: &str| request(Some("1.2.3.4:1"), "/", &[("x-api-key", key)]);
    let requests = vec![with("a"), with("a"), with("a"), with("a"), with("b")];
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429, 200]);
    let requests = (0..4).map(|_| request(Some("1.2.3.4:1"), "/", &[])).collect();
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429]);
    assert_eq!(layer.tracked_clients(), 3);
}
