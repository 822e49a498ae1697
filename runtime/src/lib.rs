//! strata's middlewares as concrete tower `Layer`/`Service` types.
//!
//! Every type here is what `#[strata::stack]` and `strata gen` emit: a layer
//! built from `'static` configuration that the compiler checked, a service,
//! and a concrete response future. Nothing on the request path is boxed: no
//! `dyn`, no `BoxFuture`; a middleware that can answer by itself (a refused
//! host, a CORS preflight, a caught panic, a 401/403/429) returns an enum
//! future whose other arm is the inner service's own future. The one
//! exception is a call to Redis by the Redis backends (cargo feature
//! `redis`): its future is boxed, as the `redis` crate's own command futures
//! are; the middleware's future around it stays a concrete type (see
//! `redis_backend`). A scope's switch (see [`scope`]) boxes only off the
//! path a strata stack takes: when a `custom` layer in an arm is not ready
//! at once, and for its own 400.
//!
//! Every service has the same shape as tower-http's:
//! `Service<Request<ReqBody>>` for any inner service answering
//! `Response<ResBody>`, with the inner error type passed through. Services
//! that write their own responses additionally need `ResBody: From<Bytes>`
//! (axum's `Body` qualifies). The exceptions are [`compression`] and [`body`],
//! which answer `Response<axum::body::Body>`, and [`redirect_slashes`], which
//! is no layer but the fallback of the app's axum `Router` (see [`route`]).
//!
//! No header, path or other client input can make a middleware here panic.
//!
//! Cargo features: each middleware is a feature named after it, on by
//! default (scopes are always there), as are
//! `compression_libdeflate`, `compression_br` and `cors_regex`; `redis` and
//! `otel` are off by default. Without its feature a middleware's module is
//! absent. Apps set them on the facade `strata`, which forwards them here
//! and makes generated code that needs a missing one a compile error naming
//! it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "access_log")]
pub mod access_log;
#[cfg(feature = "api_key")]
pub mod api_key;
#[cfg(feature = "block")]
pub mod block;
#[cfg(feature = "custom")]
pub mod body;
#[cfg(feature = "body_limit")]
pub mod body_limit;
#[cfg(feature = "catch_panic")]
pub mod catch_panic;
#[cfg(feature = "compression")]
pub mod compression;
#[cfg(feature = "concurrency_limit")]
pub mod concurrency_limit;
#[cfg(feature = "cors")]
pub mod cors;
#[cfg(feature = "custom")]
pub mod custom;
#[cfg(feature = "decompression")]
pub mod decompression;
pub mod env;
#[cfg(feature = "https_redirect")]
pub mod https_redirect;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod paths;
#[cfg(feature = "proxy")]
pub mod proxy;
#[cfg(any(feature = "request_id", all(feature = "session", feature = "redis")))]
mod random;
#[cfg(feature = "rate_limit")]
pub mod rate_limit;
#[cfg(feature = "redirect_slashes")]
pub mod redirect_slashes;
#[cfg(all(feature = "redis", any(feature = "rate_limit", feature = "session")))]
pub mod redis_backend;
#[cfg(feature = "request_id")]
pub mod request_id;
#[cfg(any(feature = "access_log", feature = "metrics", feature = "redirect_slashes"))]
pub mod route;
pub mod scope;
#[cfg(feature = "security_headers")]
pub mod security_headers;
#[cfg(feature = "session")]
pub mod session;
pub mod short_circuit;
pub mod stack;
#[cfg(feature = "timeout")]
pub mod timeout;
#[cfg(feature = "timing")]
pub mod timing;
#[cfg(feature = "trace_context")]
pub mod trace_context;
// Built with `proxy`, which parses hosts with it.
#[cfg(feature = "proxy")]
pub mod trusted_host;

mod response;
#[cfg(test)]
mod stack_tests;
#[cfg(test)]
mod test_util;

#[cfg(feature = "jwt")]
pub use jwt::Claims;
#[cfg(feature = "proxy")]
pub use proxy::ClientInfo;
#[cfg(feature = "request_id")]
pub use request_id::RequestId;
#[cfg(feature = "session")]
pub use session::Session;
pub use stack::Stack;
#[cfg(feature = "trace_context")]
pub use trace_context::TraceContext;
