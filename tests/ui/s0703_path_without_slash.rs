use axum::Router;

#[strata::stack(access_log(exclude_paths = ["/health", "metrics", "docs/*"]))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
