use axum::Router;

#[strata::stack(
    request_id,
    scope("api/*", timing),
    scope("/files/*/raw", timing),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
