// S0402 is a warning; denying `deprecated` (how a stable proc macro warns)
// turns it into an error so that the snapshot shows it.
#![deny(deprecated)]

use axum::Router;

#[strata::stack(https_redirect(trust_forwarded_proto = true), rate_limit(requests = 120, per = "1m"))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
