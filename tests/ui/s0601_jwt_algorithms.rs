use axum::Router;

#[strata::stack(jwt(secret_env = "JWT_SECRET", algorithms = ["HS256", "none"]))]
fn alg_none() -> Router {
    Router::new()
}

#[strata::stack(jwt(secret_env = "JWT_SECRET", algorithms = ["RS256"]))]
fn rsa_with_a_secret() -> Router {
    Router::new()
}

#[strata::stack(jwt(public_key_file = "keys/jwt.pem", algorithms = ["HS256"], audience = "api"))]
fn hmac_with_a_public_key() -> Router {
    Router::new()
}

#[strata::stack(jwt(public_key_file = "keys/jwt.pem", algorithms = ["RS256", "ES256"], audience = "api"))]
fn two_key_types() -> Router {
    Router::new()
}

fn main() {
    let _ = alg_none();
    let _ = rsa_with_a_secret();
    let _ = hmac_with_a_public_key();
    let _ = two_key_types();
}
