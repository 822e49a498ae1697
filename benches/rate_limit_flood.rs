//! The in-memory rate limiter under a flood of distinct clients: every
//! request from a new IPv6 /64, named by `X-Forwarded-For` from a trusted
//! `proxy`, through `proxy` + `rate_limit` with the default `max_keys`
//! (1,000,000).
//!
//! ```sh
//! cargo bench --bench rate_limit_flood                 # callgrind table (needs valgrind)
//! cargo bench --bench rate_limit_flood -- --flood 3000000   # wall clock + resident memory
//! ```
//!
//! The callgrind table: the binary re-runs itself as
//! `rate_limit_flood --one PREFILL KIND N` under `valgrind --tool=callgrind`:
//! it sends PREFILL requests from PREFILL distinct /64s (not counted), then
//! N requests of KIND inside `measured_region`, the only function counted:
//!
//! - `new`: each from a /64 never seen before;
//! - `known`: each from one of the N most recently seen /64s, again (allowed);
//! - `hammer`: all from one client far over its limit (429s).
//!
//! `--flood TOTAL` sends TOTAL requests from distinct /64s natively, one in
//! every 100 from a single hammering client, and prints at 10k, 100k, 1M,
//! 1.1M and every further half million keys the resident memory (`VmRSS`) and the
//! mean time per request over the last 10,000 requests; at the end, how
//! many of the hammering client's requests were allowed.
//!
//! The limit is `100` per `100h`: one request back an hour, so no client
//! recovers during a run, even ~50× slowed down under callgrind. That is the
//! worst case for a backend that drops recovered clients to make room: a
//! flood faster than clients recover (with `60` per `1m`, a million new
//! clients a second; with `100` per `1h`, 28,000).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::get;
use http::{Request, Response, StatusCode};
use tower::{Service, ServiceExt};

const N: usize = 1000;
const PREFILLS: [usize; 4] = [10_000, 100_000, 1_000_000, 1_200_000];
const KINDS: [&str; 3] = ["new", "known", "hammer"];

#[strata::stack(proxy(trusted_proxies = ["127.0.0.1"]), rate_limit(requests = 100, per = "100h"))]
fn stack() -> Router {
    Router::new().route("/", get(|| async { "ok" }))
}

/// The address of client `i`: its own /64 (the interface ID varies too, as
/// privacy addresses do; it is not part of the key).
fn client(i: usize) -> String {
    let (high, low) = ((i >> 16) & 0xffff, i & 0xffff);
    format!("2001:db8:{high:x}:{low:x}:{:x}::1", i.wrapping_mul(7919) & 0xffff)
}

const HAMMER: &str = "2001:db8:ffff:ffff::1";

fn request(from: &str) -> Request<Body> {
    Request::get("/")
        .header("x-forwarded-for", from)
        .extension(ConnectInfo(SocketAddr::from((Ipv4Addr::LOCALHOST, 50_000))))
        .body(Body::empty())
        .unwrap_or_default()
}

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("a tokio runtime: {error}"),
    }
}

async fn send<S>(service: &S, request: Request<Body>) -> StatusCode
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    let Ok(response) = service.clone().oneshot(request).await;
    response.status()
}

/// The requests before the measured ones: not counted.
#[inline(never)]
fn prefill_region<S>(runtime: &tokio::runtime::Runtime, service: &S, clients: std::ops::Range<usize>) -> usize
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    runtime.block_on(async {
        let mut allowed = 0;
        for i in clients {
            allowed += usize::from(send(service, request(&client(i))).await == StatusCode::OK);
        }
        allowed
    })
}

/// Sends the requests; the only code callgrind counts.
#[inline(never)]
fn measured_region<S>(runtime: &tokio::runtime::Runtime, service: &S, requests: Vec<Request<Body>>) -> usize
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    runtime.block_on(async {
        let mut allowed = 0;
        for request in requests {
            allowed += usize::from(send(service, request).await == StatusCode::OK);
        }
        allowed
    })
}

/// One measurement; returns how many of the N requests were allowed.
fn run_one(prefill: usize, kind: &str, n: usize) -> Option<usize> {
    let runtime = runtime();
    let service = stack();
    // The hammering client uses up its allowance first.
    let hammer: Vec<_> = (0..200).map(|_| request(HAMMER)).collect();
    std::hint::black_box(warm_up_region(&runtime, &service, hammer));
    std::hint::black_box(prefill_region(&runtime, &service, 0..prefill));
    let requests: Vec<Request<Body>> = match kind {
        "new" => (prefill..prefill + n).map(|i| request(&client(i))).collect(),
        "known" => (prefill.saturating_sub(n)..prefill)
            .map(|i| request(&client(i)))
            .collect(),
        "hammer" => (0..n).map(|_| request(HAMMER)).collect(),
        _ => return None,
    };
    Some(std::hint::black_box(measured_region(&runtime, &service, requests)))
}

/// The same loop, not counted.
#[inline(never)]
fn warm_up_region<S>(runtime: &tokio::runtime::Runtime, service: &S, requests: Vec<Request<Body>>) -> usize
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone,
{
    runtime.block_on(async {
        let mut allowed = 0;
        for request in requests {
            allowed += usize::from(send(service, request).await == StatusCode::OK);
        }
        allowed
    })
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// `--flood TOTAL`: wall clock and resident memory as the keys pile up.
fn flood(total: usize) {
    const WINDOW: usize = 10_000;
    let runtime = runtime();
    let service = stack();
    // Up to the cap (1,000,000), just past it, then every half million.
    let mut checkpoints: Vec<usize> = vec![10_000, 100_000, 1_000_000, 1_100_000];
    checkpoints.extend((3..).map(|m| m * 500_000).take_while(|&c| c <= total));
    println!("| distinct /64s sent | resident memory (VmRSS) | mean per request, last {WINDOW} requests |");
    println!("| ---: | ---: | ---: |");
    let (mut hammer_sent, mut hammer_allowed) = (0usize, 0usize);
    let started = Instant::now();
    runtime.block_on(async {
        let mut window_start = Instant::now();
        for i in 0..total {
            if i % WINDOW == 0 {
                window_start = Instant::now();
            }
            if i % 100 == 0 {
                hammer_sent += 1;
                hammer_allowed += usize::from(send(&service, request(HAMMER)).await == StatusCode::OK);
            }
            std::hint::black_box(send(&service, request(&client(i))).await);
            let sent = i + 1;
            if checkpoints.contains(&sent) {
                let per_request = window_start.elapsed() / u32::try_from(WINDOW).unwrap_or(1);
                println!(
                    "| {sent} | {:.1} MiB | {:.2} µs |",
                    resident_kib() as f64 / 1024.0,
                    per_request.as_secs_f64() * 1e6
                );
            }
        }
    });
    let elapsed = started.elapsed();
    println!(
        "\n{total} clients in {:.1} s ({:.2} µs a request, the hammering client's included); \
         the hammering client sent {hammer_sent} requests, {hammer_allowed} allowed \
         (its burst is 100, one more an hour)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / (total + hammer_sent) as f64,
    );
}

fn callgrind(exe: &Path, out_dir: &Path, prefill: usize, kind: &str) -> f64 {
    let file = out_dir.join(format!("rate_limit_flood-{prefill}-{kind}.out"));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", file.display()))
        .arg("--toggle-collect=*measured_region*")
        .arg(exe)
        .args(["--one", &prefill.to_string(), kind, &N.to_string()])
        .output()
        .expect("valgrind runs");
    assert!(
        output.status.success(),
        "{prefill} {kind} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&file).expect("callgrind output");
    let total: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("totals:").or_else(|| line.strip_prefix("summary:")))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("a totals line");
    total as f64 / N as f64
}

fn main() {
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::new());
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--one", prefill, kind, n] => {
            let (Ok(prefill), Ok(n)) = (prefill.parse(), n.parse()) else {
                std::process::exit(2);
            };
            match run_one(prefill, kind, n) {
                Some(allowed) => println!("{allowed}"),
                None => std::process::exit(2),
            }
        }
        ["--flood", total] => flood(total.parse().unwrap_or(3_000_000)),
        ["--flood"] => flood(3_000_000),
        _ => {
            let exe = std::env::current_exe().expect("own path");
            let out_dir = exe
                .parent()
                .and_then(Path::parent)
                .map_or_else(|| PathBuf::from("callgrind"), |profile| profile.join("callgrind"));
            std::fs::create_dir_all(&out_dir).expect("callgrind output dir");
            println!("### Instructions per request at PREFILL distinct clients (callgrind, N = {N})\n");
            println!("| distinct /64s before | new client | known client | one client over its limit (429) |");
            println!("| ---: | ---: | ---: | ---: |");
            for prefill in PREFILLS {
                let cells: Vec<String> = KINDS
                    .iter()
                    .map(|kind| {
                        let started = Instant::now();
                        let per_request = callgrind(&exe, &out_dir, prefill, kind);
                        eprintln!(
                            "  {prefill} {kind}: {per_request:.0} ({:.0} s)",
                            started.elapsed().as_secs_f64()
                        );
                        format!("{per_request:.0}")
                    })
                    .collect();
                println!("| {prefill} | {} |", cells.join(" | "));
            }
        }
    }
}
