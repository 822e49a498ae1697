//! `concurrency_limit`: load shedding. At most `max_in_flight` requests are
//! inside at once; the next one is refused at once, never queued.
//!
//! What a client sees:
//!
//! - Under the limit: the inner service's response, untouched.
//! - At the limit: `503 Service Unavailable`, `content-type:
//!   application/json`, `{"detail":"Server busy"}`, `Retry-After: 1`,
//!   immediately (a try-acquire, no waiting). The inner service is not
//!   called.
//!
//! A request counts from the call until its response head is produced, or
//! until its response future is dropped (a `timeout` outside fired, or the
//! client went away): the same span as tower's `ConcurrencyLimit`. A
//! response body that streams after its head (a download, an event stream)
//! no longer counts: its handler has returned, and holding a slot for it
//! would let a few slow readers or long-lived streams lock everyone else
//! out. It also keeps the response body the inner service's own, unboxed.
//!
//! The count is shared by every clone of the layer and of the services built
//! from it (one per connection under `axum::serve`): one limit per stack
//! built. Unlike tower's `ConcurrencyLimit` + `LoadShed`, there is no error
//! to map: the 503 is an ordinary response that the layers outside (CORS,
//! request ID, access log) decorate.

mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::ConcurrencyLimitLayer;
pub use service::ConcurrencyLimit;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderValue, Response, StatusCode};

use crate::response::{APPLICATION_JSON, fixed};

/// The requests inside, and how many may be.
#[derive(Debug)]
struct InFlight {
    count: AtomicUsize,
    max: usize,
}

impl InFlight {
    /// A slot, if one is free; never waits.
    fn try_acquire(this: &Arc<Self>) -> Option<Permit> {
        let mut current = this.count.load(Ordering::Relaxed);
        loop {
            if current >= this.max {
                return None;
            }
            // A compare-exchange, not an add-then-undo: a refused request
            // never makes the count look higher to an admitted one.
            match this
                .count
                .compare_exchange_weak(current, current + 1, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => return Some(Permit(Arc::clone(this))),
                Err(actual) => current = actual,
            }
        }
    }
}

/// One request's slot, given back when dropped.
#[derive(Debug)]
struct Permit(Arc<InFlight>);

impl Drop for Permit {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::Release);
    }
}

fn server_busy<B: From<Bytes>>() -> Response<B> {
    let mut response = fixed(
        StatusCode::SERVICE_UNAVAILABLE,
        APPLICATION_JSON,
        r#"{"detail":"Server busy"}"#,
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}
