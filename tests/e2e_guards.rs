//! The guards over real sockets: `timeout`, `concurrency_limit`,
//! `decompression` and `body_limit`, served by `axum::serve` on loopback
//! inside `cors`, `request_id` and `access_log`, spoken to by hyper's client
//! and, where a client must misbehave (stall, lie, stream), by raw TCP.

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use bytes::Bytes;
use http_body_util::Full;
use support::{request, send, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::RwLock;

const APP_ORIGIN: &str = "https://app.example.com";

/// What the handlers saw, for the tests to check.
#[derive(Clone, Default)]
struct Probe {
    /// Calls of the body-reading handler.
    uploads: Arc<AtomicUsize>,
    /// Set when the slow handler's future is dropped.
    slow_dropped: Arc<AtomicBool>,
}

/// Sets its flag when dropped, wherever the future holding it stops.
struct DropGuard(Arc<AtomicBool>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[strata::stack(
    request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"], allow_methods = ["GET", "POST"]),
    timeout(request = "1s", status = 503, request_body = "300ms"),
    decompression,
    body_limit(max = "2MB"),
)]
fn guarded(probe: Probe) -> Router {
    let uploads = probe.uploads.clone();
    let dropped = probe.slow_dropped.clone();
    Router::new()
        .route(
            "/upload",
            post(move |body: Bytes| {
                uploads.fetch_add(1, Ordering::SeqCst);
                async move { format!("read {}", body.len()) }
            }),
        )
        .route(
            "/slow",
            get(move || {
                let guard = DropGuard(dropped.clone());
                async move {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    drop(guard);
                    "too late"
                }
            }),
        )
}

#[strata::stack(
    request_id,
    cors(allow_origins = ["https://app.example.com"]),
    concurrency_limit(max_in_flight = 2),
)]
fn shedding() -> Router {
    Router::new().route(
        "/work",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            "done"
        }),
    )
}

/// The access log, as a subscriber writing lines would record it.
fn access_log() -> &'static Mutex<Vec<u8>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = LogSink(log.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        log
    })
}

#[derive(Clone)]
struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The access-log line of the request with this ID.
fn logged(request_id: &str) -> String {
    let log = access_log().lock().unwrap();
    String::from_utf8_lossy(&log)
        .lines()
        .find(|line| line.contains("strata::access") && line.contains(request_id))
        .unwrap_or_else(|| panic!("no access-log line for {request_id}"))
        .to_string()
}

/// The gzip bomb measures the process's memory: nothing else runs meanwhile.
static MEMORY: RwLock<()> = RwLock::const_new(());

async fn start() -> (SocketAddr, Probe) {
    access_log();
    let probe = Probe::default();
    (serve(guarded(probe.clone())).await, probe)
}

/// A response read off a raw socket.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Reads one response (head, then a `Content-Length` body) off `stream`.
async fn read_response(stream: &mut (impl AsyncReadExt + Unpin)) -> Raw {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).await.expect("the response arrives");
        assert!(
            read > 0,
            "closed before a response: {:?}",
            String::from_utf8_lossy(&buffer)
        );
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let mut raw = Raw {
        status,
        head,
        body: String::new(),
    };
    let length: usize = raw.header("content-length").map_or(0, |l| l.parse().unwrap());
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.expect("the body arrives");
        assert!(read > 0, "closed inside the body");
        body.extend_from_slice(&chunk[..read]);
    }
    raw.body = String::from_utf8(body[..length].to_vec()).unwrap();
    raw
}

fn assert_json(status: StatusCode, detail: &str, raw: &Raw) {
    assert_eq!(raw.status, status.as_u16(), "{}{}", raw.head, raw.body);
    assert_eq!(raw.header("content-type"), Some("application/json"));
    assert_eq!(raw.body, format!(r#"{{"detail":"{detail}"}}"#));
    // Inside cors and request_id: the browser can read it, the ID is there.
    assert_eq!(raw.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert!(raw.header("x-request-id").is_some(), "{}", raw.head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_handler_is_dropped_and_answered_in_time_with_cors_id_and_log() {
    let _shared = MEMORY.read().await;
    let (address, probe) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nhost: localhost\r\norigin: https://app.example.com\r\n\r\n")
        .await
        .unwrap();
    let raw = read_response(&mut stream).await;
    let elapsed = started.elapsed();
    // The handler's future was dropped before the answer was written.
    assert!(
        probe.slow_dropped.load(Ordering::SeqCst),
        "the handler is still running"
    );
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1_100), "{elapsed:?}");
    assert_json(StatusCode::SERVICE_UNAVAILABLE, "Request timed out", &raw);
    let line = logged(raw.header("x-request-id").unwrap());
    assert!(line.contains("status=503"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_a_body_then_silence_is_a_408() {
    let _shared = MEMORY.read().await;
    let (address, probe) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"POST /upload HTTP/1.1\r\nhost: localhost\r\norigin: https://app.example.com\r\n\
              content-length: 100\r\n\r\n0123456789012345678901234567890123456789012345678",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let raw = read_response(&mut stream).await;
    let elapsed = started.elapsed();
    // After `request_body` (300 ms) of silence, well before the 1 s deadline.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(900), "{elapsed:?}");
    assert_json(StatusCode::REQUEST_TIMEOUT, "Request body timed out", &raw);
    assert_eq!(raw.header("connection"), Some("close"));
    // The handler never got its body: axum's extractor failed before it.
    assert_eq!(probe.uploads.load(Ordering::SeqCst), 0);
    let line = logged(raw.header("x-request-id").unwrap());
    assert!(line.contains("status=408"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_length_over_the_limit_is_a_413_before_the_handler() {
    let _shared = MEMORY.read().await;
    let (address, probe) = start().await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    // The head alone: the answer must not wait for 3 MB that never come.
    stream
        .write_all(
            b"POST /upload HTTP/1.1\r\nhost: localhost\r\norigin: https://app.example.com\r\n\
              content-length: 3000000\r\n\r\n",
        )
        .await
        .unwrap();
    let raw = tokio::time::timeout(Duration::from_millis(500), read_response(&mut stream))
        .await
        .expect("answered at once");
    assert_json(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large", &raw);
    assert_eq!(probe.uploads.load(Ordering::SeqCst), 0, "the handler never ran");
    let line = logged(raw.header("x-request-id").unwrap());
    assert!(line.contains("status=413"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_cut_and_answered_413() {
    let _shared = MEMORY.read().await;
    let (address, _probe) = start().await;
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sending = tokio::spawn(async move {
        writer
            .write_all(
                b"POST /upload HTTP/1.1\r\nhost: localhost\r\norigin: https://app.example.com\r\n\
                  transfer-encoding: chunked\r\n\r\n",
            )
            .await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < 3_000_000 {
            writer.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
            sent += chunk.len();
        }
        writer.write_all(b"0\r\n\r\n").await?;
        Ok::<_, std::io::Error>(sent)
    });
    let raw = read_response(&mut reader).await;
    assert_json(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large", &raw);
    // The server stops reading: the client may or may not get to send it all.
    let _ = sending.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_within_the_limit_compressed_or_not_reach_the_handler() {
    let _shared = MEMORY.read().await;
    let (address, probe) = start().await;
    let plain = "y".repeat(1_500_000);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(plain.as_bytes()).unwrap();
    let compressed = gzip.finish().unwrap();
    for (encoding, body) in [(None, plain.clone().into_bytes()), (Some("gzip"), compressed)] {
        let mut builder = request("POST", "/upload");
        if let Some(encoding) = encoding {
            builder = builder.header("content-encoding", encoding);
        }
        let response = send(address, builder.body(Full::new(Bytes::from(body))).unwrap()).await;
        assert_eq!(response.status, StatusCode::OK, "{encoding:?}");
        assert_eq!(response.text(), "read 1500000");
    }
    assert_eq!(probe.uploads.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_content_encoding_is_a_415() {
    let _shared = MEMORY.read().await;
    let (address, probe) = start().await;
    let response = send(
        address,
        request("POST", "/upload")
            .header("origin", APP_ORIGIN)
            .header("content-encoding", "compress")
            .body(Full::new(Bytes::from_static(b"whatever")))
            .unwrap(),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(response.text(), r#"{"detail":"Unsupported Content-Encoding"}"#);
    assert_eq!(
        response.header("accept-encoding"),
        Some("gzip, br, deflate, zstd, identity")
    );
    assert_eq!(response.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert!(response.header("x-request-id").is_some());
    assert_eq!(probe.uploads.load(Ordering::SeqCst), 0);
}

/// `VmHWM` (peak resident set) or `VmRSS` of this process, in bytes.
fn memory(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kib: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_cut_at_the_limit_in_bounded_memory() {
    let _alone = MEMORY.write().await;
    let (address, probe) = start().await;
    // Reset the peak to the current resident set (Linux `clear_refs` 5), so
    // the peak read below is this test's.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let baseline = memory("VmRSS:");

    // ≈ 1 GB of zeros, ≈ 1 MB on the wire: 1 MiB of zeros deflates to about
    // 1 KiB, and gzip allows members to follow each other (RFC 1952 §2.2).
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    member.write_all(&vec![0u8; 1 << 20]).unwrap();
    let member = member.finish().unwrap();
    let bomb: Vec<u8> = member.repeat(1024);
    assert!(bomb.len() < 2 << 20, "{} bytes on the wire", bomb.len());

    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /upload HTTP/1.1\r\nhost: localhost\r\norigin: {APP_ORIGIN}\r\n\
         content-encoding: gzip\r\ncontent-length: {}\r\n\r\n",
        bomb.len()
    );
    let sending = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(&bomb).await
    });
    let raw = read_response(&mut reader).await;
    let _ = sending.await.unwrap();
    assert_json(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large", &raw);
    assert_eq!(probe.uploads.load(Ordering::SeqCst), 0, "the handler never got a body");

    let growth = memory("VmHWM:").saturating_sub(baseline);
    eprintln!("peak resident set growth: {} KiB", growth >> 10);
    assert!(growth < 50 << 20, "peak resident set grew by {} MiB", growth >> 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_max_in_flight_requests_are_shed_at_once() {
    let _shared = MEMORY.read().await;
    let address = serve(shedding()).await;
    // Connections first, so that only the requests race.
    let mut senders = Vec::new();
    for _ in 0..10 {
        let stream = TcpStream::connect(address).await.unwrap();
        let (sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        senders.push(sender);
    }
    let requests = senders.into_iter().map(|mut sender| {
        tokio::spawn(async move {
            let request = request("GET", "/work")
                .header("host", "localhost")
                .header("origin", APP_ORIGIN)
                .body(Full::new(Bytes::new()))
                .unwrap();
            let started = Instant::now();
            let response = sender.send_request(request).await.unwrap();
            (response.status(), started.elapsed(), response.headers().clone())
        })
    });
    let mut served = 0;
    let mut shed = 0;
    for outcome in requests.collect::<Vec<_>>() {
        let (status, elapsed, headers) = outcome.await.unwrap();
        match status {
            StatusCode::OK => served += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                shed += 1;
                assert!(elapsed < Duration::from_millis(50), "a 503 took {elapsed:?}");
                assert_eq!(headers["retry-after"], "1");
                assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
                assert!(headers.contains_key("x-request-id"));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((served, shed), (2, 8));
}
