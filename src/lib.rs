//! strata: compile your HTTP middleware stack.
//!
//! Describe once what your axum app's stack must do — trusted hosts, CORS,
//! compression, request IDs, access logs, rate limits, sessions, JWT / API
//! key auth, timeouts, your own tower layers — in `#[strata::stack(...)]` on
//! the function that builds your `Router` (or in a `stack.toml`). strata
//! checks the description at compile time, puts the layers in the one
//! correct order and emits a statically typed, zero-`dyn` tower stack.
//!
//! This page is the overview: the quick start, the syntax, which functions
//! the attribute accepts, the order. [`reference`](mod@reference) has one page per
//! middleware (its options with their defaults, what a client sees, the rule
//! codes it can trigger, an example), every rule code, and the recipe for
//! testing a stack; [`runtime`] holds the layer and service types the stack
//! is made of.
//!
//! # Quick start
//!
//! With `strata = "0.1"`, `axum = "0.8"` and `tokio` (features `macros`,
//! `rt-multi-thread`, `net`) in `[dependencies]`:
//!
//! ```no_run
//! use axum::{Router, routing::get};
//!
//! #[strata::stack(
//!     trusted_host(allowed_hosts = ["api.example.com", "*.example.com", "localhost"]),
//!     cors(allow_origins = ["https://app.example.com"], allow_credentials = true),
//!     compression(minimum_size = 500),
//!     request_id,
//!     access_log,
//!     catch_panic,
//!     timing,
//! )]
//! fn app() -> Router {
//!     Router::new().route("/", get(|| async { "hi" }))
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     strata::serve(listener, app()).await // or axum::serve(listener, app())
//! }
//! ```
//!
//! The function keeps its name, visibility and parameters; it now returns a
//! [`Stack`]: the compiled stack around what the body built. [`serve`] (or
//! `axum::serve`, which takes a `Stack` as it takes a `Router`) serves it
//! with each client's address, which `rate_limit`, `access_log` and `proxy`
//! read. In tests, call it with `tower::ServiceExt::oneshot` (see
//! [Testing a stack](crate::reference#testing-a-stack)).
//!
//! Write the entries in any order: strata sorts them (see [The
//! order](#the-order)). Write a mistake and the build fails on the
//! offending token with a rule code and the fix, every mistake at once:
//!
//! ```text
//! error: S0101: `cors.allow_origins` allows any origin ("*") together with `allow_credentials = true`
//!        help: list the exact origins, e.g. allow_origins = ["https://app.example.com"], or use allow_origin_regex
//!  --> src/main.rs:6:27
//!   |
//! 6 |     cors(allow_origins = ["*"], allow_credentials = true),
//!   |                           ^^^
//! ```
//!
//! ```compile_fail
//! # use axum::Router;
//! #[strata::stack(cors(allow_origins = ["*"], allow_credentials = true))]
//! fn app() -> Router {
//!     Router::new()
//! }
//! # fn main() {}
//! ```
//!
//! # The attribute
//!
//! `#[strata::stack(ENTRY, ENTRY, ...)]`, where each entry is
//!
//! | form | meaning | TOML |
//! | --- | --- | --- |
//! | `name` | the middleware with its defaults | `[name]` |
//! | `name(key = value, ...)` | the middleware with options | `[name]` `key = value` |
//! | `key = [a, b]` | an array | `key = [a, b]` |
//! | `key(inner = 1, ...)` | an inline table | `key = { inner = 1 }` |
//! | `custom(layer = EXPR, ...)` | your tower `Layer`, `EXPR` any Rust expression of at most 512 tokens (rustc parses it) | `[[custom]]` `layer = "EXPR"` |
//! | `order = "as-written"` (first) | keep the written order and check it instead of sorting | `[stack]` `order = "as-written"` |
//! | `file = "stack.toml", profile = "prod"` (alone) | read the description from a file at compile time (cargo feature `toml`) | — |
//!
//! Values are written as in TOML: strings `"..."`, integers, `true` /
//! `false`, arrays `[...]`. Durations are strings of a whole number and a
//! unit (`"500ms"`, `"30s"`, `"1m"`, `"1h"`, `"1d"`), sizes a string or a
//! number of bytes (`"2MB"`, `"512KiB"`, `1048576`). An unknown middleware or key is S0701 with a
//! "did you mean"; a value of the wrong type S0704. The middlewares and
//! their keys are listed in [`reference`](mod@reference).
//!
//! ```
//! use axum::{Router, routing::get};
//!
//! #[strata::stack(
//!     security_headers(hsts(max_age = 31536000, include_subdomains = true), frame_options = "SAMEORIGIN"),
//!     cors(allow_origins = ["https://app.example.com"], allow_methods = ["GET", "POST"]),
//!     request_id(header = "x-correlation-id"),
//!     custom(name = "concurrency", layer = tower::limit::ConcurrencyLimitLayer::new(64), after = "cors"),
//! )]
//! fn app() -> Router {
//!     Router::new().route("/", get(|| async { "hi" }))
//! }
//! # fn main() { let _ = app(); }
//! ```
//!
//! ## The same stack in `stack.toml`
//!
//! ```toml
//! [stack]
//! order = "canonical"      # or "as-written"
//!
//! [security_headers]
//! hsts = { max_age = 31536000, include_subdomains = true }
//! frame_options = "SAMEORIGIN"
//!
//! [cors]
//! allow_origins = ["https://app.example.com"]
//! allow_methods = ["GET", "POST"]
//!
//! [request_id]
//! header = "x-correlation-id"
//!
//! [[custom]]
//! name = "concurrency"
//! layer = "tower::limit::ConcurrencyLimitLayer::new(64)"
//! after = "cors"
//!
//! [profile.dev]
//! security_headers = false                      # remove a middleware
//! cors.allow_origins = ["http://localhost:3000"] # override one key
//! ```
//!
//! Without a profile the base tables are used; `[profile.NAME]` merges key
//! by key into them when that profile is named (`name = false` removes a
//! middleware, `name = true` adds it with its defaults). Three ways to use
//! the file, all giving the same stack and the same diagnostics (at
//! `stack.toml:LINE:COL`):
//!
//! - `#[strata::stack(file = "stack.toml", profile = "dev")]` on the
//!   function (the path is relative to `CARGO_MANIFEST_DIR`; editing the
//!   file rebuilds the crate);
//! - build.rs, the prost-build convention:
//!   `strata_codegen::Builder::new().file("stack.toml").profile("prod").compile()?`,
//!   then [`include_stack!`]`()` in the crate, which brings in
//!   `stack(app)` (panics naming any missing environment variable) and
//!   `try_stack(app)` (returns them all as `Err(`[`EnvError`]`)`);
//! - `strata gen stack.toml -o src/stack.rs` (the `strata` CLI): the same
//!   module, checked in; `strata gen --check` fails when it is stale.
//!
//! The CLI also runs `strata check` (every diagnostic, or JSON),
//! `strata explain` (the onion and why each layer sits where it does),
//! `strata init` and `strata schema` (JSON Schema for editors).
//!
//! # Functions the attribute accepts
//!
//! A free function that returns the inner service, usually an axum
//! `Router`:
//!
//! | the function | what it becomes |
//! | --- | --- |
//! | `fn app() -> Router` | `fn app() -> Stack<impl Service<..>>` |
//! | `async fn app() -> Router` | `async fn app() -> Stack<..>`: the body may await (connect to a database, read a config) |
//! | `fn app(state: AppState, tag: HeaderValue) -> Router` | the same parameters; each is usable **by value** in `custom(layer = ...)` expressions: the layers are built before the body runs, and the body receives only the parameters it mentions |
//! | `fn app<S: Store>(store: S) -> Router` | generic, and `impl Trait` parameters too; then every parameter goes to the body, so a layer expression clones what it uses (`custom(layer = MyLayer::new(store.clone()))`) |
//! | `fn app() -> Result<Router, E>` | `Result<Stack<..>, E>`, where `E: From<`[`EnvError`]`>`: a missing or unusable environment variable is an `Err` listing them all instead of a panic (with `?` in the body, `E` may be your own error type) |
//!
//! Rules of the road:
//!
//! - A `Router<AppState>` still needs its state: end the body with
//!   `.with_state(state)` and return `Router` (that is, `Router<()>`); the
//!   attribute says so, spanned on the type, if you forget.
//! - `redirect_slashes` needs the function to return a `Router` (it
//!   installs the router's fallback); every other middleware wraps any
//!   `Service<Request, Response = Response, Error = Infallible> + Clone + Send`.
//! - Parameters are plain names (no patterns), and methods (`self`) are not
//!   accepted.
//! - Environment variables named by `*_env` keys are read when the function
//!   runs, all of them before any layer is built: a missing one panics with a
//!   message naming every problem, or is the `Err` of a `Result` function.
//!
//! ```
//! use axum::extract::State;
//! use axum::http::{HeaderName, HeaderValue};
//! use axum::{Router, routing::get};
//! use tower_http::set_header::SetResponseHeaderLayer;
//!
//! #[derive(Clone)]
//! struct AppState {
//!     greeting: &'static str,
//! }
//!
//! #[strata::stack(
//!     request_id,
//!     jwt(secret_env = "DOC_SIGNATURES_JWT_SECRET", public_paths = ["/"]),
//!     custom(layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-version"), version)),
//! )]
//! async fn app(state: AppState, version: HeaderValue) -> Result<Router, strata::EnvError> {
//!     Ok(Router::new()
//!         .route("/", get(|State(state): State<AppState>| async move { state.greeting }))
//!         .with_state(state))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let error = app(AppState { greeting: "hi" }, HeaderValue::from_static("1.2.0")).await.err().unwrap();
//! assert!(error.to_string().contains("DOC_SIGNATURES_JWT_SECRET"));
//! # }
//! ```
//!
//! A generic function:
//!
//! ```
//! use axum::{Router, routing::get};
//!
//! trait Greeter: Clone + Send + Sync + 'static {
//!     fn greet(&self) -> String;
//! }
//!
//! #[strata::stack(request_id, timing)]
//! fn app<G: Greeter>(greeter: G) -> Router {
//!     Router::new().route("/", get(move || async move { greeter.greet() }))
//! }
//! # #[derive(Clone)] struct Hello;
//! # impl Greeter for Hello { fn greet(&self) -> String { "hello".into() } }
//! # fn main() { let _ = app(Hello); }
//! ```
//!
//! # What handlers get
//!
//! Axum extractors (and request extensions) published by the middlewares:
//!
//! | type | from | |
//! | --- | --- | --- |
//! | [`RequestId`] | `request_id` | the request's ID, as on the response and in the log |
//! | [`Session`] | `session` | `get`, `insert`, `remove`, `clear`, `renew`; saved when the response leaves the session layer |
//! | [`Claims`] | `jwt` | the verified claims: `subject()`, `get::<T>(name)`, `deserialize::<T>()` |
//! | [`ClientInfo`] | `proxy` (else the connection) | the client's `ip`, `scheme` and `host` |
//! | [`TraceContext`] | `trace_context` | the W3C trace: `trace_id()`, `traceparent()` and `tracestate()` to send on outgoing calls |
//!
//! All but `ClientInfo` exist only on requests their middleware ran on (in
//! a scoped stack, only on the paths of the scopes that have it): elsewhere
//! the handler is not run and the client gets `Claims`' 401, or a `500`
//! naming the missing middleware (`strata: no trace_context middleware in
//! the stack`). Take `Option<T>` on a route that works with and without it.
//!
//! # The order
//!
//! Declaration order never decides correctness. strata sorts the layers by
//! rank, outermost (first to see the request) first:
//!
//! ```text
//! proxy → request_id → trace_context → access_log → metrics → trusted_host →
//! https_redirect → security_headers → cors → compression → catch_panic → timeout →
//! concurrency_limit → block → rate_limit → decompression → body_limit → session →
//! jwt / api_key → (rate_limit keyed on an identity) → custom → timing → app
//! ```
//!
//! (`redirect_slashes` is not a layer: it is the `Router`'s fallback, where
//! routing fails.) Why, in one line each: every layer that reads the
//! client's address, scheme or host sees the resolved ones; the ID exists
//! before anything can answer; the log sees every answer, rejections
//! included; bad hosts are refused before any work and before a redirect
//! echoes the Host; CORS sits outside everything that can answer with an
//! error, so 401/403/429/500 keep their CORS headers and preflights never
//! hit auth or limits; compression wraps all bodies; panics become 500s that
//! still get CORS headers, the ID and a log line; timeouts and load shedding
//! answer before work is spent; limits guard auth from brute force; the body
//! limit counts inflated bytes; the session exists before auth reads it;
//! timing innermost measures the handler.
//!
//! With `order = "as-written"` strata keeps your order and enforces the hard
//! constraints instead, each broken one an S0702 error naming both entries:
//! `proxy` outside `trusted_host`, `https_redirect`, `rate_limit`,
//! `access_log`, `metrics`, `session`; `trusted_host` outside `https_redirect`;
//! `request_id` and `trace_context` outside `access_log`; `cors` outside
//! `rate_limit`, `jwt`, `api_key`, `block`, `catch_panic`, `timeout`,
//! `concurrency_limit`, `decompression`, `body_limit`; `decompression`
//! outside `body_limit`; `session` outside `jwt` and any
//! `custom(reads_session = true)`; `jwt` / `api_key` outside a `rate_limit`
//! keyed on the identity they verify. `custom` entries are placed by their
//! `before` / `after` (a cycle is an error naming it).
//!
//! # Cargo features
//!
//! As in tower-http, every middleware is a cargo feature named after it,
//! so an app compiles only what its stack uses. The defaults turn
//! on all of them, and every option feature below but `redis` and `otel`;
//! to trim a build, turn the defaults off and list what the stack needs:
//!
//! ```toml
//! [dependencies]
//! # cors, compression and request_id: no JWT, HMAC, RSA, Redis, regex, TOML
//! # or C library is built, nor any other middleware.
//! strata = { version = "0.1", default-features = false, features = ["cors", "compression", "request_id"] }
//! ```
//!
//! The middleware features are `proxy`, `trusted_host`, `https_redirect`,
//! `request_id`, `trace_context`, `access_log`, `metrics`,
//! `security_headers`, `cors`, `compression`, `catch_panic`, `timeout`,
//! `concurrency_limit`, `block`, `rate_limit`, `decompression`,
//! `body_limit`, `session`, `jwt`, `api_key`, `timing`,
//! `redirect_slashes` and `custom`. Those with dependencies of their own,
//! and the features of options:
//!
//! | feature | default | what needs it | what it builds |
//! | --- | --- | --- | --- |
//! | `jwt` | on | `jwt`, `rate_limit(key = "jwt:CLAIM")` | `jsonwebtoken` with its RustCrypto backends (RSA, ECDSA, EdDSA, HMAC) |
//! | `session` | on | `session` | `hmac`, `sha2`, `base64`, `serde_json` |
//! | `api_key` | on | `api_key`, `rate_limit(key = "api_key")` | `sha2`, `subtle` |
//! | `compression` | on | `compression` (gzip, deflate) | `async-compression` with `flate2` (its default backend, miniz_oxide) |
//! | `compression_libdeflate` | on | nothing: a faster backend for `compression` | `libdeflater` (libdeflate, C): bodies that are all in memory are compressed in one call: 0.25× the instructions of a new flate2 encoder (tower-http's) on a 2 KB body; without it, flate2's encoder kept per thread and reset: 0.80× |
//! | `compression_br` | on | `compression(algorithms = ["br"])` | `brotli` (through `async-compression`) |
//! | `decompression` | on | `decompression` | `async-compression`: gzip, deflate, brotli, zstd |
//! | `cors_regex` | on | `cors(allow_origin_regex = ...)` | `regex-automata`, at run time and in the macro's checks |
//! | `request_id` | on | `request_id` (and `access_log`, `catch_panic`, which report it) | `uuid` (formatting), `getrandom` |
//! | `trace_context` | on | `trace_context` (and `access_log`) | `fastrand` |
//! | `access_log`, `metrics`, `redirect_slashes` | on | themselves | axum's `matched-path` feature |
//! | `access_log`, `catch_panic`, `custom`, `rate_limit`, `jwt`, `session`, `metrics`, `redirect_slashes` | on | themselves | `tracing`, which they log through (a stack of none of them builds no `tracing`) |
//! | `redis` | off | `rate_limit(backend = "redis")`, `session(store = "redis")` | `redis` |
//! | `otel` | off | — (`trace_context` exports its span) | `opentelemetry`, `tracing-opentelemetry`: `access_log`'s `request` span is exported as a server span whose parent is the incoming `traceparent` |
//! | `toml` | on | `#[strata::stack(file = "stack.toml")]` | the TOML parser (`toml`) in the macro; build.rs and the CLI read the file with `strata-codegen`'s own |
//!
//! The extractors follow their middleware's feature: [`RequestId`] with
//! `request_id`, [`TraceContext`] with `trace_context`, [`ClientInfo`] with
//! `proxy` (it works without the middleware in the stack, reading the
//! connection), [`Claims`] with `jwt`, [`Session`] with `session`. A stack
//! that uses a middleware or option whose feature is off does not compile,
//! and the error names the feature, on the name that needs it:
//!
//! ```text
//! error: strata: `jwt` needs strata's cargo feature `jwt`, which is off
//!        help: add it to strata's features in Cargo.toml: strata = { version = "...", features = ["jwt"] }
//!   --> src/main.rs:14:5
//!    |
//! 14 |     jwt(secret_env = "JWT_SECRET"),
//!    |     ^^^
//! ```
//!
//! The module that `strata gen` and build.rs generate asks for the same
//! features, at the line that needs each.
pub mod reference;

mod features;

/// The middlewares' tower types (`strata-runtime`), as the stack uses
/// them: one module per middleware, each with a `…Layer`, its service, its
/// response future and a module page on what a client sees. Apps rarely
/// name them: `#[strata::stack]` builds them. Handy for reading, for naming
/// a policy type, or for composing a layer by hand.
#[doc(inline)]
pub use strata_runtime as runtime;

pub use strata_macros::stack;
#[cfg(feature = "jwt")]
pub use strata_runtime::Claims;
#[cfg(feature = "request_id")]
pub use strata_runtime::RequestId;
#[cfg(feature = "session")]
pub use strata_runtime::Session;
pub use strata_runtime::Stack;
#[cfg(feature = "trace_context")]
pub use strata_runtime::TraceContext;
pub use strata_runtime::env::{EnvError, MissingEnv};
#[cfg(feature = "proxy")]
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
