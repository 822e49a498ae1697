use std::convert::Infallible;
use std::io::Read;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::CompressionLayer;
use crate::test_util::{PendingBody, body_string, header_values};

const GZIP_ONLY: CompressionLayer = CompressionLayer::new(500, 6, true, false, false);
const ALL: CompressionLayer = CompressionLayer::new(500, 6, true, true, true);

/// 2 KB of compressible text.
fn big_text() -> String {
    "strata compresses this line. ".repeat(70)
}

/// An inner service answering `status` with `body`, `content_type` and,
/// optionally, an existing `Content-Encoding`.
fn answering(
    status: StatusCode,
    content_type: &'static str,
    content_encoding: Option<&'static str>,
    body: String,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    service_fn(move |_request: Request<Body>| {
        let body = body.clone();
        async move {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Some(encoding) = content_encoding {
                headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            Ok(response)
        }
    })
}

fn text(
    body: String,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    answering(StatusCode::OK, "text/plain; charset=utf-8", None, body)
}

fn accepting(accept_encoding: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().uri("/");
    if let Some(accept) = accept_encoding {
        builder = builder.header(ACCEPT_ENCODING, accept);
    }
    builder.body(Body::empty()).expect("valid request")
}

async fn gunzip(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.expect("body collects").to_bytes();
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut decoded)
        .expect("valid gzip");
    decoded
}

#[tokio::test]
async fn large_body_is_gzipped_and_decodes_back() {
    let service = GZIP_ONLY.layer(text(big_text()));
    let response = service
        .oneshot(accepting(Some("gzip, deflate, br")))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(header_values(&response, "vary"), ["accept-encoding"]);
    assert!(!response.headers().contains_key(CONTENT_LENGTH));
    assert_eq!(gunzip(response).await, big_text());
}

#[tokio::test]
async fn deflate_is_zlib_and_decodes_back() {
    let service = CompressionLayer::new(500, 6, false, true, false).layer(text(big_text()));
    let response = service.oneshot(accepting(Some("deflate"))).await.expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "deflate");
    let bytes = response.into_body().collect().await.expect("body collects").to_bytes();
    let mut decoded = String::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .read_to_string(&mut decoded)
        .expect("valid zlib");
    assert_eq!(decoded, big_text());
}

#[tokio::test]
async fn q_values_pick_the_encoding() {
    for (accept, expected) in [
        ("gzip;q=0, deflate", Some("deflate")),
        ("gzip;q=0.5, br;q=0.9", Some("br")),
        ("gzip, br", Some("br")),
        ("br;q=0.1, gzip;q=0.2", Some("gzip")),
        ("GZIP", Some("gzip")),
        ("*", Some("br")),
        ("*;q=0.5, gzip;q=0.9", Some("gzip")),
        ("gzip;q=0", None),
        ("identity", None),
        ("zstd", None),
    ] {
        let service = ALL.layer(text(big_text()));
        let response = service.oneshot(accepting(Some(accept))).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::OK, "{accept}");
        let encoding = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|value| value.to_str().expect("ascii"));
        assert_eq!(encoding, expected, "{accept}");
    }
}

#[tokio::test]
async fn q_zero_for_gzip_disables_it() {
    let service = GZIP_ONLY.layer(text(big_text()));
    let response = service.oneshot(accepting(Some("gzip;q=0"))).await.expect("infallible");
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert_eq!(body_string(response).await, big_text());
}

#[tokio::test]
async fn no_accept_encoding_or_identity_only_is_not_compressed() {
    for accept in [None, Some("identity")] {
        let service = GZIP_ONLY.layer(text(big_text()));
        let response = service.oneshot(accepting(accept)).await.expect("infallible");
        assert!(!response.headers().contains_key(CONTENT_ENCODING), "{accept:?}");
        // The answer depends on Accept-Encoding even when it is identity.
        assert_eq!(header_values(&response, "vary"), ["accept-encoding"]);
        assert_eq!(body_string(response).await, big_text());
    }
}

#[tokio::test]
async fn already_encoded_responses_are_untouched() {
    let service = GZIP_ONLY.layer(answering(StatusCode::OK, "text/plain", Some("br"), big_text()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(header_values(&response, "content-encoding"), ["br"]);
    assert!(!response.headers().contains_key(VARY));
    assert_eq!(body_string(response).await, big_text());
}

#[tokio::test]
async fn bodies_under_the_minimum_are_untouched() {
    let small = "x".repeat(100);
    let service = GZIP_ONLY.layer(text(small.clone()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert!(!response.headers().contains_key(VARY));
    assert_eq!(body_string(response).await, small);

    let exactly = "x".repeat(500);
    let service = GZIP_ONLY.layer(text(exactly.clone()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(gunzip(response).await, exactly);
}

#[tokio::test]
async fn excluded_content_types_are_untouched() {
    for content_type in ["image/png", "application/grpc", "text/event-stream"] {
        let service = GZIP_ONLY.layer(answering(StatusCode::OK, content_type, None, big_text()));
        let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
        assert!(!response.headers().contains_key(CONTENT_ENCODING), "{content_type}");
    }
    let service = GZIP_ONLY.layer(answering(StatusCode::OK, "image/svg+xml", None, big_text()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn empty_and_bodiless_responses_are_untouched_even_with_minimum_zero() {
    let service = CompressionLayer::new(0, 6, true, false, false).layer(answering(
        StatusCode::NO_CONTENT,
        "text/plain",
        None,
        String::new(),
    ));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert_eq!(body_string(response).await, "");
}

/// A streaming response of unknown size: `n` chunks produced one by one.
fn streaming(
    content_type: &'static str,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    service_fn(move |_request: Request<Body>| async move {
        let mut response = Response::new(Body::new(PendingBody));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Ok(response)
    })
}

#[tokio::test]
async fn streaming_sse_is_untouched_and_not_buffered() {
    let service = GZIP_ONLY.layer(streaming("text/event-stream"));
    let response = tokio::time::timeout(Duration::from_secs(5), service.oneshot(accepting(Some("gzip"))))
        .await
        .expect("head arrives while the body is still open")
        .expect("infallible");
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert!(!response.headers().contains_key(VARY));
}

#[tokio::test]
async fn streaming_text_of_unknown_size_is_compressed_without_waiting() {
    let service = GZIP_ONLY.layer(streaming("text/plain"));
    let response = tokio::time::timeout(Duration::from_secs(5), service.oneshot(accepting(Some("gzip"))))
        .await
        .expect("head arrives while the body is still open")
        .expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn chunks_are_compressed_as_they_arrive() {
    // Each chunk is readable (decompressible) before the body ends.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(1);
    let receiver = std::sync::Mutex::new(Some(receiver));
    let inner = service_fn(move |_request: Request<Body>| {
        let receiver = receiver.lock().expect("not poisoned").take();
        async move {
            let receiver = receiver.expect("called once");
            let body = Body::new(ChannelBody(receiver));
            Ok::<_, Infallible>(Response::new(body))
        }
    });
    let service = GZIP_ONLY.layer(inner);
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    let mut body = response.into_body();
    sender
        .send(Bytes::from_static(b"first chunk "))
        .await
        .expect("receiver alive");
    let first = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .expect("first chunk flushed before the body ends")
        .expect("a frame")
        .expect("no error")
        .into_data()
        .expect("data");
    assert!(!first.is_empty());
    drop(sender);
    let mut compressed = first.to_vec();
    compressed.extend_from_slice(&body.collect().await.expect("rest").to_bytes());
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut decoded)
        .expect("valid gzip");
    assert_eq!(decoded, "first chunk ");
}

/// A body fed by a channel; ends when the sender is dropped.
struct ChannelBody(tokio::sync::mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }
}

#[tokio::test]
async fn never_answers_406_for_a_client_refusing_identity() {
    for accept in ["identity;q=0", "*;q=0", "br, identity;q=0"] {
        let service = GZIP_ONLY.layer(answering(StatusCode::CREATED, "application/json", None, big_text()));
        let response = service.oneshot(accepting(Some(accept))).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::CREATED, "{accept}");
        assert!(!response.headers().contains_key(CONTENT_ENCODING), "{accept}");
        assert_eq!(body_string(response).await, big_text(), "{accept}");
    }
}

#[tokio::test]
async fn an_apps_own_406_is_kept() {
    let service = GZIP_ONLY.layer(answering(StatusCode::NOT_ACCEPTABLE, "text/plain", None, big_text()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(gunzip(response).await, big_text());
}

/// The app as axum serves it: `GET` routes answer `HEAD` with the `GET`'s
/// headers and an empty body.
fn router(body: String, content_type: &'static str) -> axum::Router {
    axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(CONTENT_TYPE, content_type)], body) }
        }),
    )
}

fn head(accept_encoding: Option<&str>) -> Request<Body> {
    let mut request = accepting(accept_encoding);
    *request.method_mut() = http::Method::HEAD;
    request
}

#[tokio::test]
async fn head_gets_the_headers_its_get_would() {
    let app = router(big_text(), "text/plain; charset=utf-8");
    let get = GZIP_ONLY
        .layer(app.clone())
        .oneshot(accepting(Some("gzip")))
        .await
        .expect("infallible");
    let head = GZIP_ONLY
        .layer(app)
        .oneshot(head(Some("gzip")))
        .await
        .expect("infallible");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(header_values(&head, "vary"), ["accept-encoding"]);
    // The compressed length is known only once the body is compressed, and a
    // compressed GET streams without one: the HEAD does not claim one either.
    assert!(!head.headers().contains_key(CONTENT_LENGTH));
    for name in [CONTENT_ENCODING, VARY, CONTENT_TYPE, CONTENT_LENGTH] {
        assert_eq!(
            header_values(&head, name.as_str()),
            header_values(&get, name.as_str()),
            "{name}"
        );
    }
    assert_eq!(
        body_string(head).await,
        "",
        "a HEAD carries no body, not even a gzip frame"
    );
}

#[tokio::test]
async fn head_not_compressed_keeps_the_gets_content_length() {
    // The client accepts no encoding: Vary, and the GET's length.
    let app = router(big_text(), "text/plain; charset=utf-8");
    let response = GZIP_ONLY.layer(app).oneshot(head(None)).await.expect("infallible");
    assert!(!response.headers().contains_key(CONTENT_ENCODING));
    assert_eq!(header_values(&response, "vary"), ["accept-encoding"]);
    assert_eq!(
        header_values(&response, "content-length"),
        [big_text().len().to_string()]
    );
    assert_eq!(body_string(response).await, "");

    // Under the minimum, and an excluded type: as the GET, untouched.
    for (body, content_type) in [("x".repeat(100), "text/plain"), (big_text(), "application/zip")] {
        let length = body.len().to_string();
        let app = router(body, content_type);
        let response = GZIP_ONLY
            .layer(app)
            .oneshot(head(Some("gzip")))
            .await
            .expect("infallible");
        assert!(!response.headers().contains_key(CONTENT_ENCODING), "{content_type}");
        assert!(!response.headers().contains_key(VARY), "{content_type}");
        assert_eq!(header_values(&response, "content-length"), [length], "{content_type}");
    }
}

#[tokio::test]
async fn already_compressed_media_types_are_untouched_by_default() {
    for content_type in [
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "audio/mpeg",
        "video/mp4",
        "font/woff2",
        "image/webp",
        "Image/AVIF; foo=bar",
    ] {
        let service = GZIP_ONLY.layer(answering(StatusCode::OK, content_type, None, big_text()));
        let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
        assert!(!response.headers().contains_key(CONTENT_ENCODING), "{content_type}");
        assert!(!response.headers().contains_key(VARY), "{content_type}");
        assert_eq!(body_string(response).await, big_text(), "{content_type}");
    }
    // Images that are not already compressed are worth compressing.
    let service = GZIP_ONLY.layer(answering(StatusCode::OK, "image/bmp", None, big_text()));
    let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn exclude_content_types_replaces_the_list_but_not_the_sse_skip() {
    const PDF_ONLY: CompressionLayer = GZIP_ONLY.exclude_content_types(&["application/pdf"]);
    for (content_type, compressed) in [
        ("application/pdf", false),
        ("application/zip", true),
        ("text/event-stream", false),
        ("text/plain", true),
    ] {
        let service = PDF_ONLY.layer(answering(StatusCode::OK, content_type, None, big_text()));
        let response = service.oneshot(accepting(Some("gzip"))).await.expect("infallible");
        assert_eq!(
            response.headers().contains_key(CONTENT_ENCODING),
            compressed,
            "{content_type}"
        );
    }
}
