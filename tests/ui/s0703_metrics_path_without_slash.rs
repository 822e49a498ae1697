use axum::Router;

#[strata::stack(metrics(path = "metrics"))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
