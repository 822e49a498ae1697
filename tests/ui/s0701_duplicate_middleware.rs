use axum::Router;

#[strata::stack(compression(minimum_size = 500), request_id, gzip)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
