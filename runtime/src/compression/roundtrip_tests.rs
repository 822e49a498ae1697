//! Whatever the body and however it arrives, the client decodes exactly the
//! app's bytes: varied bodies (empty, one byte, random, repetitive, mixed,
//! around and past the one-shot limit) in varied shapes (one frame, ready
//! chunks, chunks with waits between them, with and without a known size,
//! with trailers, failing), for each coding and several levels, decoded by
//! decoders independent of the encoders (flate2 for libdeflate's gzip/zlib,
//! miniz_oxide under flate2 for async-compression's, brotli's decoder for br).
//! The one-call path's flate2 backend (without `compression_libdeflate`) is
//! checked here too, byte for byte against flate2's own encoders.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::io::AsyncReadExt;
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::CompressionLayer;
use super::negotiate::Coding;
use super::oneshot::{ONE_SHOT_MAX, flate2_backend};

/// One step of a scripted response body.
#[derive(Clone, Debug)]
enum Step {
    Data(Bytes),
    /// Not ready this time (the waker is woken at once, as a body whose next
    /// chunk is on its way would).
    Wait,
    Trailers(HeaderMap),
    Fail,
}

/// A response body that plays `steps`; announces its exact remaining size
/// when `sized` (as `Full`, `String` or a `Content-Length` proxy body do).
#[derive(Clone, Debug)]
struct Scripted {
    steps: VecDeque<Step>,
    sized: bool,
}

impl http_body::Body for Scripted {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.steps.pop_front() {
            None => Poll::Ready(None),
            Some(Step::Data(data)) => Poll::Ready(Some(Ok(Frame::data(data)))),
            Some(Step::Trailers(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Some(Step::Fail) => Poll::Ready(Some(Err(std::io::Error::other("scripted failure")))),
            Some(Step::Wait) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        if !self.sized {
            return SizeHint::default();
        }
        let size = self.steps.iter().map(|step| match step {
            Step::Data(data) => data.len() as u64,
            _ => 0,
        });
        SizeHint::with_exact(size.sum())
    }
}

fn app(
    script: Scripted,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    service_fn(move |_request: Request<Body>| {
        let script = script.clone();
        async move {
            let mut response = Response::new(Body::new(script));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            Ok(response)
        }
    })
}

/// What the client received.
struct Received {
    encoding: Option<String>,
    data_frames: usize,
    body: Vec<u8>,
    trailers: Option<HeaderMap>,
    error: bool,
}

async fn fetch(layer: CompressionLayer, script: Scripted, accept: &str) -> Received {
    let request = Request::builder()
        .uri("/")
        .header(ACCEPT_ENCODING, accept)
        .body(Body::empty())
        .expect("valid request");
    let response = layer.layer(app(script)).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !response.headers().contains_key(CONTENT_LENGTH),
        "a compressed body announces no length"
    );
    let encoding = response
        .headers()
        .get(CONTENT_ENCODING)
        .map(|value| value.to_str().expect("ascii").to_owned());
    let mut body = response.into_body();
    let mut received = Received {
        encoding,
        data_frames: 0,
        body: Vec::new(),
        trailers: None,
        error: false,
    };
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            received.error = true;
            break;
        };
        assert!(received.trailers.is_none(), "nothing after the trailers");
        match frame.into_data() {
            Ok(data) => {
                received.data_frames += 1;
                received.body.extend_from_slice(&data);
            }
            Err(frame) => received.trailers = frame.into_trailers().ok(),
        }
    }
    received
}

/// `encoded` decoded as `coding`, checking that nothing follows the stream.
async fn decode(coding: &str, encoded: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    let rest = match coding {
        "gzip" => {
            let mut decoder = flate2::bufread::GzDecoder::new(encoded);
            decoder.read_to_end(&mut decoded).expect("valid gzip");
            decoder.into_inner()
        }
        "deflate" => {
            let mut decoder = flate2::bufread::ZlibDecoder::new(encoded);
            decoder.read_to_end(&mut decoded).expect("valid zlib");
            decoder.into_inner()
        }
        "br" => {
            let mut decoder = async_compression::tokio::bufread::BrotliDecoder::new(encoded);
            decoder.read_to_end(&mut decoded).await.expect("valid brotli");
            decoder.into_inner()
        }
        other => panic!("unexpected coding {other}"),
    };
    assert!(rest.is_empty(), "{} bytes after the {coding} stream", rest.len());
    decoded
}

/// What the one-call path must send: libdeflate's own one call, made
/// without strata.
#[cfg(feature = "compression_libdeflate")]
fn one_call(coding: &str, level: u32, input: &[u8]) -> Vec<u8> {
    libdeflate(coding, level, input)
}

/// What the one-call path must send: a new flate2 compressor's output (the
/// test below checks that one against flate2's own decoders and headers).
#[cfg(not(feature = "compression_libdeflate"))]
fn one_call(coding: &str, level: u32, input: &[u8]) -> Vec<u8> {
    let coding = if coding == "gzip" {
        Coding::Gzip
    } else {
        Coding::Deflate
    };
    flate2_backend::Compressor::new(level)
        .compress(coding, input)
        .expect("in memory")
}

#[cfg(feature = "compression_libdeflate")]
fn libdeflate(coding: &str, level: u32, input: &[u8]) -> Vec<u8> {
    let level = libdeflater::CompressionLvl::new(level as i32).expect("1..=9");
    let mut compressor = libdeflater::Compressor::new(level);
    let mut output = vec![0; compressor.gzip_compress_bound(input.len()) + 16];
    let written = match coding {
        "gzip" => compressor.gzip_compress(input, &mut output),
        _ => compressor.zlib_compress(input, &mut output),
    }
    .expect("within the bound");
    output.truncate(written);
    output
}

/// Bodies of every kind: random bytes (incompressible), one repeated byte,
/// and text with repeats at all distances.
fn content(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    match rng.u8(0..3) {
        0 => std::iter::repeat_with(|| rng.u8(..)).take(len).collect(),
        1 => vec![b'a'; len],
        _ => text(rng, len),
    }
}

/// Words and stray bytes: repeats at all distances, as in JSON or HTML.
fn text(rng: &mut fastrand::Rng, len: usize) -> Vec<u8> {
    let words = ["strata ", "compresses ", "{\"id\":", "12345", ", ", "\n", "x"];
    let mut text = Vec::with_capacity(len + 16);
    while text.len() < len {
        if rng.u8(0..8) == 0 {
            text.push(rng.u8(..));
        } else {
            text.extend_from_slice(words[rng.usize(..words.len())].as_bytes());
        }
    }
    text.truncate(len);
    text
}

/// `input` cut into chunks at random places, with waits between some.
fn chunked(rng: &mut fastrand::Rng, input: &[u8], waits: bool) -> VecDeque<Step> {
    let mut steps = VecDeque::new();
    let mut at = 0;
    while at < input.len() {
        let len = rng.usize(1..=(input.len() - at).min(70_000));
        steps.push_back(Step::Data(Bytes::copy_from_slice(&input[at..at + len])));
        if waits && rng.bool() {
            steps.push_back(Step::Wait);
        }
        at += len;
    }
    steps
}

const CODINGS: [&str; 3] = ["gzip", "deflate", "br"];

fn layer(level: u32) -> CompressionLayer {
    CompressionLayer::new(0, level, true, true, true)
}

/// Every body arrives intact, and a body that is all ready (at most the
/// one-shot limit) is the backend's single-call output in one frame.
async fn check(input: &[u8], steps: VecDeque<Step>, sized: bool, coding: &str, level: u32) {
    let all_ready = !steps.iter().any(|step| matches!(step, Step::Wait));
    let script = Scripted { steps, sized };
    let received = fetch(layer(level), script, coding).await;
    let what = format!("{} bytes as {coding} at level {level}, sized {sized}", input.len());
    assert_eq!(received.encoding.as_deref(), Some(coding), "{what}");
    assert!(!received.error, "{what}");
    assert_eq!(decode(coding, &received.body).await, input, "{what}");
    if coding != "br" && all_ready && input.len() <= ONE_SHOT_MAX {
        assert_eq!(received.data_frames, 1, "{what}: one call, one frame");
        // Not assert_eq: a mismatch would print 256 KiB of bytes.
        assert!(
            received.body == one_call(coding, level, input),
            "{what}: not the one-call output"
        );
    }
}

#[tokio::test]
async fn fixed_bodies_decode_to_the_input_in_every_coding() {
    let mut rng = fastrand::Rng::with_seed(11);
    let random_10k: Vec<u8> = std::iter::repeat_with(|| rng.u8(..)).take(10_000).collect();
    let text_1m = text(&mut fastrand::Rng::with_seed(12), 1024 * 1024 + 7);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("one byte", b"x".to_vec()),
        ("random 10 KB", random_10k),
        ("repetitive 100 KB", vec![b'a'; 100_000]),
        ("at the one-shot limit", text(&mut rng, ONE_SHOT_MAX)),
        ("one past the limit", text(&mut rng, ONE_SHOT_MAX + 1)),
        ("text 1 MiB", text_1m),
    ];
    for (name, input) in &bodies {
        for coding in CODINGS {
            for level in [1, 6, 9] {
                let one_frame = VecDeque::from([Step::Data(Bytes::copy_from_slice(input))]);
                check(input, one_frame, true, coding, level).await;
                let steps = chunked(&mut rng, input, false);
                check(input, steps, false, coding, level).await;
                let steps = chunked(&mut rng, input, true);
                check(input, steps, true, coding, level).await;
            }
            eprintln!("{name} as {coding}: ok");
        }
    }
}

#[tokio::test]
async fn random_bodies_and_shapes_decode_to_the_input() {
    let mut rng = fastrand::Rng::with_seed(2024);
    for case in 0..150 {
        let len = match rng.u8(0..4) {
            0 => rng.usize(0..64),
            1 => rng.usize(64..4096),
            2 => rng.usize(4096..70_000),
            _ => rng.usize(ONE_SHOT_MAX - 2048..ONE_SHOT_MAX + 2048),
        };
        let input = content(&mut rng, len);
        let coding = CODINGS[rng.usize(..CODINGS.len())];
        let level = rng.u32(1..=9);
        let (waits, sized) = (rng.bool(), rng.bool());
        let steps = chunked(&mut rng, &input, waits);
        eprintln!("case {case}: {len} bytes, {coding} {level}, waits {waits}, sized {sized}");
        check(&input, steps, sized, coding, level).await;
    }
}

#[tokio::test]
async fn an_empty_stream_of_unknown_size_is_an_empty_compressed_stream() {
    for coding in CODINGS {
        for steps in [
            VecDeque::new(),
            VecDeque::from([Step::Wait]),
            VecDeque::from([Step::Data(Bytes::new())]),
        ] {
            check(b"", steps, false, coding, 6).await;
        }
    }
}

#[tokio::test]
async fn levels_share_a_thread_without_mixing() {
    let input = text(&mut fastrand::Rng::with_seed(7), 50_000);
    for round in 0..3 {
        for level in [9, 1, 6, 1, 9] {
            let one_frame = VecDeque::from([Step::Data(Bytes::from(input.clone()))]);
            check(&input, one_frame, true, "gzip", level).await;
        }
        eprintln!("round {round}: ok");
    }
    assert_ne!(
        one_call("gzip", 9, &input),
        one_call("gzip", 1, &input),
        "the levels differ on this input, so mixing them up would show"
    );
}

#[tokio::test]
async fn trailers_follow_the_compressed_data() {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let input = content(&mut fastrand::Rng::with_seed(3), 20_000);
    for coding in CODINGS {
        for waits in [false, true] {
            let mut steps = chunked(&mut fastrand::Rng::with_seed(4), &input, waits);
            steps.push_back(Step::Trailers(trailers.clone()));
            let received = fetch(layer(6), Scripted { steps, sized: false }, coding).await;
            assert_eq!(decode(coding, &received.body).await, input, "{coding}, waits {waits}");
            assert_eq!(received.trailers.as_ref(), Some(&trailers), "{coding}, waits {waits}");
        }
    }
}

#[tokio::test]
async fn a_failing_body_fails_the_response_body() {
    let input = content(&mut fastrand::Rng::with_seed(5), 20_000);
    for coding in CODINGS {
        for waits in [false, true] {
            let mut steps = chunked(&mut fastrand::Rng::with_seed(6), &input, waits);
            steps.push_back(Step::Fail);
            let received = fetch(layer(6), Scripted { steps, sized: false }, coding).await;
            assert!(
                received.error,
                "{coding}, waits {waits}: the failure reaches the client"
            );
        }
    }
}

/// Without `compression_libdeflate` the one-call path is flate2's encoder,
/// kept per thread and level and reset between bodies. Body after body, at
/// every level, a kept compressor's output must be a new one's (a reset that
/// kept state would show), decode to the input with flate2's decoders, and
/// start with the header flate2's `GzEncoder` writes.
#[test]
fn the_flate2_backend_kept_across_bodies_matches_a_new_one_and_decodes() {
    use std::io::Write;
    let mut rng = fastrand::Rng::with_seed(23);
    for level in 1..=9 {
        let mut kept = flate2_backend::Compressor::new(level);
        for round in 0..10 {
            let len = match round {
                0 => 0,
                1 => 1,
                2 => 200_000,
                _ => rng.usize(0..70_000),
            };
            let input = content(&mut rng, len);
            for (coding, name) in [(Coding::Gzip, "gzip"), (Coding::Deflate, "deflate")] {
                let what = format!("{len} bytes as {name} at level {level}, body {round}");
                let output = kept.compress(coding, &input).expect("in memory");
                let fresh = flate2_backend::Compressor::new(level).compress(coding, &input);
                assert!(
                    Some(&output) == fresh.as_ref(),
                    "{what}: differs from a new compressor's"
                );
                let mut decoded = Vec::new();
                let rest = if name == "gzip" {
                    let mut decoder = flate2::bufread::GzDecoder::new(&output[..]);
                    decoder.read_to_end(&mut decoded).expect("valid gzip");
                    decoder.into_inner()
                } else {
                    let mut decoder = flate2::bufread::ZlibDecoder::new(&output[..]);
                    decoder.read_to_end(&mut decoded).expect("valid zlib");
                    decoder.into_inner()
                };
                assert!(
                    decoded == input && rest.is_empty(),
                    "{what}: does not decode to the input"
                );
                if name == "gzip" {
                    let mut reference = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
                    reference.write_all(&input).expect("in memory");
                    let reference = reference.finish().expect("in memory");
                    assert_eq!(output[..10], reference[..10], "{what}: header");
                }
            }
        }
    }
}
