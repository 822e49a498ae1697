use axum::Router;

#[strata::stack(metrics(path = "/metrics/*", buckets = [0.1, 0.05, -1.5, 0.5, 0.5]))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(metrics(path = "/metrics?format=text", buckets = []))]
fn empty() -> Router {
    Router::new()
}

#[strata::stack(metrics(buckets = ["5ms"]), trace_context(sampled = "yes"), access_log(span = 1))]
fn wrong_types() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = empty();
    let _ = wrong_types();
}
