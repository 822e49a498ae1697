//! strata: compile your HTTP middleware stack.
//!
//! Describe what the stack must do once, in `#[strata::stack(...)]` on the
//! function that builds your axum `Router`; strata checks it at compile time,
//! puts the layers in the one correct order and emits a statically typed,
//! zero-`dyn` tower stack.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//!
//! #[strata::stack(
//!     trusted_host(allowed_hosts = ["api.example.com", "localhost"]),
//!     cors(allow_origins = ["https://app.example.com"], allow_credentials = true),
//!     compression(minimum_size = 500),
//!     request_id,
//!     access_log,
//!     timing,
//! )]
//! fn app() -> Router {
//!     Router::new().route("/", get(|| async { "hi" }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
//!         std::net::SocketAddr,
//!     >(app());
//!     axum::serve(listener, service).await
//! }
//! ```
//!
//! Cargo features: `redis` (the Redis backends of `rate_limit` and
//! `session`) and `otel` (`trace_context` exports `access_log`'s request
//! span through `tracing-opentelemetry` 0.34 / `opentelemetry` 0.33 as a
//! server span, child of the incoming `traceparent`; install
//! `tracing_opentelemetry::layer()` in your subscriber).
//!
//! What handlers can extract: [`RequestId`], [`TraceContext`] (W3C trace and
//! span IDs, `traceparent()` for outgoing calls), [`ClientInfo`],
//! [`Session`], [`Claims`].

pub use strata_macros::stack;
pub use strata_runtime::Claims;
pub use strata_runtime::RequestId;
pub use strata_runtime::Session;
pub use strata_runtime::Stack;
pub use strata_runtime::TraceContext;
pub use strata_runtime::env::MissingEnv;
pub use strata_runtime::proxy::{ClientInfo, Scheme};

/// Serves `service` — a `#[strata::stack]` function's [`Stack`], or any axum
/// service — on `listener`, with each client's address available to the
/// stack (`ConnectInfo<SocketAddr>`, which `rate_limit` and `access_log`
/// read). The one-line form of
/// `axum::serve(listener, service.into_make_service_with_connect_info::<SocketAddr>())`.
///
/// ```no_run
/// # use axum::{routing::get, Router};
/// #[strata::stack(request_id, access_log)]
/// fn app() -> Router {
///     Router::new().route("/", get(|| async { "hi" }))
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// strata::serve(listener, app()).await
/// # }
/// ```
pub async fn serve<S>(listener: tokio::net::TcpListener, service: S) -> std::io::Result<()>
where
    S: tower_service::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let make = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(
        service,
    );
    axum::serve(listener, make).await
}

/// Brings in the stack module that build.rs generated with
/// `strata_codegen::Builder` (the prost-build convention): its `stack(app)`
/// and `try_stack(app)` functions.
#[macro_export]
macro_rules! include_stack {
    () => {
        include!(concat!(env!("OUT_DIR"), "/strata_stack.rs"));
    };
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name));
    };
}

#[doc(hidden)]
pub mod __private {
    //! What generated code names, by absolute path. Not a public API.
    pub use http;
    pub use strata_runtime as runtime;
    pub use tower::ServiceBuilder;
    pub use tower_service::Service;

    pub type Request = axum::extract::Request;
    pub type Router = axum::Router;
    pub type Response = axum::response::Response;
}
