use axum::Router;

#[strata::stack(request_id, rate_limitt(requests = 10), corz)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
