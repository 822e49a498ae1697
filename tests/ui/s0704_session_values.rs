use axum::Router;

#[strata::stack(session(
    same_site = "relaxed",
    store = "redis",
    cookie = "my session",
    path = "app",
    max_age = 0
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
