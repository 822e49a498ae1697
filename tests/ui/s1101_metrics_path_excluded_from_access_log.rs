use axum::Router;

// The metrics answer before any auth layer: hiding them from the log hides
// who reads them. A `jwt.public_paths` entry for them is harmless.
#[strata::stack(
    access_log(exclude_paths = ["/health", "/metrics/"]),
    metrics,
    jwt(secret_env = "JWT_SECRET", public_paths = ["/metrics"]),
)]
fn app() -> Router {
    Router::new()
}

#[strata::stack(access_log(exclude_paths = ["/internal/*"]), metrics(path = "/internal/metrics"))]
fn subtree() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = subtree();
}
