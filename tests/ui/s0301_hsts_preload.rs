use axum::Router;

#[strata::stack(security_headers(hsts(max_age = 86400, include_subdomains = false, preload = true)))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(security_headers(hsts(preload = true)))]
fn defaults() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = defaults();
}
