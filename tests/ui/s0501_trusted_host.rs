use axum::Router;

#[strata::stack(trusted_host(allowed_hosts = ["ex*ample.com", "*.*.com", "https://example.com", "example.com/api"]))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(trusted_host(allowed_hosts = []))]
fn empty() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = empty();
}
