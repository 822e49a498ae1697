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
//! Cargo features: each middleware with dependencies of its own is a
//! feature, on by default (`jwt`, `session`, `api_key`, `compression`,
//! `compression_br`, `decompression`, `cors_regex`, `metrics`); `redis` and
//! `otel` are off by default. Without its feature a middleware's module is
//! absent. Apps set them on the facade `strata`, which forwards them here
//! and makes generated code that needs a missing one a compile error naming
//! it.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod access_log;
#[cfg(feature = "api_key")]
pub mod api_key;
pub mod block;
pub mod body;
pub mod body_limit;
pub mod catch_panic;
#[cfg(feature = "compression")]
pub mod compression;
pub mod concurrency_limit;
pub mod cors;
pub mod custom;
#[cfg(feature = "decompression")]
pub mod decompression;
pub mod env;
pub mod https_redirect;
#[cfg(feature = "jwt")]
pub mod jwt;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod paths;
pub mod proxy;
mod random;
pub mod rate_limit;
pub mod redirect_slashes;
#[cfg(feature = "redis")]
pub mod redis_backend;
pub mod request_id;
pub mod route;
pub mod scope;
pub mod security_headers;
#[cfg(feature = "session")]
pub mod session;
pub mod short_circuit;
pub mod stack;
pub mod timeout;
pub mod timing;
pub mod trace_context;
pub mod trusted_host;

mod response;
#[cfg(test)]
mod stack_tests;
#[cfg(test)]
mod test_util;

#[cfg(feature = "jwt")]
pub use jwt::Claims;
pub use proxy::ClientInfo;
pub use request_id::RequestId;
#[cfg(feature = "session")]
pub use session::Session;
pub use stack::Stack;
pub use trace_context::TraceContext;
