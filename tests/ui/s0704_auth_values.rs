use axum::Router;

#[strata::stack(jwt(algorithms = ["RS265"]), api_key(keys_env = "API KEYS"))]
fn app() -> Router {
    Router::new()
}

#[strata::stack(jwt(secret_env = "JWT_SECRET", public_key_file = "tests/fixtures/jwt_rs256_private.pem"))]
fn two_keys() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
    let _ = two_keys();
}
