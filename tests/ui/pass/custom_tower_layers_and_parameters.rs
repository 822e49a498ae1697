// tower's fallible layers work as custom layers as written (no
// HandleErrorLayer), and parameters are usable by value in layer expressions.
#![deny(warnings)]

use std::time::Duration;

use axum::{Router, routing::get};

#[derive(Clone)]
struct Config {
    timeout: Duration,
}

#[strata::stack(
    request_id,
    custom(name = "deadline", layer = tower::timeout::TimeoutLayer::new(config.timeout)),
    custom(name = "shed", layer = tower::load_shed::LoadShedLayer::new()),
    custom(name = "limit", layer = tower::limit::ConcurrencyLimitLayer::new(limit)),
)]
fn app(config: Config, limit: usize, state: String) -> Router {
    Router::new().route("/", get(move || async move { state }))
}

fn main() {
    let _ = app(Config { timeout: Duration::from_secs(5) }, 64, "hi".into());
}
