use axum::Router;

#[strata::stack(order = "as-written", catch_panic, cors(allow_origins = ["https://app.example.com"]), access_log, request_id)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
