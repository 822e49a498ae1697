use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
use axum::body::Body;
use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use tokio::io::AsyncReadExt;
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{DecompressionLayer, DecompressionPolicy};
use crate::test_util::{ChunkedBody, body_string};

static ALL: DecompressionPolicy = DecompressionPolicy {
    gzip: true,
    br: true,
    deflate: true,
    zstd: true,
    accept_encoding: HeaderValue::from_static("gzip, br, deflate, zstd, identity"),
};

static GZIP_ONLY: DecompressionPolicy = DecompressionPolicy {
    gzip: true,
    br: false,
    deflate: false,
    zstd: false,
    accept_encoding: HeaderValue::from_static("gzip, identity"),
};

const TEXT: &str = "the quick brown fox jumps over the lazy dog; ";

/// Echoes what it read, and the encoding headers it saw.
fn echo(
    calls: Arc<AtomicUsize>,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    service_fn(move |request: Request<Body>| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let seen = format!(
                "encoding={:?} length={:?} ",
                request.headers().get(CONTENT_ENCODING),
                request.headers().get(CONTENT_LENGTH)
            );
            Ok(match axum::body::to_bytes(request.into_body(), usize::MAX).await {
                Ok(bytes) => Response::new(Body::from(seen + std::str::from_utf8(&bytes).unwrap())),
                Err(error) => {
                    let mut response = Response::new(Body::from(format!("read failed: {error}")));
                    *response.status_mut() = StatusCode::BAD_REQUEST;
                    response
                }
            })
        }
    })
}

async fn encode(coding: &str, plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => GzipEncoder::new(plain).read_to_end(&mut out).await,
        "br" => BrotliEncoder::new(plain).read_to_end(&mut out).await,
        "deflate" => ZlibEncoder::new(plain).read_to_end(&mut out).await,
        "zstd" => ZstdEncoder::new(plain).read_to_end(&mut out).await,
        other => panic!("no encoder for {other}"),
    }
    .unwrap();
    out
}

fn compressed_request(coding: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method("POST")
        .header(CONTENT_ENCODING, coding)
        .header(CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn every_accepted_coding_is_inflated_and_its_headers_removed() {
    let plain = TEXT.repeat(200);
    for coding in ["gzip", "br", "deflate", "zstd"] {
        let compressed = encode(coding, plain.as_bytes()).await;
        assert!(compressed.len() < plain.len() / 4, "{coding} compressed");
        let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
        let response = service.oneshot(compressed_request(coding, compressed)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{coding}");
        assert_eq!(
            body_string(response).await,
            format!("encoding=None length=None {plain}"),
            "{coding}"
        );
    }
}

#[tokio::test]
async fn codings_match_case_insensitively_and_x_gzip_is_gzip() {
    for written in ["GZIP", " gzip ", "x-gzip", "X-Gzip"] {
        let compressed = encode("gzip", TEXT.as_bytes()).await;
        let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
        let response = service.oneshot(compressed_request(written, compressed)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{written}");
        assert!(body_string(response).await.ends_with(TEXT), "{written}");
    }
}

#[tokio::test]
async fn identity_and_no_coding_pass_through() {
    for coding in [None, Some("identity"), Some("Identity")] {
        let mut request = Request::builder().method("POST");
        if let Some(coding) = coding {
            request = request.header(CONTENT_ENCODING, coding);
        }
        let request = request.header(CONTENT_LENGTH, "5").body(Body::from("plain")).unwrap();
        let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(body_string(response).await, r#"encoding=None length=Some("5") plain"#);
    }
}

#[tokio::test]
async fn an_unsupported_coding_is_a_415_and_the_handler_is_not_called() {
    for (policy, coding, accepted) in [
        (&ALL, "compress", "gzip, br, deflate, zstd, identity"),
        (&ALL, "gzip, br", "gzip, br, deflate, zstd, identity"),
        (&ALL, "snappy", "gzip, br, deflate, zstd, identity"),
        (&GZIP_ONLY, "br", "gzip, identity"),
        (&GZIP_ONLY, "zstd", "gzip, identity"),
    ] {
        let calls = Arc::new(AtomicUsize::new(0));
        let service = DecompressionLayer::new(policy).layer(echo(Arc::clone(&calls)));
        let response = service
            .oneshot(compressed_request(coding, b"x".to_vec()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{coding}");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(response.headers()[ACCEPT_ENCODING], accepted);
        assert_eq!(
            body_string(response).await,
            r#"{"detail":"Unsupported Content-Encoding"}"#
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0, "{coding}");
    }
    // Two Content-Encoding headers are two codings.
    let mut request = compressed_request("gzip", b"x".to_vec());
    request
        .headers_mut()
        .append(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_corrupt_body_fails_the_read() {
    let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
    let response = service
        .oneshot(compressed_request("gzip", b"this is not gzip at all".to_vec()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(body_string(response).await.starts_with("read failed"));
}

#[tokio::test]
async fn a_streamed_body_is_inflated_across_chunks_and_members() {
    // Two gzip members (RFC 1952 allows concatenation), cut into 7-byte chunks.
    let mut wire = encode("gzip", b"first member, ").await;
    wire.extend(encode("gzip", b"second member").await);
    let chunks: Vec<Bytes> = wire.chunks(7).map(Bytes::copy_from_slice).collect();
    let request = Request::builder()
        .method("POST")
        .header(CONTENT_ENCODING, "gzip")
        .body(Body::new(ChunkedBody::new(chunks)))
        .unwrap();
    let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(
        body_string(response).await,
        "encoding=None length=None first member, second member"
    );
}

#[tokio::test]
async fn a_bomb_inflates_at_most_16_kib_a_frame() {
    // 64 MiB of zeros, about 64 KiB compressed.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let inner = service_fn(|request: Request<Body>| async move {
        let mut body = request.into_body();
        let mut largest = 0;
        let mut total = 0;
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            largest = largest.max(data.len());
            total += data.len();
        }
        Ok::<_, Infallible>(Response::new(Body::from(format!("{largest} {total}"))))
    });
    let service = DecompressionLayer::new(&ALL).layer(inner);
    let response = service.oneshot(compressed_request("gzip", bomb)).await.unwrap();
    assert_eq!(body_string(response).await, format!("{} {}", 16 * 1024, 64 << 20));
}

#[tokio::test]
async fn zstd_frames_follow_one_another_and_trailing_data_is_never_dropped_silently() {
    let mut frames = encode("zstd", b"frame one, ").await;
    frames.extend(encode("zstd", b"frame two").await);
    let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
    let response = service.oneshot(compressed_request("zstd", frames)).await.unwrap();
    assert_eq!(
        body_string(response).await,
        "encoding=None length=None frame one, frame two"
    );

    // After a stream that cannot be followed by another, or before garbage
    // that is no member, the read fails: the handler never sees half a body
    // as if it were whole.
    for (coding, mut wire) in [
        ("deflate", encode("deflate", TEXT.as_bytes()).await),
        ("br", encode("br", TEXT.as_bytes()).await),
        ("gzip", encode("gzip", TEXT.as_bytes()).await),
    ] {
        wire.extend_from_slice(b"smuggled");
        let service = DecompressionLayer::new(&ALL).layer(echo(Arc::default()));
        let response = service.oneshot(compressed_request(coding, wire)).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{coding}");
        assert!(body_string(response).await.starts_with("read failed"), "{coding}");
    }
}
