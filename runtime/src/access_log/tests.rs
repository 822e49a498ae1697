use std::convert::Infallible;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::header::{AUTHORIZATION, COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::AccessLogLayer;
use crate::RequestId;
use crate::paths::PathList;
use crate::test_util::{CapturedEvents, PendingBody, ok_service};

static EXCLUDE: PathList = PathList {
    exact: &["/health"],
    subtrees: &["/static"],
};

fn created()
-> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    service_fn(|_request: Request<Body>| async {
        let mut response = Response::new(Body::from("made"));
        *response.status_mut() = StatusCode::CREATED;
        Ok(response)
    })
}

#[tokio::test]
async fn logs_one_event_with_all_fields_and_no_secrets() {
    let (captured, _guard) = CapturedEvents::start();
    let mut request = Request::builder()
        .method("POST")
        .uri("/users/7?token=querysecret")
        .header(AUTHORIZATION, "Bearer secret")
        .header(COOKIE, "session=cookiesecret")
        .body(Body::empty())
        .expect("valid request");
    let peer: SocketAddr = "203.0.113.9:51000".parse().expect("valid address");
    request.extensions_mut().insert(ConnectInfo(peer));
    request.extensions_mut().insert(RequestId::generate());
    let id = request.extensions().get::<RequestId>().cloned().expect("inserted");

    let service = AccessLogLayer::new(&EXCLUDE).layer(created());
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::CREATED);

    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.target, "strata::access");
    assert_eq!(event.level, tracing::Level::INFO);
    assert_eq!(event.field("message"), Some("request"));
    assert_eq!(event.field("request_id"), Some(id.as_str()));
    assert_eq!(event.field("method"), Some("POST"));
    assert_eq!(event.field("path"), Some("/users/7"));
    assert_eq!(event.field("status"), Some("201"));
    assert_eq!(event.field("client_ip"), Some("203.0.113.9"));
    let duration: f64 = event
        .field("duration_ms")
        .expect("duration logged")
        .parse()
        .expect("a number");
    assert!(duration >= 0.0);

    let everything = format!("{events:?}");
    for secret in ["secret", "Bearer", "cookiesecret", "querysecret", "token"] {
        assert!(!everything.contains(secret), "{secret} leaked: {everything}");
    }
}

#[tokio::test]
async fn absent_request_id_and_peer_are_not_logged() {
    let (captured, _guard) = CapturedEvents::start();
    let service = AccessLogLayer::new(&PathList::EMPTY).layer(ok_service());
    service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].field("request_id"), None);
    assert_eq!(events[0].field("client_ip"), None);
    assert_eq!(events[0].field("path"), Some("/"));
    assert_eq!(events[0].field("status"), Some("200"));
}

#[tokio::test]
async fn excluded_paths_are_silent() {
    let (captured, _guard) = CapturedEvents::start();
    for path in ["/health", "/health/", "/static/app.js", "/static"] {
        let service = AccessLogLayer::new(&EXCLUDE).layer(ok_service());
        let request = Request::builder().uri(path).body(Body::empty()).expect("valid request");
        let response = service.oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert!(captured.events().is_empty(), "{:?}", captured.events());

    let service = AccessLogLayer::new(&EXCLUDE).layer(ok_service());
    let request = Request::builder()
        .uri("/healthz")
        .body(Body::empty())
        .expect("valid request");
    service.oneshot(request).await.expect("infallible");
    assert_eq!(captured.events().len(), 1);
}

#[tokio::test]
async fn logs_at_the_head_of_a_streaming_response() {
    let (captured, _guard) = CapturedEvents::start();
    let inner =
        service_fn(|_request: Request<Body>| async { Ok::<_, Infallible>(Response::new(Body::new(PendingBody))) });
    let service = AccessLogLayer::new(&PathList::EMPTY).layer(inner);
    let _response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    assert_eq!(captured.events().len(), 1);
}

#[tokio::test]
async fn inner_errors_are_logged_as_warnings() {
    let (captured, _guard) = CapturedEvents::start();
    let inner =
        service_fn(|_request: Request<Body>| async { Err::<Response<Body>, _>(std::io::Error::other("backend down")) });
    let service = AccessLogLayer::new(&PathList::EMPTY).layer(inner);
    let mut request = Request::new(Body::empty());
    request
        .headers_mut()
        .insert(AUTHORIZATION, HeaderValue::from_static("Bearer secret"));
    service.oneshot(request).await.expect_err("inner fails");
    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].level, tracing::Level::WARN);
    assert_eq!(events[0].field("status"), None);
    assert_eq!(events[0].field("path"), Some("/"));
    assert!(!format!("{events:?}").contains("secret"));
}

#[tokio::test]
async fn the_client_ip_is_the_one_proxy_resolved() {
    let (captured, _guard) = CapturedEvents::start();
    let mut request = Request::new(Body::empty());
    let peer: SocketAddr = "10.0.0.1:51000".parse().expect("valid address");
    request.extensions_mut().insert(ConnectInfo(peer));
    request.extensions_mut().insert(crate::ClientInfo {
        ip: Some("198.51.100.7".parse().expect("valid address")),
        scheme: crate::proxy::Scheme::Https,
        host: None,
    });
    let service = AccessLogLayer::new(&PathList::EMPTY).layer(ok_service());
    service.oneshot(request).await.expect("infallible");
    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].field("client_ip"), Some("198.51.100.7"));
}

fn routed_app() -> axum::Router {
    use crate::route::{RecordRoutes as _, RouteHook};
    let router = axum::Router::new().route(
        "/users/{id}",
        axum::routing::get(|| async {
            tracing::info!(target: "app", "handler ran");
            "user"
        }),
    );
    RouteHook::new(router).record_routes()
}

#[tokio::test]
async fn handler_events_run_inside_the_request_span() {
    let (captured, _guard) = CapturedEvents::start();
    let mut request = Request::builder()
        .method("GET")
        .uri("/users/42?token=querysecret")
        .header(AUTHORIZATION, "Bearer secret")
        .header(COOKIE, "session=cookiesecret")
        .body(Body::empty())
        .expect("valid request");
    let peer: SocketAddr = "203.0.113.9:51000".parse().expect("valid address");
    request.extensions_mut().insert(ConnectInfo(peer));
    request.extensions_mut().insert(RequestId::generate());
    let id = request.extensions().get::<RequestId>().cloned().expect("inserted");
    let trace = crate::TraceContext::from_headers(&http::HeaderMap::new(), true);
    request.extensions_mut().insert(trace.clone());

    let service = AccessLogLayer::new(&PathList::EMPTY).layer(routed_app());
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);

    let events = captured.events();
    let handler = events.iter().find(|e| e.target == "app").expect("the handler logged");
    let trace_id = trace.trace_id().to_string();
    for (field, value) in [
        ("request_id", id.as_str()),
        ("trace_id", trace_id.as_str()),
        ("method", "GET"),
        ("route", "/users/{id}"),
        ("client_ip", "203.0.113.9"),
    ] {
        assert_eq!(
            handler.span_field("request", field),
            Some(value),
            "{field}: {handler:?}"
        );
    }
    let access = events.iter().find(|e| e.target == "strata::access").expect("logged");
    assert_eq!(access.field("route"), Some("/users/{id}"));
    assert_eq!(access.field("trace_id"), Some(trace_id.as_str()));
    assert_eq!(access.field("path"), Some("/users/42"));
    assert_eq!(access.span_field("request", "request_id"), Some(id.as_str()));
    let everything = format!("{events:?}");
    for secret in ["secret", "Bearer", "querysecret", "token"] {
        assert!(!everything.contains(secret), "{secret} leaked: {everything}");
    }
}

#[tokio::test]
async fn unmatched_requests_say_so_and_duration_has_at_most_three_decimals() {
    let (captured, _guard) = CapturedEvents::start();
    for path in ["/nope", "/users/1"] {
        let service = AccessLogLayer::new(&PathList::EMPTY).layer(routed_app());
        let request = Request::builder().uri(path).body(Body::empty()).expect("valid request");
        service.oneshot(request).await.expect("infallible");
    }
    let access: Vec<_> = captured
        .events()
        .into_iter()
        .filter(|e| e.target == "strata::access")
        .collect();
    assert_eq!(access.len(), 2);
    assert_eq!(access[0].field("route"), Some("unmatched"));
    assert_eq!(access[0].field("status"), Some("404"));
    assert_eq!(access[1].field("route"), Some("/users/{id}"));
    for event in &access {
        let duration = event.field("duration_ms").expect("duration logged");
        let value: f64 = duration.parse().expect("a number");
        assert!(value >= 0.0);
        let decimals = duration.split_once('.').map_or(0, |(_, fraction)| fraction.len());
        assert!(decimals <= 3, "{duration}");
    }
}

#[tokio::test]
async fn without_span_events_carry_no_request_span() {
    let (captured, _guard) = CapturedEvents::start();
    let service = AccessLogLayer::new(&PathList::EMPTY)
        .with_span(false)
        .layer(routed_app());
    let request = Request::builder()
        .uri("/users/1")
        .body(Body::empty())
        .expect("valid request");
    service.oneshot(request).await.expect("infallible");
    let events = captured.events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e.spans.is_empty()), "{events:?}");
    let access = events.iter().find(|e| e.target == "strata::access").expect("logged");
    assert_eq!(
        access.field("route"),
        Some("/users/{id}"),
        "the event still knows the route"
    );
}
