use axum::Router;

#[strata::stack(timeout(request = "0s", status = 500, request_body = "ten seconds"))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
