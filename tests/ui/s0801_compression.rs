use axum::Router;

#[strata::stack(compression(level = 12, algorithms = ["gzip", "brotli", "zstd"]))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
