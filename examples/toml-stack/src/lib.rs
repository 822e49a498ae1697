//! strata's TOML front door: the stack lives in `stack.toml`, build.rs
//! compiles it, and `strata::include_stack!()` brings in `stack(app)` and
//! `try_stack(app)`.

use axum::Router;
use axum::routing::get;

mod generated {
    strata::include_stack!();
}

pub use generated::{stack, try_stack};

/// The app's routes, before the stack.
pub fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { "hello from the TOML stack\n" }))
        .route("/health", get(|| async { "ok\n" }))
}
