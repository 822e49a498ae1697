use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::header::RETRY_AFTER;
use http::{HeaderValue, Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{KeySource, OnBackendError, RateLimitLayer, RateLimitPolicy};
use crate::Claims;
use crate::api_key::ApiKeyIdentity;
use crate::paths::PathList;
use crate::proxy::{ClientInfo, Scheme};
use crate::test_util::{body_string, ok_service};

static POLICY: RateLimitPolicy = RateLimitPolicy {
    requests: 3,
    per: Duration::from_secs(60),
    key: KeySource::ClientIp,
    exempt_paths: PathList {
        exact: &["/health"],
        subtrees: &[],
    },
    on_backend_error: OnBackendError::Allow,
    max_keys: 1000,
    limit_header: HeaderValue::from_static("3"),
};

static BY_API_KEY: RateLimitPolicy = RateLimitPolicy {
    requests: 3,
    per: Duration::from_secs(60),
    key: KeySource::ApiKey,
    exempt_paths: PathList::EMPTY,
    on_backend_error: OnBackendError::Allow,
    max_keys: 1000,
    limit_header: HeaderValue::from_static("3"),
};

static BY_SUBJECT: RateLimitPolicy = RateLimitPolicy {
    requests: 3,
    per: Duration::from_secs(60),
    key: KeySource::JwtClaim("sub"),
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
async fn forwarded_for_is_never_read_here() {
    let layer = RateLimitLayer::new(&POLICY);
    // Rotating X-Forwarded-For buys nothing: only `proxy` may believe it.
    let requests = (0..4)
        .map(|i| {
            request(
                Some("127.0.0.1:1"),
                "/",
                &[("x-forwarded-for", &format!("198.51.100.{i}"))],
            )
        })
        .collect();
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429]);
}

#[tokio::test]
async fn the_address_the_proxy_resolved_is_the_client() {
    let layer = RateLimitLayer::new(&POLICY);
    let from = |client: &str| {
        let mut request = request(Some("10.0.0.1:1"), "/", &[]);
        request.extensions_mut().insert(ClientInfo {
            ip: Some(client.parse().unwrap()),
            scheme: Scheme::Https,
            host: None,
        });
        request
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
async fn verified_api_keys_get_a_bucket_each_and_public_paths_fall_back_to_the_address() {
    let layer = RateLimitLayer::new(&BY_API_KEY);
    // What the `api_key` layer outside sets once it has verified a key.
    let with = |key: u8| {
        let mut request = request(Some("1.2.3.4:1"), "/", &[("x-api-key", "as sent")]);
        request.extensions_mut().insert(ApiKeyIdentity([key; 32]));
        request
    };
    let requests = vec![with(1), with(1), with(1), with(1), with(2)];
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429, 200]);
    // On a public path the header was not verified: a new value is no new bucket.
    let requests = (0..4)
        .map(|i| request(Some("5.6.7.8:1"), "/public", &[("x-api-key", &format!("k{i}"))]))
        .collect();
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429]);
    assert_eq!(layer.tracked_clients(), 3);
}

#[tokio::test]
async fn jwt_claims_key_each_subject() {
    let layer = RateLimitLayer::new(&BY_SUBJECT);
    let as_subject = |subject: serde_json::Value| {
        let mut request = request(Some("1.2.3.4:1"), "/", &[]);
        request
            .extensions_mut()
            .insert(Claims::new(serde_json::json!({ "sub": subject })));
        request
    };
    let ann = || as_subject("ann".into());
    let requests = vec![
        ann(),
        ann(),
        ann(),
        ann(),
        as_subject("bob".into()),
        as_subject(7.into()),
    ];
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429, 200, 200]);
    // No verified token (a public path): the address, shared with nobody else.
    let requests = (0..4).map(|_| request(Some("9.9.9.9:1"), "/", &[])).collect();
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429]);
}

#[tokio::test]
async fn mock_connect_info_is_a_peer_too() {
    let layer = RateLimitLayer::new(&POLICY);
    let mock = |peer: &str| {
        let mut request = request(None, "/", &[]);
        let address: SocketAddr = peer.parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::connect_info::MockConnectInfo(address));
        request
    };
    let requests = vec![
        mock("1.2.3.4:1"),
        mock("1.2.3.4:2"),
        mock("1.2.3.4:3"),
        mock("1.2.3.4:4"),
        mock("5.6.7.8:1"),
    ];
    assert_eq!(statuses(&layer, requests).await, [200, 200, 200, 429, 200]);
}
