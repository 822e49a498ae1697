use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{Request, Response, StatusCode};
use tokio::sync::Notify;
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::ConcurrencyLimitLayer;
use crate::test_util::body_string;

/// A handler that counts its calls and answers when `release` is notified.
fn held_service(
    calls: Arc<AtomicUsize>,
    release: Arc<Notify>,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send + 'static>
+ Clone
+ Send
+ 'static {
    service_fn(move |_request: Request<Body>| {
        calls.fetch_add(1, Ordering::SeqCst);
        let release = Arc::clone(&release);
        async move {
            release.notified().await;
            Ok(Response::new(Body::from("served")))
        }
    })
}

#[tokio::test]
async fn over_the_limit_is_a_503_at_once_and_the_handler_is_not_called() {
    let calls = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let layer = ConcurrencyLimitLayer::new(2);
    let service = layer.layer(held_service(Arc::clone(&calls), Arc::clone(&release)));
    let first = tokio::spawn(service.clone().oneshot(Request::new(Body::empty())));
    let second = tokio::spawn(service.clone().oneshot(Request::new(Body::empty())));
    while calls.load(Ordering::SeqCst) < 2 {
        tokio::task::yield_now().await;
    }
    assert_eq!(layer.in_flight(), 2);

    let started = Instant::now();
    let refused = service.clone().oneshot(Request::new(Body::empty())).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()[RETRY_AFTER], "1");
    assert_eq!(refused.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(body_string(refused).await, r#"{"detail":"Server busy"}"#);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the refused request never reached the handler"
    );

    release.notify_waiters();
    for served in [first, second] {
        let response = served.await.unwrap().unwrap();
        assert_eq!(body_string(response).await, "served");
    }
    assert_eq!(layer.in_flight(), 0);
    // The slots are free again.
    let release_later = Arc::clone(&release);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        release_later.notify_waiters();
    });
    let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_dropped_response_future_gives_its_slot_back() {
    let calls = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let layer = ConcurrencyLimitLayer::new(1);
    let mut service = layer.layer(held_service(calls, release));
    let pending = tower_service::Service::call(&mut service, Request::new(Body::empty()));
    assert_eq!(layer.in_flight(), 1);
    let refused = service.clone().oneshot(Request::new(Body::empty())).await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    // A timeout outside, or a client that went away, drops the future.
    drop(pending);
    assert_eq!(layer.in_flight(), 0);
}

#[tokio::test]
async fn the_slot_is_given_back_when_the_head_is_out() {
    let layer = ConcurrencyLimitLayer::new(1);
    let service = layer.layer(service_fn(|_request: Request<Body>| async {
        Ok::<_, Infallible>(Response::new(Body::from("streamed later")))
    }));
    let mut first = service.clone();
    let future = tower_service::Service::call(&mut first, Request::new(Body::empty()));
    tokio::pin!(future);
    assert_eq!(layer.in_flight(), 1);
    let response = (&mut future).await.unwrap();
    // The future is still alive and the body unread: the slot is free already.
    assert_eq!(layer.in_flight(), 0);
    let again = service.oneshot(Request::new(Body::empty())).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "streamed later");
}
