use axum::Router;

// A 503 from outside cors carries no CORS headers: the page sees a network
// error instead of "server busy".
#[strata::stack(
    order = "as-written",
    timeout(request = "30s"),
    concurrency_limit(max_in_flight = 100),
    cors(allow_origins = ["https://app.example.com"]),
)]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
