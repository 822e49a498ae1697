//! `body_limit`: a request body over `max` bytes is a 413.
//!
//! What a client sees:
//!
//! - A `Content-Length` over `max` (read from the body's exact size hint,
//!   which hyper derives from the header):
//!   `413 Content Too Large`, `content-type: application/json`,
//!   `{"detail":"Request body too large"}`, before the inner service is
//!   called: the handler never runs and the body is never read.
//! - A body of unknown size (chunked, or inflated by `decompression`): the
//!   handler reads it through a counter; the read that would pass `max`
//!   fails, and whatever the handler answers then (axum's extractors say
//!   `413 length limit exceeded` in plain text, a hand-written handler may
//!   say 400 or 500) is replaced by the same JSON 413. The handler still
//!   runs its own error path; it is not dropped mid-way.
//! - Anything else: untouched. A body of known size within `max` is handed
//!   on as it is (hyper already holds it to its `Content-Length`).
//!
//! axum's extractors (`Bytes`, `String`, `Json`, `Form`) apply their own
//! limit, `DefaultBodyLimit`, 2 MiB unless configured. With `max` above
//! that, it is switched off below this layer (`DefaultBodyLimit::disable()`),
//! so `max` is the one limit, with strata's 413; with `max` at or below it,
//! this layer always cuts first and axum's is left as it is. A
//! `DefaultBodyLimit` that the app sets on a router or route sits further in
//! and wins there, with axum's plain-text 413.
//!
//! Why not tower-http's `RequestBodyLimitLayer`: it answers a too-large
//! `Content-Length` with a plain-text 413, and for a streamed body it leaves
//! the answer to the extractor (axum's plain text, or a 400 from a
//! hand-written handler). It also wraps every body, so axum's router boxes
//! every request body once more; this layer wraps only bodies of unknown
//! size, which are boxed once (as `axum::body::Body`) and then not again.

mod body;
mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use body::LimitedBody;
pub use future::ResponseFuture;
pub use layer::BodyLimitLayer;
pub use service::BodyLimit;

use std::cell::Cell;

use bytes::Bytes;
use http::{Response, StatusCode};

use crate::response::{APPLICATION_JSON, fixed};

std::thread_local! {
    /// Set by a [`LimitedBody`] whose read went over the limit; taken by the
    /// [`ResponseFuture`] whose poll of the handler made that read. A handler
    /// reads its body while it is polled, on the thread polling it, so one
    /// bit passes from the body to the future without an allocation shared
    /// between them. (A body read on another task is still cut at `max`; the
    /// answer is then the handler's own, axum's plain-text 413.)
    static WENT_OVER: Cell<bool> = const { Cell::new(false) };
}

fn too_large<B: From<Bytes>>() -> Response<B> {
    fixed(
        StatusCode::PAYLOAD_TOO_LARGE,
        APPLICATION_JSON,
        r#"{"detail":"Request body too large"}"#,
    )
}
