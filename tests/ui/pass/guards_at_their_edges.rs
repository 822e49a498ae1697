// No false positives: the smallest valid values of each guard, every status
// a timeout may answer, and the guards written in a valid as-written order.
#![deny(warnings)]

use axum::{Router, routing::get};

#[strata::stack(
    order = "as-written",
    request_id,
    cors(allow_origins = ["https://app.example.com"]),
    timeout(request = "1ms", status = 408, request_body = "1ms"),
    concurrency_limit(max_in_flight = 1),
    decompression(algorithms = ["zstd"]),
    body_limit(max = 1),
)]
fn smallest() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(
    timeout(request = "1d", status = 504),
    body_limit(max = "1GiB"),
    decompression(algorithms = ["gzip", "br", "deflate", "zstd"]),
)]
fn largest() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(timeout, decompression, body_limit)]
fn defaults() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

fn main() {
    let _ = smallest();
    let _ = largest();
    let _ = defaults();
}
