use axum::Router;

#[strata::stack(
    request_id,
    scope("api/*", timing),
    scope("/files/*/raw", timing),
    scope("/search?q=1", timing),
    scope("/docs /*", timing),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
