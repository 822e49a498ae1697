use axum::body::Body;
use http::header::{REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use http::{HeaderValue, Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{SecurityHeadersLayer, SecurityHeadersPolicy};
use crate::test_util::{body_string, ok_service};

static POLICY: SecurityHeadersPolicy = SecurityHeadersPolicy {
    strict_transport_security: Some(HeaderValue::from_static("max-age=31536000; includeSubDomains")),
    content_type_options: Some(HeaderValue::from_static("nosniff")),
    frame_options: Some(HeaderValue::from_static("DENY")),
    referrer_policy: Some(HeaderValue::from_static("strict-origin-when-cross-origin")),
    content_security_policy: None,
};

#[tokio::test]
async fn every_response_gets_the_headers() {
    let response = SecurityHeadersLayer::new(&POLICY)
        .layer(ok_service())
        .oneshot(Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(
        response.headers()[STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    assert_eq!(response.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(response.headers()[X_FRAME_OPTIONS], "DENY");
    assert_eq!(response.headers()[REFERRER_POLICY], "strict-origin-when-cross-origin");
    assert!(response.headers().get("content-security-policy").is_none());
    assert_eq!(body_string(response).await, "inner");
}

#[tokio::test]
async fn error_responses_get_them_and_the_app_can_override_one() {
    let inner = service_fn(|_request: Request<Body>| async {
        let mut response = Response::new(Body::from("nope"));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response
            .headers_mut()
            .insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        Ok::<_, std::convert::Infallible>(response)
    });
    let response = SecurityHeadersLayer::new(&POLICY)
        .layer(inner)
        .oneshot(Request::new(Body::empty()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[X_FRAME_OPTIONS], "SAMEORIGIN");
    assert_eq!(response.headers().get_all(X_FRAME_OPTIONS).iter().count(), 1);
    assert_eq!(response.headers()[X_CONTENT_TYPE_OPTIONS], "nosniff");
}
