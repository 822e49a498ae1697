//! The reference: every middleware, every rule code, and how to test a stack.
//!
//! Each middleware has a page below: its options with their defaults (the
//! keys are the same in the attribute and in `stack.toml`), what a client
//! sees (statuses, headers, bodies), the rule codes it can trigger and an
//! example. The pages are listed outermost first, in the canonical order
//! (see [the order](crate#the-order)). Every option's default follows
//! Starlette unless the page says otherwise, and no middleware buffers a
//! body: streaming responses stream through the whole stack.
//!
//! | middleware | in one line |
//! | --- | --- |
//! | [`proxy`] | who the client is, behind trusted proxies (`X-Forwarded-*`, `Forwarded`) |
//! | [`request_id`] | an ID for every request: on the response, in the log, for handlers |
//! | [`trace_context`] | W3C `traceparent`: continue or start a trace |
//! | [`access_log`] | one `tracing` event per request, and a `request` span |
//! | [`metrics`] | Prometheus metrics, served at `/metrics` |
//! | [`trusted_host`] | 400 for a `Host` that is not yours |
//! | [`https_redirect`] | plain HTTP → 307 to HTTPS |
//! | [`security_headers`] | HSTS, `nosniff`, frame options, referrer policy, CSP |
//! | [`cors`] | Starlette's CORS: preflights answered, responses decorated |
//! | [`compression`] | gzip / deflate / br response bodies |
//! | [`catch_panic`] | a panic → 500 JSON |
//! | [`timeout`] | no response head in time → 503 (or 408, 504) |
//! | [`concurrency_limit`] | too many in flight → 503 at once |
//! | [`block`] | turn clients away by `User-Agent` |
//! | [`rate_limit`] | 429 over `requests` per `per`, per client or identity; memory or Redis |
//! | [`redirect_slashes`] | `/users/` → `/users` when only that one exists |
//! | [`decompression`] | inflate `Content-Encoding` request bodies |
//! | [`body_limit`] | 413 for a request body over `max` |
//! | [`session`] | signed-cookie or Redis sessions: [`Session`](crate::Session) |
//! | [`jwt`] | Bearer tokens verified: 401, or [`Claims`](crate::Claims) |
//! | [`api_key`] | a key from the environment: 403, or in |
//! | [`custom`] | your own tower `Layer`, placed by `before` / `after` |
//! | [`timing`] | `x-process-time` (and `Server-Timing`) |
//!
//! [`scopes`]: a different stack for `/api/*`, `/admin/*`, …, still one
//! static stack.
//!
//! # Path lists
//!
//! `public_paths`, `exempt_paths` and `exclude_paths` match a request's path
//! exactly, ignoring one trailing slash, case-sensitively; an entry ending
//! in `/*` matches the subtree (`/docs/*` matches `/docs` and `/docs/a/b`).
//! A pattern without a leading `/` is S0703.
//!
//! # Secrets and environment variables
//!
//! Secrets (session secret, JWT key, API keys, Redis URL) come from
//! environment variables named by `*_env` keys, read once when the
//! function runs. Every missing or unusable one is found before any layer is
//! built, and start-up stops with one error naming them all: a panic, or
//! `Err(`[`EnvError`](crate::EnvError)`)` from a function that returns
//! `Result<_, E>` with `E: From<strata::EnvError>`:
//!
//! ```text
//! strata: 2 environment variables cannot be used:
//!   - environment variable `JWT_SECRET` is not set (needed by `jwt.secret_env`)
//!   - environment variable `SESSION_SECRET` cannot be used by `session.secret_env`: the secret is shorter than 32 bytes; generate one with `openssl rand -base64 32`
//! ```
//!
//! # Rule codes
//!
//! Errors fail the build (a `compile_error!` spanned on the offending key or
//! value, with the fix; every error at once); warnings are deprecation
//! warnings from the macro and are printed by `strata check`. The same codes
//! come out of `strata check` and build.rs at `stack.toml:LINE:COL`.
//!
//! | code | level | condition |
//! | --- | --- | --- |
//! | S0101 | error | `cors`: `*` in `allow_origins` with `allow_credentials = true` (browsers reject it; Starlette silently reflects any origin instead) |
//! | S0102 | error | `cors`: `*` in `allow_headers`, `allow_methods` or `expose_headers` with credentials (browsers take it literally) |
//! | S0103 | error | `cors`: an origin that is not an origin (a path, a trailing `/`, a query, userinfo, no scheme, capitals, malformed) |
//! | S0104 | error | `cors`: `allow_origin_regex` does not compile (parsed alone and built as the runtime builds it, so `a)\|(.*` is refused) |
//! | S0105 | warning | `cors`: `"null"` allowed as an origin |
//! | S0106 | error | `cors`: an invalid method token or header name |
//! | S0107 | error | `cors`: with credentials, `allow_origin_regex` admits an origin nobody meant: `null`, `https://evil.invalid`, an intended origin with one `.` replaced (an unescaped dot), a host with something before its domain or after its end |
//! | S0201 | error | `session`: `same_site = "none"` without `https_only = true` |
//! | S0202 | error | `session`: a literal secret shorter than 32 bytes, or any literal secret outside the dev profile |
//! | S0301 | error | `security_headers`: `hsts.preload` without `include_subdomains` and `max_age ≥ 31536000` |
//! | S0302 | error | a header name or value strata would send is not a valid one: CSP, referrer and frame policies, `session` cookie name, path and domain, `request_id.header`, `api_key.header` |
//! | S0401 | error | `rate_limit`: zero requests or a zero window; `backend = "redis"` without `redis_url_env` |
//! | S0402 | error | `rate_limit.trusted_proxies` or `https_redirect.trust_forwarded_proto`: moved to [`proxy`] |
//! | S0403 | error | `rate_limit`: a key the client chooses (`header:…`); `"api_key"` / `"jwt:…"` without that auth layer |
//! | S0501 | error | `trusted_host`: an empty list, or a malformed pattern (a scheme, a path, a port, a misplaced `*`, an unbracketed IPv6) |
//! | S0601 | error | `jwt`: algorithm `none`; an HS* algorithm with a public key file, or RS*/ES* with a secret |
//! | S0602 | error | `jwt`: `leeway` over 300 seconds |
//! | S0603 | warning | `jwt`: `public_key_file` (an identity provider's key) without `audience` |
//! | S0701 | error | the same middleware twice; an unknown middleware or key (with "did you mean") |
//! | S0702 | error | an order constraint broken (`order = "as-written"`, `custom` placements), or a cycle among `custom` placements |
//! | S0703 | error | a path pattern without a leading `/`; a scope pattern with a `*` that is not a final `/*`, or with whitespace, a control character, `?` or `#` (it could never match) |
//! | S0704 | error | a value of the wrong type or outside its set, or a required key missing |
//! | S0801 | error | `compression`: `level` outside 1–9, an unknown algorithm, an `exclude_content_types` entry that is not `type/subtype` or `type/*`; `decompression`: an unknown algorithm or an empty list |
//! | S0901 | error | `proxy`: neither `trusted_proxies` nor `hops`, both, a malformed CIDR, a range that trusts every address (`0.0.0.0/0`), `hops` outside 1–255 |
//! | S1001 | error | `timeout` / `body_limit` / `concurrency_limit`: a zero or unparsable duration, size or count; a `timeout.status` other than 408, 503, 504 |
//! | S1101 | error | `metrics.path` inside `access_log.exclude_paths` (the scrapes would leave no trace) |
//!
//! ## The production audit: `strata check --deploy`
//!
//! Warnings with a code per finding, reported only by `strata check
//! --deploy` (never by a build or a plain `strata check`: in development
//! they are noise, not mistakes); `--deploy` exits 1 when any fires. Audit
//! the profile you ship: `strata check --deploy stack.toml --profile prod`.
//!
//! | code | finding |
//! | --- | --- |
//! | S1301 | no `trusted_host`: any Host is answered, and links built from it can be forged |
//! | S1302 | no HSTS: `security_headers` absent, `hsts = false`, or `hsts.max_age = 0` |
//! | S1303 | `session.https_only = false`: the cookie is `Secure` only on requests seen to come over HTTPS; one issued over plain HTTP travels in clear |
//! | S1304 | a secret written in the description (`session.secret`, which only the dev profile accepts) |
//! | S1305 | `cors` allows the `"null"` origin (replaces S0105's warning at the same place) |
//! | S1306 | `cors.allow_origin_regex` where a list of origins would do |
//! | S1307 | no `timeout` |
//! | S1308 | no `body_limit` |
//! | S1309 | `jwt` or `api_key` without a `rate_limit` keyed on the client's address to slow down guessing (a limit keyed on the verified identity runs after the auth layer and never counts a wrong credential) |
//! | S1310 | `https_redirect` without `trusted_host`: the redirect echoes any Host (reported instead of S1301) |
//! | S1311 | no `access_log` |
//! | S1312 | a development profile selected (`dev`, `development`, `local`, `test`) |
//! | S1313 | `metrics` is in the stack: its path answers anyone who reaches the app, outside every guard (route templates, traffic counts) |
//!
//! With scopes, S1302, S1307, S1308 and S1309 look at each branch: a `timeout`
//! in `/api/*` alone leaves the other paths without one, and a `rate_limit` in
//! `/api/*` does not guard the `api_key` of `/admin/*`; the finding names the
//! paths left out (`(on other paths, /admin/*)`).
//!
//! # Testing a stack
//!
//! A stack is a tower `Service`: drive it with `tower::ServiceExt::oneshot`,
//! the way axum apps are tested, and give each request what a server would:
//!
//! - a `Host` header (for `trusted_host`, `https_redirect`);
//! - the client's address (for `rate_limit`, `access_log`, `proxy`): either
//!   `ConnectInfo(addr)` in the request's extensions, or axum's
//!   `MockConnectInfo(addr)` as a layer **around the stack**
//!   (`MockConnectInfo(addr).layer(app())`; a `Router::layer(MockConnectInfo(..))`
//!   inside the function runs inside strata's layers, too late for them);
//!   without either, a `rate_limit` keyed on the address answers 500 and logs
//!   why;
//! - the environment variables the stack reads, set while the function
//!   builds it (`temp_env::with_vars`), since they are read then and only
//!   then.
//!
//! ```
//! use std::net::SocketAddr;
//!
//! use axum::body::Body;
//! use axum::extract::ConnectInfo;
//! use axum::extract::connect_info::MockConnectInfo;
//! use axum::http::{Request, StatusCode};
//! use axum::{Router, routing::get};
//! use tower::{Layer, ServiceExt};
//!
//! #[strata::stack(
//!     trusted_host(allowed_hosts = ["api.example.com"]),
//!     rate_limit(requests = 1, per = "1m"),
//!     api_key(keys_env = "DOC_TESTING_KEYS"),
//! )]
//! fn app() -> Router {
//!     Router::new().route("/", get(|| async { "hi" }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let stack = temp_env::with_var("DOC_TESTING_KEYS", Some("key-1,key-2"), app);
//! let client = SocketAddr::from(([203, 0, 113, 7], 50000));
//! let request = || {
//!     Request::get("/")
//!         .header("host", "api.example.com")
//!         .header("x-api-key", "key-2")
//!         .extension(ConnectInfo(client))
//!         .body(Body::empty())
//!         .unwrap()
//! };
//! let first = stack.clone().oneshot(request()).await.unwrap();
//! assert_eq!(first.status(), StatusCode::OK);
//! let second = stack.clone().oneshot(request()).await.unwrap();
//! assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
//!
//! // Or the address as a layer around the whole stack:
//! let stack = temp_env::with_var("DOC_TESTING_KEYS", Some("key-1"), app);
//! let wrapped = MockConnectInfo(client).layer(stack);
//! let request = Request::get("/").header("host", "api.example.com").body(Body::empty()).unwrap();
//! let response = wrapped.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::FORBIDDEN); // no key
//! # }
//! ```
//!
//! Over a real socket, serve it on port 0 (`strata::serve(listener, app())`
//! in a spawned task) and send requests with any HTTP client.

#[doc = include_str!("../docs/reference/proxy.md")]
pub mod proxy {}
#[doc = include_str!("../docs/reference/request_id.md")]
pub mod request_id {}
#[doc = include_str!("../docs/reference/trace_context.md")]
pub mod trace_context {}
#[doc = include_str!("../docs/reference/access_log.md")]
pub mod access_log {}
#[doc = include_str!("../docs/reference/metrics.md")]
pub mod metrics {}
#[doc = include_str!("../docs/reference/trusted_host.md")]
pub mod trusted_host {}
#[doc = include_str!("../docs/reference/https_redirect.md")]
pub mod https_redirect {}
#[doc = include_str!("../docs/reference/security_headers.md")]
pub mod security_headers {}
#[doc = include_str!("../docs/reference/cors.md")]
pub mod cors {}
#[doc = include_str!("../docs/reference/compression.md")]
pub mod compression {}
#[doc = include_str!("../docs/reference/catch_panic.md")]
pub mod catch_panic {}
#[doc = include_str!("../docs/reference/timeout.md")]
pub mod timeout {}
#[doc = include_str!("../docs/reference/concurrency_limit.md")]
pub mod concurrency_limit {}
#[doc = include_str!("../docs/reference/block.md")]
pub mod block {}
#[doc = include_str!("../docs/reference/rate_limit.md")]
pub mod rate_limit {}
#[doc = include_str!("../docs/reference/redirect_slashes.md")]
pub mod redirect_slashes {}
#[doc = include_str!("../docs/reference/decompression.md")]
pub mod decompression {}
#[doc = include_str!("../docs/reference/body_limit.md")]
pub mod body_limit {}
#[doc = include_str!("../docs/reference/session.md")]
pub mod session {}
#[doc = include_str!("../docs/reference/jwt.md")]
pub mod jwt {}
#[doc = include_str!("../docs/reference/api_key.md")]
pub mod api_key {}
#[doc = include_str!("../docs/reference/custom.md")]
pub mod custom {}
#[doc = include_str!("../docs/reference/timing.md")]
pub mod timing {}
#[doc = include_str!("../docs/reference/scopes.md")]
pub mod scopes {}
