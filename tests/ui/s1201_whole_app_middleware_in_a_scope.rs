use axum::Router;

// Whole-app middlewares cannot be scoped, scopes do not nest, and two
// scopes cannot share a pattern: every mistake is reported at once.
#[strata::stack(
    cors(allow_origins = ["https://app.example.com"]),
    scope("/api/*", request_id, access_log, jwt(secret_env = "JWT_SECRET")),
    scope("/admin/*", trusted_host(allowed_hosts = ["admin.example.com"]), scope("/admin/x", timing)),
    scope("/api/", timing),
    scope("/api/*", security_headers),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
