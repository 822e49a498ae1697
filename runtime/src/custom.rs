//! `custom`: the check that a user's `custom(layer = ...)` value is a tower
//! `Layer`, with an error message that says so on the user's own tokens.
//!
//! The generated code passes the expression through [`custom_layer`]; a value
//! that is not a layer fails there, with strata's message, instead of deep
//! inside `ServiceBuilder` with a page of nested types.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

/// A stand-in for "the rest of the stack": an axum-shaped service, so that
/// layers generic over the service they wrap (almost all) are recognised.
#[derive(Clone, Copy, Debug)]
pub struct Probe;

impl Service<axum::extract::Request> for Probe {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: axum::extract::Request) -> Self::Future {
        ready(Ok(axum::response::Response::default()))
    }
}

/// Implemented by every value usable as `custom(layer = ...)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tower `Layer`, so it cannot be a strata `custom` layer",
    label = "`custom(layer = ...)` needs a value that implements `tower::Layer<S>`",
    note = "write an expression that builds a layer, e.g. `tower_http::timeout::TimeoutLayer::new(Duration::from_secs(5))`"
)]
pub trait CustomLayer {}

impl<L: Layer<Probe>> CustomLayer for L {}

/// Returns `layer` unchanged; only there to check its type.
pub fn custom_layer<L: CustomLayer>(layer: L) -> L {
    layer
}

#[cfg(test)]
mod tests {
    use super::custom_layer;

    #[test]
    fn any_tower_layer_passes_through() {
        let layer = custom_layer(tower_layer::Identity::new());
        let _: tower_layer::Identity = layer;
    }
}
