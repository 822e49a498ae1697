use axum::Router;

// A raw header is whatever the client sends: a new value, a new bucket.
#[strata::stack(rate_limit(requests = 120, per = "1m", key = "header:x-api-key"))]
fn by_header() -> Router {
    Router::new()
}

// An identity key needs the auth layer that verifies the identity.
#[strata::stack(rate_limit(requests = 120, per = "1m", key = "jwt:sub"))]
fn by_subject_without_jwt() -> Router {
    Router::new()
}

#[strata::stack(jwt(secret_env = "JWT_SECRET"), rate_limit(requests = 120, per = "1m", key = "api_key"))]
fn by_api_key_without_api_key() -> Router {
    Router::new()
}

fn main() {
    let _ = by_header();
    let _ = by_subject_without_jwt();
    let _ = by_api_key_without_api_key();
}
