//! Each middleware or option below needs a cargo feature of strata that
//! Cargo.toml leaves off (`cors`, `compression`, `request_id` and
//! `rate_limit` are on): each must be an error naming its feature, spanned
//! on what needs it.

use axum::Router;

// The generated module, from stack.toml (written by the test).
mod generated;

#[strata::stack(
    cors(allow_origins = ["https://app.example.com"], allow_origin_regex = "https://[a-z]+\\.example\\.com"),
    compression(algorithms = ["gzip", "br"]),
    request_id,
    jwt(secret_env = "FIXTURE_JWT_SECRET"),
    rate_limit(requests = 10, per = "1s", backend = "redis", redis_url_env = "FIXTURE_REDIS_URL"),
    timing,
)]
fn app() -> Router {
    Router::new()
}

// The same stack.toml the generated module comes from, read by the macro:
// that needs the TOML reader, the `toml` feature.
#[strata::stack(file = "stack.toml")]
fn from_file() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = generated::stack(Router::new());
    let _ = from_file();
}
