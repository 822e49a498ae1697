use axum::body::Body;
use http::header::LOCATION;
use http::{Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{RedirectSlashesLayer, SlashMode, trimmed};
use crate::test_util::body_string;

fn echo_uri()
-> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible> + Clone {
    service_fn(|request: Request<Body>| async move { Ok(Response::new(Body::from(request.uri().to_string()))) })
}

async fn call(mode: SlashMode, uri: &str) -> Response<Body> {
    RedirectSlashesLayer::new(mode)
        .layer(echo_uri())
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[test]
fn what_gets_trimmed() {
    assert_eq!(trimmed("/users/"), Some("/users"));
    assert_eq!(trimmed("/users///"), Some("/users"));
    assert_eq!(trimmed("/a/b/"), Some("/a/b"));
    assert_eq!(trimmed("/users"), None);
    assert_eq!(trimmed("/"), None);
    assert_eq!(trimmed("//"), None);
    assert_eq!(trimmed("//evil.example/"), None);
    assert_eq!(trimmed("/\\evil.example/"), None);
}

#[tokio::test]
async fn redirect_mode_answers_307_keeping_the_query() {
    let response = call(SlashMode::Redirect, "/users/?page=2&x=%20").await;
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers()[LOCATION], "/users?page=2&x=%20");
    assert_eq!(body_string(response).await, "");
    let response = call(SlashMode::Redirect, "/users/").await;
    assert_eq!(response.headers()[LOCATION], "/users");
}

#[tokio::test]
async fn redirect_mode_passes_other_paths() {
    for uri in ["/", "/users", "/users?x=/", "//evil.example/"] {
        let response = call(SlashMode::Redirect, uri).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(body_string(response).await, uri);
    }
}

#[tokio::test]
async fn trim_mode_rewrites_the_path() {
    let response = call(SlashMode::Trim, "/users/?page=2").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "/users?page=2");
    let response = call(SlashMode::Trim, "http://example.com/a/b//").await;
    assert_eq!(body_string(response).await, "http://example.com/a/b");
}
