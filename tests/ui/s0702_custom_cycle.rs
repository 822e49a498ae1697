use axum::Router;

#[strata::stack(
    custom(name = "audit", layer = tower::layer::util::Identity::new(), before = "metrics"),
    custom(name = "metrics", layer = tower::layer::util::Identity::new(), before = "audit"),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
