//! Instructions per request of each guard against its tower / tower-http
//! equivalent as an engineer writes it by hand, each around the same router.
//!
//! `cargo bench --bench guards` runs every pair under `valgrind
//! --tool=callgrind`, two at a time, and prints a markdown table; `-- --show`
//! prints what each variant answers instead. Method as in
//! `benches/instructions.rs`: the binary re-runs itself as
//! `guards --one VARIANT REQUEST N`, warms up with 100 requests, then sends N
//! inside `measured_region`, the only function callgrind counts. Each
//! request is one `axum::serve` exchange (clone, `oneshot`, body drained).
//!
//! | guard | strata | hand-written |
//! | --- | --- | --- |
//! | timeout | `timeout(request = "30s")` | tower-http `TimeoutLayer::with_status_code(503, 30 s)` |
//! | concurrency | `concurrency_limit(max_in_flight = 1000)` | axum `HandleErrorLayer` (→ 503) + tower `LoadShedLayer` + `ConcurrencyLimitLayer::new(1000)` |
//! | body limit | `body_limit(max = "2MB")` | tower-http `RequestBodyLimitLayer::new(2_000_000)` |
//! | decompression | `decompression` | tower-http `RequestDecompressionLayer::new()` |

// Shared with the other bench targets; not every item is used here.
#[allow(unused_imports)]
mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::error_handling::HandleErrorLayer;
use axum::extract::ConnectInfo;
use axum::routing::post;
use bytes::Bytes;
use common::Mode;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HOST, RETRY_AFTER};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::StreamBody;
use tower::{BoxError, Service, ServiceBuilder};

const WARMUP: usize = 100;
const N: usize = 1000;

/// The app: `GET /` answers the 2 KB JSON, `POST /echo` reads the body.
fn router() -> Router {
    common::router().route("/echo", post(|body: Bytes| async move { body.len().to_string() }))
}

#[strata::stack(timeout(request = "30s"))]
fn strata_timeout() -> Router {
    router()
}

#[strata::stack(concurrency_limit(max_in_flight = 1000))]
fn strata_concurrency() -> Router {
    router()
}

#[strata::stack(body_limit(max = "2MB"))]
fn strata_body_limit() -> Router {
    router()
}

#[strata::stack(decompression)]
fn strata_decompression() -> Router {
    router()
}

/// Calls `$body` with `$service` bound to the variant named `$variant`.
macro_rules! with_guard {
    ($variant:expr, |$service:ident| $body:expr) => {
        match $variant {
            "bare" => {
                let $service = router();
                Some($body)
            }
            "strata_timeout" => {
                let $service = strata_timeout();
                Some($body)
            }
            "tower_timeout" => {
                let $service = ServiceBuilder::new()
                    .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                        StatusCode::SERVICE_UNAVAILABLE,
                        Duration::from_secs(30),
                    ))
                    .service(router());
                Some($body)
            }
            "strata_concurrency" => {
                let $service = strata_concurrency();
                Some($body)
            }
            "tower_concurrency" => {
                let $service = ServiceBuilder::new()
                    .layer(HandleErrorLayer::new(|_: BoxError| async {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            [(RETRY_AFTER, "1"), (CONTENT_TYPE, "application/json")],
                            r#"{"detail":"Server busy"}"#,
                        )
                    }))
                    .load_shed()
                    .concurrency_limit(1000)
                    .service(router());
                Some($body)
            }
            "strata_body_limit" => {
                let $service = strata_body_limit();
                Some($body)
            }
            "tower_body_limit" => {
                let $service = ServiceBuilder::new()
                    .layer(tower_http::limit::RequestBodyLimitLayer::new(2_000_000))
                    .service(router());
                Some($body)
            }
            "strata_decompression" => {
                let $service = strata_decompression();
                Some($body)
            }
            "tower_decompression" => {
                let $service = ServiceBuilder::new()
                    .layer(tower_http::decompression::RequestDecompressionLayer::new())
                    .service(router());
                Some($body)
            }
            _ => None,
        }
    };
}

/// (guard, strata variant, hand-written variant, requests measured).
const PAIRS: &[(&str, &str, &str, &[&str])] = &[
    ("timeout", "strata_timeout", "tower_timeout", &["get", "post"]),
    ("concurrency_limit", "strata_concurrency", "tower_concurrency", &["get"]),
    (
        "body_limit",
        "strata_body_limit",
        "tower_body_limit",
        &["get", "post", "post_chunked"],
    ),
    (
        "decompression",
        "strata_decompression",
        "tower_decompression",
        &["get", "post_gzip"],
    ),
];

/// The requests: `get` (no body: what a guard costs on most requests),
/// `post` (2 KB JSON, `Content-Length`), `post_chunked` (the same in two
/// frames of unknown size), `post_gzip` (the same gzip'd).
fn request(name: &str) -> Option<Request<Body>> {
    let json = Bytes::from_static(common::JSON_2KB.as_bytes());
    let mut request = match name {
        "get" => Request::new(Body::empty()),
        "post" => Request::new(Body::from(json)),
        "post_chunked" => {
            let half = json.len() / 2;
            let frames = [json.slice(..half), json.slice(half..)]
                .map(|data| Ok::<_, Infallible>(hyper::body::Frame::data(data)));
            Request::new(Body::new(StreamBody::new(futures_util::stream::iter(frames))))
        }
        "post_gzip" => {
            let mut request = Request::new(Body::from(gzip(&json)));
            request
                .headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            request
        }
        _ => return None,
    };
    if name != "get" {
        *request.method_mut() = Method::POST;
        *request.uri_mut() = http::Uri::from_static("/echo");
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    request
        .headers_mut()
        .insert(HOST, HeaderValue::from_static("api.example.com"));
    request.extensions_mut().insert(ConnectInfo(common::CLIENT));
    Some(request)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let written = encoder.write_all(data).and_then(|()| encoder.finish());
    written.unwrap_or_else(|error| panic!("gzip in memory: {error}"))
}

/// A current-thread runtime with the timer the timeouts need.
fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread().enable_time().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("a tokio runtime: {error}"),
    }
}

/// Sends the requests; the only code callgrind counts.
#[inline(never)]
fn measured_region<S, B>(runtime: &tokio::runtime::Runtime, service: &S, requests: Vec<Request<Body>>) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    runtime.block_on(async {
        let mut read = 0;
        for request in requests {
            read += common::send(service, request, Mode::Full).await;
        }
        read
    })
}

/// The same loop, not counted.
#[inline(never)]
fn warm_up_region<S, B>(runtime: &tokio::runtime::Runtime, service: &S, requests: Vec<Request<Body>>) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    runtime.block_on(async {
        let mut read = 0;
        for request in requests {
            read += common::send(service, request, Mode::Full).await;
        }
        read
    })
}

fn exercise<S, B>(service: &S, name: &str, n: usize) -> Option<usize>
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    let runtime = runtime();
    let warm = (0..WARMUP).map(|_| request(name)).collect::<Option<Vec<_>>>()?;
    std::hint::black_box(warm_up_region(&runtime, service, warm));
    let requests = (0..n).map(|_| request(name)).collect::<Option<Vec<_>>>()?;
    Some(std::hint::black_box(measured_region(&runtime, service, requests)))
}

fn main() {
    common::install_disabled_subscriber();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--one") => {
            let [_, variant, name, n] = &args[..] else {
                eprintln!("usage: guards --one VARIANT REQUEST N; got {args:?}");
                std::process::exit(2);
            };
            let n = n.parse().unwrap_or(N);
            match with_guard!(variant.as_str(), |service| exercise(&service, name, n)).flatten() {
                Some(read) => println!("{read}"),
                None => {
                    eprintln!("unknown variant or request: {variant} {name}");
                    std::process::exit(2);
                }
            }
        }
        Some("--show") => show(),
        _ => orchestrate(),
    }
}

/// What each variant answers to each of its requests: status and body.
fn show() {
    let runtime = runtime();
    for (_, strata, tower, names) in PAIRS {
        for name in *names {
            for variant in ["bare", strata, tower] {
                let Some(request) = request(name) else { continue };
                let answer = with_guard!(variant, |service| {
                    let Ok(response) = runtime.block_on(tower::ServiceExt::oneshot(service, request));
                    let status = response.status();
                    let body = runtime.block_on(http_body_util::BodyExt::collect(response.into_body()));
                    let body = body.map(|b| {
                        String::from_utf8_lossy(&b.to_bytes())
                            .chars()
                            .take(40)
                            .collect::<String>()
                    });
                    format!("{status} {:?}", body.ok())
                });
                println!("{name:<13} {variant:<21} {}", answer.unwrap_or_default());
            }
        }
    }
}

fn orchestrate() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: `apt-get install valgrind`");
        std::process::exit(1);
    }
    let exe = std::env::current_exe().unwrap_or_else(|error| panic!("own path: {error}"));
    let out_dir = exe
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("callgrind"), |profile| profile.join("callgrind"));
    std::fs::create_dir_all(&out_dir).unwrap_or_else(|error| panic!("{}: {error}", out_dir.display()));
    let mut todo: Vec<(&str, &str)> = Vec::new();
    for (_, strata, tower, names) in PAIRS {
        for name in *names {
            for variant in ["bare", strata, tower] {
                if !todo.contains(&(variant, name)) {
                    todo.push((variant, name));
                }
            }
        }
    }
    eprintln!("callgrind: {} measurements of {N} requests each", todo.len());
    let queue = Mutex::new(todo);
    let results: Mutex<BTreeMap<(String, String), f64>> = Mutex::default();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while let Some((variant, name)) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    let per_request = callgrind(&exe, &out_dir, variant, name);
                    eprintln!("  {variant:<21} {name:<13} {per_request:>10.0}");
                    if let Ok(mut results) = results.lock() {
                        results.insert((variant.to_string(), name.to_string()), per_request);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let get = |variant: &str, name: &str| results.get(&(variant.to_string(), name.to_string())).copied();
    println!("\n### Guards: instructions per request (callgrind, N = {N})\n");
    println!(
        "| guard | request | bare | strata | hand-written | **strata / hand-written** | strata − bare | hand-written − bare |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let fmt = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}"));
    for (guard, strata, tower, names) in PAIRS {
        for name in *names {
            let (bare, ours, theirs) = (get("bare", name), get(strata, name), get(tower, name));
            let ratio = ours
                .zip(theirs)
                .map_or("–".to_string(), |(a, b)| format!("{:.3}×", a / b));
            let minus = |v: Option<f64>| fmt(v.zip(bare).map(|(v, b)| v - b));
            println!(
                "| {guard} | {name} | {} | {} | {} | **{ratio}** | {} | {} |",
                fmt(bare),
                fmt(ours),
                fmt(theirs),
                minus(ours),
                minus(theirs)
            );
        }
    }
}

fn callgrind(exe: &Path, out_dir: &Path, variant: &str, name: &str) -> f64 {
    let file = out_dir.join(format!("guards-{variant}-{name}.out"));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg("--toggle-collect=*measured_region*")
        .arg(exe)
        .args(["--one", variant, name])
        .arg(N.to_string())
        .output()
        .unwrap_or_else(|error| panic!("valgrind: {error}"));
    if !output.status.success() {
        panic!("{variant} {name} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = std::fs::read_to_string(&file).unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    let total: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("totals:").or_else(|| line.strip_prefix("summary:")))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no totals line in {}", file.display()));
    total as f64 / N as f64
}
