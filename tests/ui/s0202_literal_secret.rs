use axum::Router;

#[strata::stack(session(secret = "hunter2"))]
fn short() -> Router {
    Router::new()
}

#[strata::stack(session(secret = "a-long-enough-secret-of-40-bytes-0000000"))]
fn in_source() -> Router {
    Router::new()
}

fn main() {
    let _ = short();
    let _ = in_source();
}
