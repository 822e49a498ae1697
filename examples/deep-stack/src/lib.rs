//! The deepest stack strata must build in debug and release (issue 11):
//! every built-in middleware plus 16 `custom` layers, 38 entries in all.
//! A user must never meet rustc's E0275 ("overflow evaluating the
//! requirement") however many layers they stack; `tests/deep_stack.rs`
//! builds this crate with `--release`, its binary (`src/main.rs`) included,
//! which serves the stack: so every layer's service and response future is
//! compiled, not only the function that builds the stack.

use axum::Router;
use axum::routing::get;
use http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1/32"]),
    request_id,
    access_log,
    trusted_host(allowed_hosts = ["localhost"]),
    https_redirect,
    security_headers,
    cors(allow_origins = ["https://app.example.com"]),
    compression,
    catch_panic,
    block(user_agent_prefixes = ["BadBot"]),
    rate_limit(requests = 100, per = "1m"),
    redirect_slashes,
    session(secret_env = "DEEP_SESSION_SECRET"),
    jwt(secret_env = "DEEP_JWT_SECRET", public_paths = ["/"]),
    api_key(keys_env = "DEEP_API_KEYS", public_paths = ["/"]),
    timing,
    timeout(request = "30s", request_body = "10s"),
    concurrency_limit(max_in_flight = 256),
    decompression,
    body_limit(max = "1MB"),
    metrics,
    trace_context,
    custom(name = "h1", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-1"), HeaderValue::from_static("1"))),
    custom(name = "h2", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-2"), HeaderValue::from_static("2"))),
    custom(name = "h3", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-3"), HeaderValue::from_static("3"))),
    custom(name = "h4", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-4"), HeaderValue::from_static("4"))),
    custom(name = "h5", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-5"), HeaderValue::from_static("5"))),
    custom(name = "h6", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-6"), HeaderValue::from_static("6"))),
    custom(name = "h7", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-7"), HeaderValue::from_static("7"))),
    custom(name = "h8", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-8"), HeaderValue::from_static("8"))),
    custom(name = "h9", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-9"), HeaderValue::from_static("9"))),
    custom(name = "h10", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-10"), HeaderValue::from_static("10"))),
    custom(name = "h11", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-11"), HeaderValue::from_static("11"))),
    custom(name = "h12", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-12"), HeaderValue::from_static("12"))),
    custom(name = "h13", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-13"), HeaderValue::from_static("13"))),
    custom(name = "h14", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-14"), HeaderValue::from_static("14"))),
    custom(name = "h15", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-15"), HeaderValue::from_static("15"))),
    custom(name = "h16", layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-deep-16"), HeaderValue::from_static("16"))),
)]
pub fn app() -> Router {
    Router::new().route("/", get(|| async { "deep" }))
}
