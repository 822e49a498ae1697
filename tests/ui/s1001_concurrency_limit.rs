use axum::Router;

#[strata::stack(concurrency_limit(max_in_flight = 0))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
