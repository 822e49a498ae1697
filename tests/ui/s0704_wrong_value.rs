use axum::Router;

#[strata::stack(order = "sorted", cors(max_age = "600", allow_credentials = 1), trusted_host)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
