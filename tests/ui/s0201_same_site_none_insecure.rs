use axum::Router;

#[strata::stack(session(secret_env = "SESSION_SECRET", same_site = "none", https_only = false))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
