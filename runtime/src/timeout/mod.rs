//! `timeout`: the response head must arrive in time; a stalled request body
//! is cut off.
//!
//! What a client sees:
//!
//! - The inner service produces its response head within `request`: that
//!   response, untouched. The response *body* is not timed (a download or an
//!   event stream may take as long as it takes).
//! - It does not: at `request` after the call, the inner future is dropped
//!   (the handler stops at its next `.await`; its drop guards run) and the
//!   client gets `status` — `503 Service Unavailable` by default, or `504
//!   Gateway Timeout`, or `408 Request Timeout` — with
//!   `content-type: application/json` and `{"detail":"Request timed out"}`.
//!   A 408 also carries `Connection: close` (RFC 9110 §15.5.9).
//! - With `request_body`: when the handler reads the body and no frame
//!   arrives for `request_body`, its read fails, and whatever the handler
//!   answers then is replaced by `408 Request Timeout`,
//!   `{"detail":"Request body timed out"}`, `Connection: close`. The handler
//!   still runs its own error path (it is not dropped mid-way); the
//!   `request` deadline still bounds it.
//!
//! No `HandleErrorLayer` is needed: the service's error type is the inner
//! one, and the timeout is an ordinary response, so the layers outside
//! (CORS, request ID, access log) see and decorate it.
//!
//! Why not tower-http's `TimeoutLayer::with_status_code` and
//! `RequestBodyTimeoutLayer`: the first answers an empty body (no JSON
//! detail) and the second makes the body fail but leaves the answer to the
//! extractor, which axum turns into `400 Failed to buffer the request body`
//! — never a 408. The timer is the same (`tokio::time::Sleep`, pinned in the
//! future, no allocation).
//!
//! Needs a Tokio runtime with the time driver (as any tokio timer does).
//! The request body handed on is an `axum::body::Body`: the incoming one
//! unchanged (no allocation) unless `request_body` is set and the request
//! has a body.

mod body;
mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use body::{RequestBodyTimedOut, TimeoutBody};
pub use future::ResponseFuture;
pub use layer::TimeoutLayer;
pub use service::Timeout;

use std::cell::Cell;

use bytes::Bytes;
use http::header::CONNECTION;
use http::{HeaderValue, Response, StatusCode};

use crate::response::{APPLICATION_JSON, fixed};

std::thread_local! {
    /// Set by a [`TimeoutBody`] whose read stalled; taken by the
    /// [`ResponseFuture`] whose poll of the handler made that read (a handler
    /// reads its body while it is polled, on the thread polling it), so the
    /// body and the future share no allocation. A body read on another task
    /// still fails; the answer is then the handler's own.
    static BODY_STALLED: Cell<bool> = const { Cell::new(false) };
}

/// The answer when the response head is late.
fn timed_out<B: From<Bytes>>(status: StatusCode) -> Response<B> {
    let mut response = fixed(status, APPLICATION_JSON, r#"{"detail":"Request timed out"}"#);
    if status == StatusCode::REQUEST_TIMEOUT {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The answer when the request body stalled.
fn body_timed_out<B: From<Bytes>>() -> Response<B> {
    let mut response = fixed(
        StatusCode::REQUEST_TIMEOUT,
        APPLICATION_JSON,
        r#"{"detail":"Request body timed out"}"#,
    );
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
