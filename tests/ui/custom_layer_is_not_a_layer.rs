use axum::Router;

#[strata::stack(custom(name = "audit", layer = "not a layer"))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
