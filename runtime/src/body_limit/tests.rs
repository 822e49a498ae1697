use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::BodyLimitLayer;
use crate::test_util::{ChunkedBody, body_string};

/// A body of a declared length whose bytes never arrive: what hyper hands on
/// for a `Content-Length` (its size hint is exact) before the client sends.
struct Declared(u64);

impl http_body::Body for Declared {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        std::task::Poll::Pending
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.0)
    }
}

/// Reads the whole body and answers as a hand-written handler might when
/// that fails: a 400 of its own.
fn reader(
    calls: Arc<AtomicUsize>,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    service_fn(move |request: Request<Body>| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok(match axum::body::to_bytes(request.into_body(), usize::MAX).await {
                Ok(bytes) => Response::new(Body::from(format!("read {}", bytes.len()))),
                Err(_) => {
                    let mut response = Response::new(Body::from("my own error"));
                    *response.status_mut() = StatusCode::BAD_REQUEST;
                    response
                }
            })
        }
    })
}

async fn assert_too_large(response: Response<Body>) {
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(body_string(response).await, r#"{"detail":"Request body too large"}"#);
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let service = BodyLimitLayer::new(1_000).layer(reader(Arc::clone(&calls)));
    // What hyper hands on for `Content-Length: 1001` whose bytes never come:
    // the answer must not wait for them.
    let request = Request::builder()
        .method("POST")
        .header(CONTENT_LENGTH, "1001")
        .body(Body::new(Declared(1_001)))
        .unwrap();
    assert_too_large(service.clone().oneshot(request).await.unwrap()).await;
    let request = Request::new(Body::from(vec![b'x'; 1_001]));
    assert_too_large(service.oneshot(request).await.unwrap()).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_becomes_the_same_413() {
    let calls = Arc::new(AtomicUsize::new(0));
    let service = BodyLimitLayer::new(1_000).layer(reader(Arc::clone(&calls)));
    let chunks = (0..11).map(|_| Bytes::from(vec![b'x'; 100]));
    let request = Request::new(Body::new(ChunkedBody::new(chunks)));
    assert_too_large(service.oneshot(request).await.unwrap()).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the handler ran and its own answer was replaced"
    );
}

#[tokio::test]
async fn bodies_within_the_limit_pass_whole() {
    let service = BodyLimitLayer::new(1_000).layer(reader(Arc::default()));
    let exactly = Request::new(Body::from(vec![b'x'; 1_000]));
    assert_eq!(
        body_string(service.clone().oneshot(exactly).await.unwrap()).await,
        "read 1000"
    );
    let chunks = (0..10).map(|_| Bytes::from(vec![b'x'; 100]));
    let streamed = Request::new(Body::new(ChunkedBody::new(chunks)));
    assert_eq!(
        body_string(service.clone().oneshot(streamed).await.unwrap()).await,
        "read 1000"
    );
    let empty = Request::new(Body::empty());
    assert_eq!(body_string(service.oneshot(empty).await.unwrap()).await, "read 0");
}

#[tokio::test]
async fn the_limit_replaces_axums_default_for_extractors() {
    // axum's `Bytes` extractor alone stops at 2 MiB; under `body_limit` the
    // limit is `max`, above or below that.
    let app = || Router::new().route("/", post(|bytes: Bytes| async move { bytes.len().to_string() }));
    let three_mib = || {
        let chunks = (0..3 * 16).map(|_| Bytes::from(vec![b'x'; 64 * 1024]));
        Request::builder()
            .method("POST")
            .uri("/")
            .body(Body::new(ChunkedBody::new(chunks)))
            .unwrap()
    };
    let generous = BodyLimitLayer::new(4 << 20).layer(app());
    let response = generous.oneshot(three_mib()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_string(response).await, (3 << 20).to_string());

    let strict = BodyLimitLayer::new(1 << 20).layer(app());
    assert_too_large(strict.oneshot(three_mib()).await.unwrap()).await;
}

#[tokio::test]
async fn interleaved_requests_on_one_thread_each_get_their_own_verdict() {
    // Reads frame by frame, yielding between frames, so that the two
    // requests' reads interleave on this one thread.
    let slow_reader = service_fn(|request: Request<Body>| async move {
        use http_body_util::BodyExt;
        let mut body = request.into_body();
        let mut read = 0;
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(frame) => read += frame.data_ref().map_or(0, Bytes::len),
                Err(_) => return Ok::<_, Infallible>(Response::new(Body::from("my own error"))),
            }
            tokio::task::yield_now().await;
        }
        Ok(Response::new(Body::from(format!("read {read}"))))
    });
    let service = BodyLimitLayer::new(1_000).layer(slow_reader);
    let over = Request::new(Body::new(ChunkedBody::new(
        (0..20).map(|_| Bytes::from(vec![b'x'; 100])),
    )));
    let within = Request::new(Body::new(ChunkedBody::new(
        (0..10).map(|_| Bytes::from(vec![b'y'; 100])),
    )));
    let (over, within) = tokio::join!(service.clone().oneshot(over), service.oneshot(within));
    assert_too_large(over.unwrap()).await;
    let within = within.unwrap();
    assert_eq!(within.status(), StatusCode::OK);
    assert_eq!(body_string(within).await, "read 1000");
}
