use axum::Router;

#[strata::stack(rate_limit(
    requests = 10,
    per = "1 minute",
    key = "ip",
    trusted_proxies = ["10.0.0.0/33", "proxy.internal"],
    on_backend_error = "deny",
    redis_url_env = "REDIS_URL",
))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
