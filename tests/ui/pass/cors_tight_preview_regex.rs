// No false positives: a credentialed regex for preview deploys, dots escaped
// and the host anchored, compiles without a warning (S0107 stays quiet);
// so do Private Network Access and Starlette's full method list without
// credentials.
#![deny(warnings)]

use axum::{Router, routing::get};

#[strata::stack(cors(
    allow_origins = ["https://app.example.com"],
    allow_origin_regex = "https://[a-z0-9-]+\\.preview\\.example\\.com",
    allow_credentials = true,
    allow_methods = ["GET", "POST"],
    allow_private_network = true,
))]
fn app() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(cors(
    allow_origins = ["*"],
    allow_origin_regex = "https://.*",
    allow_methods = ["*"],
    allow_headers = ["*"],
))]
fn public() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

fn main() {
    let _ = app();
    let _ = public();
}
