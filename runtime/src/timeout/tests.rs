use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::TimeoutLayer;
use crate::test_util::{ChunkedBody, body_string, ok_service};

/// Sets its flag when dropped: observes that the handler's future was dropped.
struct DropGuard(Arc<AtomicBool>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn slow_service(
    delay: Duration,
    dropped: Arc<AtomicBool>,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    service_fn(move |_request: Request<Body>| {
        let guard = DropGuard(Arc::clone(&dropped));
        async move {
            tokio::time::sleep(delay).await;
            drop(guard);
            Ok(Response::new(Body::from("slow")))
        }
    })
}

/// Reads the whole body, as an extractor would, and answers like axum does
/// when that fails.
fn reading_service() -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone
{
    service_fn(|request: Request<Body>| async move {
        Ok(match axum::body::to_bytes(request.into_body(), usize::MAX).await {
            Ok(bytes) => Response::new(Body::from(format!("read {}", bytes.len()))),
            Err(_) => {
                let mut response = Response::new(Body::from("Failed to buffer the request body"));
                *response.status_mut() = StatusCode::BAD_REQUEST;
                response
            }
        })
    })
}

#[tokio::test]
async fn a_quick_response_passes_untouched() {
    let service = TimeoutLayer::new(Duration::from_secs(5), StatusCode::SERVICE_UNAVAILABLE).layer(ok_service());
    let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "inner");
}

#[tokio::test]
async fn a_late_head_is_answered_with_the_status_and_the_handler_is_dropped() {
    for status in [
        StatusCode::SERVICE_UNAVAILABLE,
        StatusCode::GATEWAY_TIMEOUT,
        StatusCode::REQUEST_TIMEOUT,
    ] {
        let dropped = Arc::new(AtomicBool::new(false));
        let inner = slow_service(Duration::from_secs(30), Arc::clone(&dropped));
        let mut service = TimeoutLayer::new(Duration::from_millis(50), status).layer(inner);
        let started = Instant::now();
        let future = tower_service::Service::call(&mut service, Request::new(Body::empty()));
        tokio::pin!(future);
        let response = (&mut future).await.unwrap();
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(50), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        // Our own future is still alive: the handler's was dropped when time was up.
        assert!(
            dropped.load(Ordering::SeqCst),
            "the handler's future is dropped by then"
        );
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let close = response
            .headers()
            .get(CONNECTION)
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            close.as_deref(),
            (status == StatusCode::REQUEST_TIMEOUT).then_some("close")
        );
        assert_eq!(body_string(response).await, r#"{"detail":"Request timed out"}"#);
    }
}

#[tokio::test]
async fn a_body_that_stalls_between_frames_is_a_408() {
    let service = TimeoutLayer::new(Duration::from_secs(10), StatusCode::SERVICE_UNAVAILABLE)
        .request_body(Duration::from_millis(50))
        .layer(reading_service());
    let body = ChunkedBody::stalling([Bytes::from_static(b"half a bo")]);
    let started = Instant::now();
    let response = service.oneshot(Request::new(Body::new(body))).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(response.headers()[CONNECTION], "close");
    assert_eq!(body_string(response).await, r#"{"detail":"Request body timed out"}"#);
}

#[tokio::test]
async fn a_body_that_keeps_coming_is_read_whole() {
    let service = TimeoutLayer::new(Duration::from_secs(10), StatusCode::SERVICE_UNAVAILABLE)
        .request_body(Duration::from_millis(50))
        .layer(reading_service());
    let body = ChunkedBody::new((0..100).map(|_| Bytes::from_static(b"0123456789")));
    let response = service.oneshot(Request::new(Body::new(body))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "read 1000");
}

#[tokio::test]
async fn the_body_timer_runs_only_while_the_reader_waits() {
    // The handler takes longer than `request_body` before it reads: that is
    // the request deadline's business, not the body's.
    let inner = service_fn(|request: Request<Body>| async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap();
        Ok::<_, Infallible>(Response::new(Body::from(bytes)))
    });
    let service = TimeoutLayer::new(Duration::from_secs(10), StatusCode::SERVICE_UNAVAILABLE)
        .request_body(Duration::from_millis(50))
        .layer(inner);
    let body = ChunkedBody::new([Bytes::from_static(b"late but whole")]);
    let response = service.oneshot(Request::new(Body::new(body))).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "late but whole");
}

#[tokio::test]
async fn the_request_deadline_bounds_a_handler_that_waits_on_a_stalled_body() {
    // With no body timeout, a stalled body is the request deadline's to end.
    let service = TimeoutLayer::new(Duration::from_millis(80), StatusCode::GATEWAY_TIMEOUT).layer(reading_service());
    let body = ChunkedBody::stalling([Bytes::from_static(b"half")]);
    let response = service.oneshot(Request::new(Body::new(body))).await.unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
}
