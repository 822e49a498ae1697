//! A scoped stack near the rules' edges: a scope's entry replaces the
//! whole app's of the same name, a scope may hold what the whole app does
//! not (session, jwt, a custom layer), and an exact pattern sits beside a
//! subtree of the same prefix.
use axum::Router;

#[strata::stack(
    request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"]),
    timeout(request = "5s"),
    scope("/api/*", jwt(secret_env = "JWT_SECRET"), rate_limit(requests = 100, per = "1m", key = "jwt:sub")),
    scope("/api", timing),
    scope("/admin/*", api_key(keys_env = "ADMIN_KEYS"), cors(allow_origins = ["https://admin.example.com"])),
    scope("/reports/*", timeout(request = "60s"), custom(name = "tag", layer = tower_http::set_header::SetResponseHeaderLayer::overriding(
        http::header::HeaderName::from_static("x-report"),
        http::HeaderValue::from_static("1"),
    ))),
)]
fn app() -> Result<Router, strata::EnvError> {
    Ok(Router::new())
}

fn main() {
    let _ = app();
}
