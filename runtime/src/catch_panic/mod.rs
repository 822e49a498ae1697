//! `catch_panic`: a panic in the app becomes a `500`, not a dropped connection.
//!
//! What a client sees when the inner service panics, whether in `call` or
//! while its future is polled: `500 Internal Server Error`,
//! `content-type: application/json`, body `{"detail":"Internal server error"}`
//! (Starlette's `ServerErrorMiddleware` shape, without the traceback). Every
//! other response passes through untouched.
//!
//! The panic is logged as `tracing::error!` with target `strata::panic`, fields
//! `request_id` (when a `request_id` layer ran outside this one) and `panic`
//! (the message, when the payload is a string), message `handler panicked`.
//! Rust's panic hook still prints its own report to stderr.
//!
//! A panic while the response *body* streams is not caught: the head has been
//! sent by then, and no status can be changed. Unlike tower-http's
//! `CatchPanic`, the response body type is the inner one, not a boxed body.

mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::CatchPanicLayer;
pub use service::CatchPanic;

use std::any::Any;

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::RequestId;
use crate::response::{APPLICATION_JSON, fixed};

fn internal_server_error<B: From<Bytes>>() -> Response<B> {
    fixed(
        StatusCode::INTERNAL_SERVER_ERROR,
        APPLICATION_JSON,
        r#"{"detail":"Internal server error"}"#,
    )
}

fn log_panic(request_id: Option<&RequestId>, payload: &(dyn Any + Send)) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    tracing::error!(
        target: "strata::panic",
        request_id = request_id.map(RequestId::as_str),
        panic = message,
        "handler panicked"
    );
}
