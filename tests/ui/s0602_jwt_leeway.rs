// `leeway = 100000` would keep an expired token alive for a day, and made
// jsonwebtoken compute `now - leeway` below zero at run time.
use axum::Router;

#[strata::stack(jwt(secret_env = "JWT_SECRET", leeway = 100000))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
