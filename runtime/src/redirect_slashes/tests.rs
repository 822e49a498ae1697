use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::header::LOCATION;
use http::{Request, Response, StatusCode};
use tower::ServiceExt;

use super::{RedirectSlashes, SlashMode, other_form};
use crate::test_util::body_string;

/// Counts the app's code that runs: handlers, the fallback, a layer.
#[derive(Clone, Default)]
struct Calls {
    handlers: Arc<AtomicUsize>,
    fallback: Arc<AtomicUsize>,
    layer: Arc<AtomicUsize>,
}

impl Calls {
    fn get(counter: &AtomicUsize) -> usize {
        counter.load(Ordering::SeqCst)
    }
}

/// Routes `/dir/` (declared with its slash), `/users` (GET and POST),
/// `/api/items/{id}` (nested); a fallback of its own when `fallback`.
fn app(calls: &Calls, fallback: bool) -> Router {
    let echo = |calls: &Calls| {
        let handlers = calls.handlers.clone();
        move |uri: http::Uri| {
            handlers.fetch_add(1, Ordering::SeqCst);
            async move { uri.to_string() }
        }
    };
    let created = {
        let handlers = calls.handlers.clone();
        move |body: String| {
            handlers.fetch_add(1, Ordering::SeqCst);
            async move { format!("created {body}") }
        }
    };
    let layer = {
        let count = calls.layer.clone();
        axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
            count.fetch_add(1, Ordering::SeqCst);
            next.run(request)
        })
    };
    let mut router = Router::new()
        .route("/dir/", get(echo(calls)))
        .route("/users", get(echo(calls)).post(created))
        .nest("/api", Router::new().route("/items/{id}", get(echo(calls))));
    if fallback {
        let count = calls.fallback.clone();
        router = router.fallback(move || {
            count.fetch_add(1, Ordering::SeqCst);
            async { (StatusCode::NOT_FOUND, "app's own fallback") }
        });
    }
    router.layer(layer)
}

async fn call(router: &Router, method: &str, uri: &str, body: &'static str) -> Response<Body> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    router.clone().oneshot(request).await.unwrap()
}

#[test]
fn the_other_form() {
    assert_eq!(other_form("/users/").as_deref(), Some("/users"));
    assert_eq!(other_form("/users///").as_deref(), Some("/users"));
    assert_eq!(other_form("/a/b/").as_deref(), Some("/a/b"));
    assert_eq!(other_form("/users").as_deref(), Some("/users/"));
    assert_eq!(other_form("/"), None);
    assert_eq!(other_form("//"), None);
    assert_eq!(other_form(""), None);
    assert_eq!(other_form("//evil.example/"), None);
    assert_eq!(other_form("//evil.example"), None);
    assert_eq!(other_form("/\\evil.example/"), None);
    assert_eq!(other_form("/\\evil.example"), None);
}

#[tokio::test]
async fn a_route_that_exists_as_written_is_served_as_written() {
    let calls = Calls::default();
    let router = RedirectSlashes::new(SlashMode::Redirect).attach(app(&calls, false));
    // (A nested route sees its path without the prefix, as axum does.)
    for (uri, seen) in [
        ("/dir/", "/dir/"),
        ("/users", "/users"),
        ("/users?page=2", "/users?page=2"),
        ("/api/items/7", "/items/7"),
    ] {
        let response = call(&router, "GET", uri, "").await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(body_string(response).await, seen);
    }
    // Matched for another method: the route's 405, not a redirect.
    let response = call(&router, "DELETE", "/users", "").await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(Calls::get(&calls.handlers), 4);
}

#[tokio::test]
async fn redirect_mode_sends_the_other_form_when_only_it_matches() {
    let calls = Calls::default();
    let router = RedirectSlashes::new(SlashMode::Redirect).attach(app(&calls, true));
    for (method, uri, location) in [
        ("GET", "/users/", "/users"),
        ("GET", "/users//?page=2&x=%20", "/users?page=2&x=%20"),
        ("GET", "/dir", "/dir/"),
        ("GET", "/dir?sort=name", "/dir/?sort=name"),
        ("HEAD", "/dir", "/dir/"),
        ("POST", "/users/", "/users"),
        // The other form matches for another method: redirected, then 405
        // there, as in Starlette.
        ("DELETE", "/users/", "/users"),
        ("GET", "/api/items/7/", "/api/items/7"),
    ] {
        let response = call(&router, method, uri, "body").await;
        assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT, "{method} {uri}");
        assert_eq!(response.headers()[LOCATION], location, "{method} {uri}");
        assert_eq!(body_string(response).await, "", "{method} {uri}");
    }
    assert_eq!(Calls::get(&calls.handlers), 0, "no handler runs for a redirect");
    assert_eq!(Calls::get(&calls.fallback), 0, "nor the app's fallback");
    // `Router::layer` wraps each route and the fallback, none of which ran.
    assert_eq!(Calls::get(&calls.layer), 0);
}

#[tokio::test]
async fn neither_form_matching_is_the_apps_own_fallback() {
    let calls = Calls::default();
    let router = RedirectSlashes::new(SlashMode::Redirect).attach(app(&calls, true));
    for uri in ["/nope/", "/nope", "/", "//evil.example/", "/api/other/"] {
        let response = call(&router, "GET", uri, "").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
        assert!(!response.headers().contains_key(LOCATION), "{uri}");
        assert_eq!(body_string(response).await, "app's own fallback", "{uri}");
    }
    assert_eq!(Calls::get(&calls.fallback), 5, "the app's fallback runs once for each");

    // axum's default fallback: an empty 404.
    let router = RedirectSlashes::new(SlashMode::Redirect).attach(app(&calls, false));
    let response = call(&router, "GET", "/nope/", "").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_string(response).await, "");
}

#[tokio::test]
async fn trim_mode_serves_the_other_forms_route_with_the_body() {
    let calls = Calls::default();
    let router = RedirectSlashes::new(SlashMode::Trim).attach(app(&calls, true));
    for (uri, seen) in [
        ("/users/?page=2", "/users?page=2"),
        ("/dir", "/dir/"),
        ("/dir/", "/dir/"),
        ("http://example.com/users//", "http://example.com/users"),
    ] {
        let response = call(&router, "GET", uri, "").await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(body_string(response).await, seen, "{uri}");
    }
    let response = call(&router, "POST", "/users/", "ann").await;
    assert_eq!(body_string(response).await, "created ann");
    let response = call(&router, "GET", "/nope/", "").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(Calls::get(&calls.handlers), 5);
    assert_eq!(Calls::get(&calls.fallback), 1);
    // Once per request: the route or the fallback that answered, never the probe.
    assert_eq!(Calls::get(&calls.layer), 6);
}

#[tokio::test]
async fn a_router_without_routes_is_left_alone() {
    let router = RedirectSlashes::new(SlashMode::Redirect).attach(Router::new().fallback(|| async { "fallback" }));
    let response = call(&router, "GET", "/users/", "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "fallback");
}
