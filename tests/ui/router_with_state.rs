// A `Router<AppState>` still needs its state: strata says so on the type,
// with the fix, instead of a trait error about its internals.
use axum::{Router, routing::get};

#[derive(Clone)]
struct AppState;

#[strata::stack(request_id)]
fn app() -> Router<AppState> {
    Router::new().route("/", get(|| async { "hi" }))
}

fn main() {}
