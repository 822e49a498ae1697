use axum::Router;

#[strata::stack(rate_limit(requests = 0, per = "0s"))]
fn zero() -> Router {
    Router::new()
}

#[strata::stack(rate_limit(requests = 10, per = "1m", backend = "redis"))]
fn no_url() -> Router {
    Router::new()
}

fn main() {
    let _ = zero();
    let _ = no_url();
}
