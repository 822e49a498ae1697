use axum::Router;

#[strata::stack(decompression(algorithms = ["gzip", "brotli", "lz4"]))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(decompression(algorithms = []))]
fn none() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = none();
}
