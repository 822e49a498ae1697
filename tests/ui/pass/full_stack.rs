// No false positives: a careful production stack compiles without a warning.
#![deny(warnings)]

use axum::{Router, routing::get};

#[strata::stack(
    trusted_host(allowed_hosts = ["api.example.com", "*.example.com", "localhost"]),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
    ),
    compression,
    request_id,
    access_log,
    catch_panic,
    timing,
)]
fn app() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

fn main() {
    let _ = app();
}
