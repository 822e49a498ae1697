// S0105 is a warning; denying `deprecated` (how a stable proc macro warns)
// turns it into an error so that the snapshot shows it.
#![deny(deprecated)]

use axum::Router;

#[strata::stack(cors(allow_origins = ["https://app.example.com", "null"]))]
fn app() -> Router {
    Router::new()
}

fn main() {
    let _ = app();
}
