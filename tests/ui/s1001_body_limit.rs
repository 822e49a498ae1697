use axum::Router;

#[strata::stack(
    body_limit(max = "2 megabytes"),
)]
fn app() -> Router {
    Router::new()
}

#[strata::stack(body_limit(max = 0))]
fn zero() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = zero();
}
