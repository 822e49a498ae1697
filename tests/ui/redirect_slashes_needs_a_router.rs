use axum::routing::{MethodRouter, get};

// `redirect_slashes` must see the routes: a service that is not an axum
// `Router` is refused at compile time, on the `redirect_slashes` key.
#[strata::stack(redirect_slashes, request_id)]
fn app() -> MethodRouter {
    get(|| async { "hi" })
}

fn main() {
    let _ = app();
}
