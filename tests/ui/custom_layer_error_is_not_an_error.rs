// A custom layer whose service fails with a type strata cannot describe:
// the error lands on the user's expression and names the fix.
use std::task::{Context, Poll};

use axum::Router;

#[derive(Clone)]
struct Fails<S>(S);

impl<S> tower::Service<axum::extract::Request> for Fails<S> {
    type Response = axum::response::Response;
    type Error = ();
    type Future = std::future::Ready<Result<axum::response::Response, ()>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: axum::extract::Request) -> Self::Future {
        std::future::ready(Err(()))
    }
}

#[derive(Clone)]
struct FailsLayer;

impl<S> tower::Layer<S> for FailsLayer {
    type Service = Fails<S>;

    fn layer(&self, inner: S) -> Fails<S> {
        Fails(inner)
    }
}

#[strata::stack(request_id, custom(layer = FailsLayer))]
fn app() -> Router {
    Router::new()
}

fn main() {}
