//! End to end over real sockets: `redirect_slashes` redirects (or serves) a
//! path to its other form only when the path as written matches no route and
//! the other form does, as Starlette's router does.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::Full;
use support::{empty, request, send, serve};

fn routes() -> Router {
    Router::new()
        .route("/dir/", get(|uri: axum::http::Uri| async move { format!("dir {uri}") }))
        .route(
            "/users",
            get(|uri: axum::http::Uri| async move { format!("users {uri}") })
                .post(|body: String| async move { format!("created {body}") }),
        )
        .nest("/api", Router::new().route("/items/{id}", get(|| async { "item" })))
}

#[strata::stack(redirect_slashes, request_id)]
fn redirecting() -> Router {
    routes()
}

#[strata::stack(redirect_slashes(mode = "trim"))]
fn trimming() -> Router {
    routes().fallback(|| async { (StatusCode::NOT_FOUND, "no such page") })
}

#[tokio::test]
async fn a_route_declared_with_its_slash_is_served_as_written() {
    let address = serve(redirecting()).await;
    let response = send(address, empty(request("GET", "/dir/?sort=name"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "dir /dir/?sort=name");
    let response = send(address, empty(request("GET", "/users"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "users /users");
}

#[tokio::test]
async fn only_the_other_form_matching_is_a_307_to_it_keeping_the_query() {
    let address = serve(redirecting()).await;
    for (method, path, location) in [
        ("GET", "/dir", "/dir/"),
        ("GET", "/dir?sort=name", "/dir/?sort=name"),
        ("GET", "/users/", "/users"),
        ("GET", "/users//?page=2", "/users?page=2"),
        ("POST", "/users/", "/users"),
        ("HEAD", "/dir", "/dir/"),
        ("GET", "/api/items/7/", "/api/items/7"),
    ] {
        let response = send(address, empty(request(method, path))).await;
        assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT, "{method} {path}");
        assert_eq!(response.header("location"), Some(location), "{method} {path}");
        assert_eq!(response.text(), "", "{method} {path}");
        // The layers of the stack see the redirect.
        assert!(response.header("x-request-id").is_some(), "{method} {path}");
    }
    // Following the redirect keeps the method and the body.
    let body = Full::new(Bytes::from_static(b"ann"));
    let response = send(address, request("POST", "/users").body(body).unwrap()).await;
    assert_eq!(response.text(), "created ann");
}

#[tokio::test]
async fn a_path_that_matches_in_neither_form_is_a_404() {
    let address = serve(redirecting()).await;
    for path in ["/nope/", "/nope", "//evil.example/", "/api/items/"] {
        let response = send(address, empty(request("GET", path))).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.header("location"), None, "{path}");
    }
    // Matched for another method: the route's 405, not a redirect.
    let response = send(address, empty(request("DELETE", "/users"))).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn trim_mode_serves_the_other_form_silently_and_keeps_the_apps_fallback() {
    let address = serve(trimming()).await;
    let response = send(address, empty(request("GET", "/users/?page=2"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "users /users?page=2");
    let response = send(address, empty(request("GET", "/dir"))).await;
    assert_eq!(response.text(), "dir /dir/");
    let response = send(address, empty(request("GET", "/dir/"))).await;
    assert_eq!(response.text(), "dir /dir/");
    let body = Full::new(Bytes::from_static(b"bob"));
    let response = send(address, request("POST", "/users/").body(body).unwrap()).await;
    assert_eq!(response.text(), "created bob", "the body reaches the route");
    let response = send(address, empty(request("GET", "/nope/"))).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.text(), "no such page", "the app's own fallback answers");
}
