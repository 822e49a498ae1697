// Three mistakes, three errors in one build: strata never stops at the first.
use axum::Router;

#[strata::stack(
    trusted_host(allowed_hosts = ["*.*.com"]),
    cors(allow_origins = ["*"], allow_credentials = true),
    access_log(exclude_paths = ["health"]),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
