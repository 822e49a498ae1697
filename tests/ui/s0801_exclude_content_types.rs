use axum::Router;

#[strata::stack(compression(exclude_content_types = ["video/*", "application/pdf; charset=x", "zip", "*/*"]))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
