// No false positives: a proxy in front, a limit keyed on the verified JWT
// subject (and one on the verified API key), an IPv6 literal, a
// docker-compose service name and a fully qualified name in the allowed
// hosts, an exempt health check: all compile without a warning.
#![deny(warnings)]

use axum::{Router, routing::get};

#[strata::stack(
    proxy(trusted_proxies = ["10.0.0.0/8", "::1/128"]),
    trusted_host(
        allowed_hosts = ["api.example.com", "[::1]", "api_service", "localhost."],
        exempt_paths = ["/health"],
    ),
    https_redirect,
    access_log,
    jwt(secret_env = "JWT_SECRET", public_paths = ["/health"]),
    rate_limit(requests = 100, per = "1m", key = "jwt:sub"),
)]
fn app() -> Router {
    Router::new().route("/", get(|client: strata::ClientInfo| async move { format!("{:?}", client.ip) }))
}

#[strata::stack(
    proxy(hops = 1, headers = "forwarded"),
    api_key(keys_env = "API_KEYS"),
    rate_limit(requests = 100, per = "1m", key = "api_key"),
)]
fn by_key() -> Router {
    Router::new()
}

fn main() {
    let _ = app;
    let _ = by_key;
}
