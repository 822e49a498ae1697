// A `layer` value is one Rust expression, parsed by rustc where strata emits
// it. What would make it more than one (an item, a `;`) strata refuses on the
// token; other syntax errors are rustc's, on the user's tokens (rustc then
// reads them as two arguments of strata's one-argument check: E0061).
use axum::Router;

#[strata::stack(custom(layer = fn audit() {}))]
fn an_item() -> Router {
    Router::new()
}

#[strata::stack(custom(layer = tower::layer::util::Identity::new(); Router::new()))]
fn a_statement() -> Router {
    Router::new()
}

#[strata::stack(custom(layer = tower::layer::util::Identity new()))]
fn not_rust() -> Router {
    Router::new()
}

fn main() {}
