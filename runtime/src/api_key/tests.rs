use axum::body::Body;
use http::header::CONTENT_TYPE;
use http::{HeaderName, Method, Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{ApiKeyLayer, ApiKeyPolicy};
use crate::paths::PathList;
use crate::test_util::{body_string, ok_service};

static POLICY: ApiKeyPolicy = ApiKeyPolicy {
    header: HeaderName::from_static("x-api-key"),
    public_paths: PathList {
        exact: &["/health"],
        subtrees: &["/docs"],
    },
};

const KEYS: &str = "k1-0123456789abcdef, k2-fedcba9876543210\nk3";

async fn call(method: Method, path: &str, keys: &[&str]) -> http::Response<Body> {
    let layer = ApiKeyLayer::new(&POLICY, KEYS, "API_KEYS").unwrap();
    let mut builder = Request::builder().method(method).uri(path);
    for key in keys {
        builder = builder.header("x-api-key", *key);
    }
    layer
        .layer(ok_service())
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_configured_key_is_accepted() {
    for key in ["k1-0123456789abcdef", "k2-fedcba9876543210", "k3"] {
        let response = call(Method::GET, "/", &[key]).await;
        assert_eq!(response.status(), StatusCode::OK, "{key}");
        assert_eq!(body_string(response).await, "inner");
    }
}

#[tokio::test]
async fn wrong_missing_empty_or_doubled_keys_get_403_json() {
    for keys in [
        &["k1-0123456789abcdeX"][..],
        &["K1-0123456789ABCDEF"],
        &["k1"],
        &[],
        &[""],
        &["k1-0123456789abcdef", "k2-fedcba9876543210"],
        &["k1-0123456789abcdef, k3"],
    ] {
        let response = call(Method::GET, "/", keys).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{keys:?}");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(body_string(response).await, r#"{"detail":"Invalid API key"}"#);
    }
}

#[tokio::test]
async fn only_public_paths_pass_without_a_key() {
    for (method, path) in [
        (Method::GET, "/health"),
        (Method::OPTIONS, "/health"),
        (Method::GET, "/health/"),
        (Method::POST, "/docs/openapi.json"),
    ] {
        let response = call(method.clone(), path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
    }
    assert_eq!(call(Method::GET, "/healthz", &[]).await.status(), StatusCode::FORBIDDEN);
    // No method is exempt: OPTIONS, HEAD and unknown methods need the key too.
    for method in [Method::OPTIONS, Method::HEAD, Method::from_bytes(b"PURGE").unwrap()] {
        let response = call(method.clone(), "/private", &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method}");
        let response = call(method.clone(), "/private", &["k3"]).await;
        assert_eq!(response.status(), StatusCode::OK, "{method}");
    }
}

#[test]
fn a_variable_without_keys_is_refused_naming_it() {
    let error = ApiKeyLayer::new(&POLICY, " , \n", "API_KEYS").unwrap_err();
    assert_eq!(
        error.to_string(),
        "strata: environment variable `API_KEYS` cannot be used by `api_key.keys_env`: it holds no key (separate keys with commas)"
    );
}
