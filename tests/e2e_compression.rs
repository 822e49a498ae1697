//! End to end over real sockets: `compression` on `HEAD` requests and on
//! media types that are already compressed (Starlette's list, and
//! `exclude_content_types`).

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::io::Read;
use std::net::SocketAddr;
use support::{Received, empty, request, send, serve};
use tokio::net::TcpStream;

/// 2 KB of compressible bytes.
fn two_kb() -> String {
    "strata compresses this line, again. ".repeat(57)
}

fn typed(content_type: &'static str) -> axum::routing::MethodRouter {
    get(move || async move { ([("content-type", content_type)], two_kb()) })
}

fn routes() -> Router {
    Router::new()
        .route("/text", typed("text/plain; charset=utf-8"))
        .route("/zip", typed("application/zip"))
        .route("/video", typed("video/mp4"))
        .route("/png", typed("image/png"))
        .route("/pdf", typed("application/pdf"))
        .route("/events", typed("text/event-stream"))
        .route("/small", get(|| async { "x".repeat(100) }))
}

#[strata::stack(compression(minimum_size = 500))]
fn app() -> Router {
    routes()
}

#[strata::stack(compression(exclude_content_types = ["application/pdf", "Video/*"]))]
fn pdf_excluded() -> Router {
    routes()
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).unwrap();
    text
}

/// Sends each request in turn on one keep-alive connection: a HEAD answered
/// with stray body bytes would corrupt the response that follows it.
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
async fn head_of_a_compressible_resource_gets_the_headers_its_get_would() {
    let address = serve(app()).await;
    let gzip = |method| empty(request(method, "/text").header("accept-encoding", "gzip"));
    let answers = on_one_connection(address, vec![gzip("HEAD"), gzip("GET"), gzip("HEAD")]).await;
    let (head, get) = (&answers[0], &answers[1]);
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-encoding"), Some("gzip"));
    assert_eq!(head.all("vary"), ["accept-encoding"]);
    assert_eq!(head.header("content-type"), Some("text/plain; charset=utf-8"));
    // The compressed GET streams: neither it nor its HEAD claims a length.
    assert_eq!(head.header("content-length"), None);
    assert_eq!(get.header("content-length"), None);
    assert_eq!(head.body, Bytes::new());
    for name in ["content-encoding", "vary", "content-type", "content-length"] {
        assert_eq!(head.all(name), get.all(name), "{name}");
    }
    assert_eq!(gunzip(&get.body), two_kb());
    assert_eq!(answers[2].header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn head_without_gzip_or_under_the_minimum_keeps_the_length() {
    let address = serve(app()).await;
    let identity = send(address, empty(request("HEAD", "/text"))).await;
    assert_eq!(identity.header("content-encoding"), None);
    assert_eq!(identity.all("vary"), ["accept-encoding"]);
    assert_eq!(
        identity.header("content-length"),
        Some(two_kb().len().to_string().as_str())
    );

    let small = send(
        address,
        empty(request("HEAD", "/small").header("accept-encoding", "gzip")),
    )
    .await;
    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.header("vary"), None);
    assert_eq!(small.header("content-length"), Some("100"));
}

#[tokio::test]
async fn already_compressed_media_types_are_sent_as_they_are() {
    let address = serve(app()).await;
    for path in ["/zip", "/video", "/png", "/events"] {
        for method in ["GET", "HEAD"] {
            let response = send(address, empty(request(method, path).header("accept-encoding", "gzip"))).await;
            assert_eq!(response.status, StatusCode::OK, "{method} {path}");
            assert_eq!(response.header("content-encoding"), None, "{method} {path}");
            assert_eq!(response.header("vary"), None, "{method} {path}");
            assert_eq!(
                response.header("content-length"),
                Some(two_kb().len().to_string().as_str()),
                "{method} {path}"
            );
            if method == "GET" {
                assert_eq!(response.text(), two_kb(), "{path}");
            }
        }
    }
    // Not on the list: compressed.
    let pdf = send(address, empty(request("GET", "/pdf").header("accept-encoding", "gzip"))).await;
    assert_eq!(pdf.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&pdf.body), two_kb());
}

#[tokio::test]
async fn exclude_content_types_replaces_the_list_and_sse_stays_uncompressed() {
    let address = serve(pdf_excluded()).await;
    for (path, compressed) in [
        ("/pdf", false),
        ("/video", false),
        ("/zip", true),
        ("/png", true),
        ("/events", false),
        ("/text", true),
    ] {
        let response = send(address, empty(request("GET", path).header("accept-encoding", "gzip"))).await;
        let encoding = response.header("content-encoding");
        assert_eq!(encoding, compressed.then_some("gzip"), "{path}");
        let text = if compressed {
            gunzip(&response.body)
        } else {
            response.text().to_owned()
        };
        assert_eq!(text, two_kb(), "{path}");
    }
}
