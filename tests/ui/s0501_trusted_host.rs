use axum::Router;

#[strata::stack(trusted_host(allowed_hosts = ["ex*ample.com", "*.*.com", "https://example.com", "example.com/api"]))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(trusted_host(allowed_hosts = []))]
fn empty() -> Router {
    Router::new()
}

// IPv6 literals go in brackets, without a port, as in a URL.
#[strata::stack(trusted_host(allowed_hosts = ["::1", "[::1]:8080", "[::g]"]))]
fn ipv6() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = empty();
    let _ = ipv6();
}
