use axum::Router;

// In as-written mode a branch keeps the written order: the scope's `cors`
// is written after the whole app's `jwt`, so in /api/* it would sit inside
// auth, and a 401 would lose its CORS headers.
#[strata::stack(
    order = "as-written",
    request_id,
    jwt(secret_env = "JWT_SECRET"),
    scope("/api/*", cors(allow_origins = ["https://app.example.com"])),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
