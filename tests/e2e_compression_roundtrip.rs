//! End to end over real sockets: every body `compression` sends decodes to
//! exactly what the handler produced, in each coding (gzip and deflate from
//! libdeflate in one call or streamed, br streamed), on keep-alive
//! connections, from many connections at once across worker threads, and a
//! streamed body reaches the client before the handler has finished it.
//! Decoded with tower-http's client-side decompression (flate2 and brotli's
//! decoders), which refuses anything after the end of the stream.

mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use support::{Received, empty, request, send_streaming, serve};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tower::{ServiceExt, service_fn};

/// Past this the compressor streams instead of compressing in one call.
const ONE_SHOT_MAX: usize = 256 * 1024;

/// Bytes from a fixed-seed generator (xorshift): incompressible.
fn random(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// JSON-like text: compressible, with repeats at all distances.
fn text(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut id = 0u64;
    while out.len() < len {
        out.extend_from_slice(
            format!("{{\"id\":{id},\"name\":\"item {}\",\"ok\":true}},", id * 7919 % 1000).as_bytes(),
        );
        id += 1;
    }
    out.truncate(len);
    out
}

/// Every route and the bytes its handler sends.
static BODIES: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
    vec![
        ("/one-byte", b"x".to_vec()),
        ("/random", random(10_000)),
        ("/repetitive", vec![b'a'; 100_000]),
        ("/text", text(50_000)),
        ("/at-limit", text(ONE_SHOT_MAX)),
        ("/past-limit", text(ONE_SHOT_MAX + 1)),
        ("/large", text(1024 * 1024 + 7)),
        ("/chunks", text(40 * 1000)),
        ("/slow-chunks", text(8 * 1000)),
        ("/empty-stream", Vec::new()),
    ]
});

fn body_of(path: &str) -> Vec<u8> {
    BODIES
        .iter()
        .find(|(route, _)| *route == path)
        .map(|(_, body)| body.clone())
        .unwrap_or_default()
}

/// The handlers: whole bodies, ready chunks, chunks with pauses (so the
/// compressor must stream), an empty stream, and one held open until the
/// test has seen its first chunk.
fn routes() -> Router {
    let mut router = Router::new();
    for (path, bytes) in BODIES.iter() {
        let bytes = Bytes::from(bytes.clone());
        router = match *path {
            "/chunks" => router.route(
                path,
                get(move || {
                    let chunks: Vec<Result<Bytes, Infallible>> = bytes
                        .chunks(1000)
                        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
                        .collect();
                    async move { Body::from_stream(futures_util::stream::iter(chunks)) }
                }),
            ),
            "/slow-chunks" => router.route(
                path,
                get(move || {
                    let bytes = bytes.clone();
                    async move {
                        let stream = futures_util::stream::unfold(0, move |at| {
                            let bytes = bytes.clone();
                            async move {
                                if at >= bytes.len() {
                                    return None;
                                }
                                tokio::time::sleep(Duration::from_millis(2)).await;
                                let end = (at + 1000).min(bytes.len());
                                Some((Ok::<_, Infallible>(bytes.slice(at..end)), end))
                            }
                        });
                        Body::from_stream(stream)
                    }
                }),
            ),
            "/empty-stream" => router.route(
                path,
                get(|| async { Body::from_stream(futures_util::stream::empty::<Result<Bytes, Infallible>>()) }),
            ),
            _ => router.route(path, get(move || std::future::ready(bytes.clone()))),
        };
    }
    router.route("/gated", get(gated))
}

static GATE: Notify = Notify::const_new();
const GATED_FIRST: &[u8] = b"the first part, sent before the handler goes on; ";
const GATED_REST: &[u8] = b"and the rest, once the client has read the first.";

async fn gated() -> Body {
    let stream = futures_util::stream::unfold(0, |step| async move {
        match step {
            0 => Some((Ok::<_, Infallible>(Bytes::from_static(GATED_FIRST)), 1)),
            1 => {
                GATE.notified().await;
                Some((Ok(Bytes::from_static(GATED_REST)), 2))
            }
            _ => None,
        }
    });
    Body::from_stream(stream)
}

#[strata::stack(compression(minimum_size = 0, algorithms = ["gzip", "deflate", "br"]))]
fn app() -> Router {
    routes()
}

#[strata::stack(compression(minimum_size = 0, level = 1, algorithms = ["gzip", "deflate", "br"]))]
fn fastest() -> Router {
    routes()
}

#[strata::stack(compression(minimum_size = 0, level = 9, algorithms = ["gzip", "deflate", "br"]))]
fn smallest() -> Router {
    routes()
}

/// The body decoded per its `Content-Encoding` by tower-http's client-side
/// decompression.
async fn decoded(received: &Received) -> Vec<u8> {
    let mut response = Some(http::Response::new(Full::new(received.body.clone())));
    if let Some(response) = &mut response {
        *response.headers_mut() = received.headers.clone();
    }
    let wire = service_fn(move |_request: http::Request<()>| {
        let response = response.take().expect("called once");
        async move { Ok::<_, Infallible>(response) }
    });
    let response = tower_http::decompression::Decompression::new(wire)
        .oneshot(http::Request::new(()))
        .await
        .unwrap();
    let body = response.into_body().collect().await.expect("a valid compressed stream");
    body.to_bytes().to_vec()
}

/// Sends each request in turn on one keep-alive connection: a body framed
/// wrongly would corrupt the responses after it.
async fn on_one_connection(address: SocketAddr, requests: Vec<support::Request>) -> Vec<Received> {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut received = Vec::new();
    for mut request in requests {
        request
            .headers_mut()
            .insert("host", http::HeaderValue::from_static("localhost"));
        let response = sender.send_request(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        received.push(Received {
            status: parts.status,
            headers: parts.headers,
            body,
        });
    }
    received
}

#[tokio::test]
async fn every_body_decodes_to_what_the_handler_sent_in_every_coding() {
    for (stack, address) in [
        ("level 6", serve(app()).await),
        ("level 1", serve(fastest()).await),
        ("level 9", serve(smallest()).await),
    ] {
        for coding in ["gzip", "deflate", "br"] {
            let requests = BODIES
                .iter()
                .map(|(path, _)| empty(request("GET", path).header("accept-encoding", coding)))
                .collect();
            let answers = on_one_connection(address, requests).await;
            for ((path, sent), answer) in BODIES.iter().zip(&answers) {
                let what = format!("{stack}, {coding}, {path}");
                assert_eq!(answer.status, http::StatusCode::OK, "{what}");
                assert_eq!(answer.header("content-encoding"), Some(coding), "{what}");
                assert_eq!(answer.all("vary"), ["accept-encoding"], "{what}");
                assert_eq!(answer.header("content-length"), None, "{what}");
                assert_eq!(answer.header("transfer-encoding"), Some("chunked"), "{what}");
                let decoded = decoded(answer).await;
                assert!(
                    decoded == *sent,
                    "{what}: decoded {} bytes of {}",
                    decoded.len(),
                    sent.len()
                );
            }
        }
    }
}

#[tokio::test]
async fn compression_shrinks_what_compresses_and_the_level_counts() {
    let (six, one, nine) = (serve(app()).await, serve(fastest()).await, serve(smallest()).await);
    let gzip = |address| async move {
        let answer = on_one_connection(
            address,
            vec![empty(request("GET", "/text").header("accept-encoding", "gzip"))],
        )
        .await;
        answer[0].body.clone()
    };
    let (six, one, nine) = (gzip(six).await, gzip(one).await, gzip(nine).await);
    assert!(
        six.len() < 50_000 / 4,
        "level 6: {} bytes for 50,000 of text",
        six.len()
    );
    // libdeflate's level 9 is not always smaller than its 6, but both search
    // harder than 1, and each level is its own encoder setting.
    assert!(
        one.len() > six.len().max(nine.len()),
        "level 1 {} > 6 {} and 9 {}",
        one.len(),
        six.len(),
        nine.len()
    );
    assert_ne!(six, nine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_responses_across_worker_threads_are_identical_and_intact() {
    let (one, nine) = (serve(fastest()).await, serve(smallest()).await);
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (address, path) = match i % 4 {
            0 => (one, "/text"),
            1 => (nine, "/text"),
            2 => (one, "/random"),
            _ => (nine, "/past-limit"),
        };
        let coding = ["gzip", "deflate"][i / 4 % 2];
        tasks.push(tokio::spawn(async move {
            let request = empty(request("GET", path).header("accept-encoding", coding));
            let answer = support::send(address, request).await;
            (address, path, coding, answer)
        }));
    }
    let mut seen: Vec<(SocketAddr, &str, &str, Bytes)> = Vec::new();
    for task in tasks {
        let (address, path, coding, answer) = task.await.unwrap();
        assert_eq!(answer.header("content-encoding"), Some(coding));
        assert!(decoded(&answer).await == body_of(path), "{path} as {coding}");
        // The same input, level and coding give the same bytes, whichever
        // thread's compressor made them.
        match seen.iter().find(|(a, p, c, _)| (*a, *p, *c) == (address, path, coding)) {
            Some((_, _, _, first)) => assert_eq!(&answer.body, first, "{path} as {coding}"),
            None => seen.push((address, path, coding, answer.body)),
        }
    }
}

#[tokio::test]
async fn a_streamed_body_reaches_the_client_before_the_handler_finishes() {
    let address = serve(app()).await;
    for coding in ["gzip", "deflate", "br"] {
        let response = send_streaming(
            address,
            empty(request("GET", "/gated").header("accept-encoding", coding)),
        )
        .await;
        assert_eq!(response.headers()["content-encoding"], coding);
        let mut response = Some(response);
        let wire = service_fn(move |_request: http::Request<()>| {
            let response = response.take().expect("called once");
            async move { Ok::<_, Infallible>(response) }
        });
        let decoding = tower_http::decompression::Decompression::new(wire)
            .oneshot(http::Request::new(()))
            .await
            .unwrap();
        let mut body = decoding.into_body();
        // Decode as the bytes come; the handler is still waiting.
        let mut decoded = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), async {
            while decoded.len() < GATED_FIRST.len() {
                let frame = body.frame().await.expect("a frame before the end").unwrap();
                if let Ok(data) = frame.into_data() {
                    decoded.extend_from_slice(&data);
                }
            }
        })
        .await
        .expect("the first part arrives while the handler waits");
        assert_eq!(decoded, GATED_FIRST, "{coding}");
        GATE.notify_one();
        decoded.extend_from_slice(&body.collect().await.expect("a valid stream").to_bytes());
        assert_eq!(decoded, [GATED_FIRST, GATED_REST].concat(), "{coding}");
    }
}
