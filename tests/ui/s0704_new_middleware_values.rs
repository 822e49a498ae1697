use axum::Router;

#[strata::stack(
    https_redirect(status = 200),
    security_headers(frame_options = "ALLOWALL", referrer_policy = "strict-origin-when-crossorigin", hsts = 1),
    block(user_agent_prefixes = [""], status = 200),
    redirect_slashes(mode = "strip"),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
