use axum::Router;

#[strata::stack(rate_limit(
    requests = 10,
    per = "1 minute",
    key = "ip",
    on_backend_error = "deny",
    redis_url_env = "REDIS_URL",
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
