use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use http::header::CONTENT_TYPE;
use http::{Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;
use tower_service::Service;

use super::CatchPanicLayer;
use crate::test_util::{body_string, ok_service};

async fn assert_internal_error(response: Response<Body>) {
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(body_string(response).await, r#"{"detail":"Internal server error"}"#);
}

/// An inner service whose `call` itself panics, before any future exists.
#[derive(Clone)]
struct PanicsInCall;

impl Service<Request<Body>> for PanicsInCall {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: Request<Body>) -> Self::Future {
        panic!("boom in call")
    }
}

#[tokio::test]
async fn panic_in_call_becomes_500() {
    let service = CatchPanicLayer::new().layer(PanicsInCall);
    let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    assert_internal_error(response).await;
}

#[tokio::test]
async fn panic_while_polling_becomes_500() {
    let inner = service_fn(|_request: Request<Body>| async {
        tokio::task::yield_now().await;
        if true {
            panic!("boom in poll: {}", 42);
        }
        Ok::<_, Infallible>(Response::new(Body::empty()))
    });
    let service = CatchPanicLayer::new().layer(inner);
    let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    assert_internal_error(response).await;
}

/// Panics on its first poll and fails the test if polled again.
struct PanicsOnce {
    polled: bool,
}

impl Future for PanicsOnce {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.polled, "inner future polled after it panicked");
        self.polled = true;
        panic!("first poll")
    }
}

#[tokio::test]
async fn panicked_future_is_not_polled_again() {
    let inner = service_fn(|_request: Request<Body>| PanicsOnce { polled: false });
    let mut service = CatchPanicLayer::new().layer(inner);
    let mut future = std::pin::pin!(service.call(Request::new(Body::empty())));
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(response)) => assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR),
        other => panic!("expected a 500, got {:?}", other.map(|r| r.map(|r| r.status()))),
    }
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = future.as_mut().poll(&mut cx);
    }));
    let message = again.expect_err("polling after completion is a caller bug");
    assert_eq!(
        message.downcast_ref::<&str>().copied(),
        Some("catch_panic response future polled after completion")
    );
}

#[tokio::test]
async fn normal_responses_pass_through() {
    let service = CatchPanicLayer::new().layer(ok_service());
    let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, "inner");
}

#[tokio::test]
async fn panic_is_logged_with_request_id_and_message() {
    let (captured, _guard) = crate::test_util::CapturedEvents::start();
    let inner = service_fn(|_request: Request<Body>| async {
        tokio::task::yield_now().await;
        if true {
            panic!("database exploded: {}", "pool closed");
        }
        Ok::<_, Infallible>(Response::new(Body::empty()))
    });
    let mut request = Request::new(Body::empty());
    let id = crate::RequestId::generate();
    request.extensions_mut().insert(id.clone());
    let service = CatchPanicLayer::new().layer(inner);
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);

    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.target, "strata::panic");
    assert_eq!(event.level, tracing::Level::ERROR);
    assert_eq!(event.field("message"), Some("handler panicked"));
    assert_eq!(event.field("request_id"), Some(id.as_str()));
    assert_eq!(event.field("panic"), Some("database exploded: pool closed"));
}

#[tokio::test]
async fn panic_in_call_is_logged_with_a_static_message() {
    let (captured, _guard) = crate::test_util::CapturedEvents::start();
    let service = CatchPanicLayer::new().layer(PanicsInCall);
    service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    let events = captured.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].field("panic"), Some("boom in call"));
    assert_eq!(events[0].field("request_id"), None);
}
