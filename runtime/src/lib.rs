//! strata's middlewares as concrete tower `Layer`/`Service` types.
//!
//! Every type here is what `#[strata::stack]` and `strata gen` emit: a layer
//! built from `'static` configuration that the compiler checked, a service,
//! and a concrete response future. Nothing on the request path is boxed: no
//! `dyn`, no `BoxFuture`; a middleware that can answer by itself (a refused
//! host, a CORS preflight, a caught panic) returns an enum future whose other
//! arm is the inner service's own future.
//!
//! Every service has the same shape as tower-http's:
//! `Service<Request<ReqBody>>` for any inner service answering
//! `Response<ResBody>`, with the inner error type passed through. Services
//! that write their own responses additionally need `ResBody: From<Bytes>`
//! (axum's `Body` qualifies). The exceptions are [`compression`] and [`body`],
//! which answer `Response<axum::body::Body>`.
//!
//! No header, path or other client input can make a middleware here panic.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod access_log;
pub mod body;
pub mod catch_panic;
pub mod compression;
pub mod cors;
pub mod custom;
pub mod env;
pub mod paths;
pub mod request_id;
pub mod short_circuit;
pub mod timing;
pub mod trusted_host;

mod response;
#[cfg(test)]
mod stack_tests;
#[cfg(test)]
mod test_util;

pub use request_id::RequestId;
