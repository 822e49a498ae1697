#!/usr/bin/env python3
"""The apps of benches/compile_budget.sh (BENCHMARKS.md, section 12).

    python3 benches/compile_budget/gen.py ROOT WORK [STACKS [VARIANTS]]

writes one crate per app under WORK and WORK/apps.tsv (name, stack,
variant, entries), one app a line, in the order the script measures them:
variants interleaved, depth by depth.

Stacks:
  d04 ... d30   the first N middlewares of BUILTINS (in that order, each
                prefix a valid stack), then `custom` layers of tower-http's
                `SetResponseHeaderLayer` up to N: the construction of issue 11.
                d25 is the "every middleware" stack: every built-in (all
                guards, `proxy`, `metrics`) and three `custom` layers.
  i30           issue 11's stack: the first 14 built-ins and 16 `custom` layers.
  scoped        a stack with three scopes (benches/scope_build_time.sh's).

Variants, the same runtime layers and the same configuration in each, so
that what differs is how they are composed:
  strata   `#[strata::stack(...)]` on `fn app() -> Router`;
  hand     strata's runtime layers composed by hand, in strata's order, with
           one `tower::ServiceBuilder`, returned as `impl Service`; a custom
           layer is the `SetResponseHeaderLayer` alone (it keeps the body
           and error types, so a hand-written stack needs nothing around it);
  boxed    `hand` with a `BoxCloneService` between each two layers (the
           response body erased too: `Response<axum::body::Body>`).
  For `scoped`, `hand` is what an axum user writes: one router per scope
  with its own layers (`Router::layer`), merged, and the shared layers
  around the merged router; axum boxes each route there, so there is no
  separate `boxed` variant.

Every app has the same dependencies, so one target directory serves them
all and each dependency is built once.
"""

import os
import shutil
import sys

DEPTHS = [4, 8, 12, 16, 20, 25, 30]

PATHS = "rt::paths::PathList { exact: &[], subtrees: &[] }"
PUBLIC = 'rt::paths::PathList { exact: &["/public"], subtrees: &[] }'


class Middleware:
    """One built-in middleware: its attribute entry, and by hand, its
    `static` configuration and its layer (exactly what strata lowers it to)."""

    def __init__(self, name, entry, layer=None, statics="", env=None, hook=None, reads_route=False):
        self.name = name
        self.entry = entry
        self.layer = layer
        self.statics = statics
        self.env = env
        self.hook = hook
        self.reads_route = reads_route


def cors_policy(name, origin):
    return f"""static {name}: rt::cors::CorsPolicy = rt::cors::CorsPolicy {{
        allow_all_origins: false,
        origins: &["{origin}"],
        origin_regex: None,
        methods: &["GET"],
        allow_all_headers: false,
        headers: &["accept", "accept-language", "content-language", "content-type"],
        allow_credentials: false,
        allow_private_network: false,
        expose_headers: None,
        preflight_allow_methods: HeaderValue::from_static("GET"),
        preflight_allow_headers: Some(HeaderValue::from_static("accept, accept-language, content-language, content-type")),
        max_age: HeaderValue::from_static("600"),
    }};"""


CORS_APP = cors_policy("CORS", "https://app.example.com")

# In the order the depths take them; each prefix is a valid stack.
BUILTINS = [
    Middleware(
        "proxy",
        'proxy(trusted_proxies = ["127.0.0.1"])',
        "rt::proxy::ProxyLayer::new(&PROXY)",
        """static PROXY: rt::proxy::ProxyPolicy = rt::proxy::ProxyPolicy {
        trust: rt::proxy::Trust::Proxies(&[rt::proxy::Cidr {
            bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1],
            prefix: 128,
        }]),
        headers: rt::proxy::ForwardedHeaders::XForwarded,
    };""",
    ),
    Middleware(
        "request_id",
        "request_id",
        'rt::request_id::RequestIdLayer::new(HeaderName::from_static("x-request-id"))',
    ),
    Middleware(
        "access_log",
        "access_log",
        "rt::access_log::AccessLogLayer::new(&ACCESS_LOG_EXCLUDED)",
        f"static ACCESS_LOG_EXCLUDED: rt::paths::PathList = {PATHS};",
        reads_route=True,
    ),
    Middleware(
        "trusted_host",
        'trusted_host(allowed_hosts = ["localhost"])',
        "rt::trusted_host::TrustedHostLayer::new(&TRUSTED_HOSTS)",
        f"""static TRUSTED_HOSTS: rt::trusted_host::TrustedHostPolicy = rt::trusted_host::TrustedHostPolicy {{
        allow_any: false,
        exact: &["localhost"],
        suffixes: &[],
        www_redirect: true,
        exempt_paths: {PATHS},
    }};""",
    ),
    Middleware(
        "https_redirect",
        "https_redirect",
        "rt::https_redirect::HttpsRedirectLayer::new(&HTTPS_REDIRECT)",
        "static HTTPS_REDIRECT: rt::https_redirect::HttpsRedirectPolicy = rt::https_redirect::HttpsRedirectPolicy { status: 307 };",
    ),
    Middleware(
        "security_headers",
        "security_headers",
        "rt::security_headers::SecurityHeadersLayer::new(&SECURITY_HEADERS)",
        """static SECURITY_HEADERS: rt::security_headers::SecurityHeadersPolicy = rt::security_headers::SecurityHeadersPolicy {
        strict_transport_security: Some(HeaderValue::from_static("max-age=31536000")),
        content_type_options: Some(HeaderValue::from_static("nosniff")),
        frame_options: Some(HeaderValue::from_static("DENY")),
        referrer_policy: Some(HeaderValue::from_static("strict-origin-when-cross-origin")),
        content_security_policy: None,
    };""",
    ),
    Middleware(
        "cors",
        'cors(allow_origins = ["https://app.example.com"])',
        "rt::cors::CorsLayer::new(&CORS)",
        CORS_APP,
    ),
    Middleware(
        "compression",
        "compression",
        "rt::compression::CompressionLayer::new(500, 6, true, false, false)",
    ),
    Middleware("catch_panic", "catch_panic", "rt::catch_panic::CatchPanicLayer::new()"),
    Middleware(
        "block",
        'block(user_agent_prefixes = ["BadBot"])',
        "rt::block::BlockLayer::new(&BLOCK)",
        """static BLOCK: rt::block::BlockPolicy = rt::block::BlockPolicy {
        user_agent_prefixes: &["badbot"],
        status: 410,
        body: "{\\"detail\\":\\"Gone\\"}",
    };""",
    ),
    Middleware(
        "rate_limit",
        'rate_limit(requests = 100, per = "1m")',
        "rt::rate_limit::RateLimitLayer::new(&RATE_LIMIT)",
        f"""static RATE_LIMIT: rt::rate_limit::RateLimitPolicy = rt::rate_limit::RateLimitPolicy {{
        requests: 100,
        per: Duration::from_secs(60),
        key: rt::rate_limit::KeySource::ClientIp,
        exempt_paths: {PATHS},
        on_backend_error: rt::rate_limit::OnBackendError::Allow,
        max_keys: 1_000_000,
        limit_header: HeaderValue::from_static("100"),
    }};""",
    ),
    Middleware(
        "redirect_slashes",
        "redirect_slashes",
        hook="rt::redirect_slashes::RedirectSlashes::new(rt::redirect_slashes::SlashMode::Redirect).attach(router)",
    ),
    Middleware(
        "session",
        'session(secret_env = "BUDGET_SESSION")',
        "rt::session::SessionLayer::new(&SESSION, &session_secret, \"BUDGET_SESSION\").expect(\"BUDGET_SESSION\")",
        """static SESSION: rt::session::SessionPolicy = rt::session::SessionPolicy {
        cookie: "session",
        max_age: 1_209_600,
        path: "/",
        domain: None,
        same_site: rt::session::SameSite::Lax,
        https_only: true,
    };""",
        env=("session_secret", "BUDGET_SESSION"),
    ),
    Middleware(
        "jwt",
        'jwt(secret_env = "BUDGET_JWT", public_paths = ["/public"])',
        "rt::jwt::JwtLayer::with_secret(&JWT, &jwt_secret, \"BUDGET_JWT\").expect(\"BUDGET_JWT\")",
        f"""static JWT: rt::jwt::JwtPolicy = rt::jwt::JwtPolicy {{
        algorithms: &[rt::jwt::Algorithm::HS256],
        public_paths: {PUBLIC},
        leeway: 0,
        audience: None,
        issuer: None,
    }};""",
        env=("jwt_secret", "BUDGET_JWT"),
    ),
    Middleware(
        "api_key",
        'api_key(keys_env = "BUDGET_KEYS", public_paths = ["/public"])',
        "rt::api_key::ApiKeyLayer::new(&API_KEY, &api_keys, \"BUDGET_KEYS\").expect(\"BUDGET_KEYS\")",
        f"""static API_KEY: rt::api_key::ApiKeyPolicy = rt::api_key::ApiKeyPolicy {{
        header: HeaderName::from_static("x-api-key"),
        public_paths: {PUBLIC},
    }};""",
        env=("api_keys", "BUDGET_KEYS"),
    ),
    Middleware(
        "timing",
        "timing",
        'rt::timing::TimingLayer::new(HeaderName::from_static("x-process-time"), false)',
    ),
    Middleware(
        "timeout",
        'timeout(request = "10s", request_body = "5s")',
        "rt::timeout::TimeoutLayer::new(Duration::from_secs(10), StatusCode::SERVICE_UNAVAILABLE).request_body(Duration::from_secs(5))",
    ),
    Middleware(
        "concurrency_limit",
        "concurrency_limit(max_in_flight = 64)",
        "rt::concurrency_limit::ConcurrencyLimitLayer::new(64)",
    ),
    Middleware(
        "decompression",
        "decompression",
        "rt::decompression::DecompressionLayer::new(&DECOMPRESSION)",
        """static DECOMPRESSION: rt::decompression::DecompressionPolicy = rt::decompression::DecompressionPolicy {
        gzip: true,
        br: true,
        deflate: true,
        zstd: true,
        accept_encoding: HeaderValue::from_static("gzip, br, deflate, zstd, identity"),
    };""",
    ),
    Middleware("body_limit", 'body_limit(max = "1MB")', "rt::body_limit::BodyLimitLayer::new(1_000_000)"),
    Middleware(
        "metrics",
        "metrics",
        'rt::metrics::MetricsLayer::new("/metrics", METRICS_BUCKETS)',
        "static METRICS_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];",
        reads_route=True,
    ),
    Middleware("trace_context", "trace_context", "rt::trace_context::TraceContextLayer::new(true)"),
]

# strata's canonical order, outermost first (`strata explain`); custom layers
# sit just outside `timing`, in the order written.
CANONICAL = [
    "proxy", "request_id", "trace_context", "access_log", "metrics", "trusted_host",
    "https_redirect", "security_headers", "cors", "compression", "catch_panic", "timeout",
    "concurrency_limit", "block", "rate_limit", "decompression", "body_limit", "session",
    "jwt", "api_key", "custom", "timing", "redirect_slashes",
]


def custom(index):
    expr = (
        f'SetResponseHeaderLayer::overriding(HeaderName::from_static("x-custom-{index}"), '
        f'HeaderValue::from_static("{index}"))'
    )
    return Middleware("custom", f'custom(name = "c{index}", layer = {expr})', expr)


def stack_of(depth):
    builtins = BUILTINS[: min(depth, len(BUILTINS))]
    return builtins + [custom(i + 1) for i in range(depth - len(builtins))]


PRELUDE = """#![allow(unused_imports, dead_code, clippy::all)]
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::get;
use http::{HeaderName, HeaderValue, StatusCode};
use strata::runtime as rt;
use tower::{Layer, Service, ServiceBuilder};
use tower_http::set_header::SetResponseHeaderLayer;

/// The handler the incremental measurement edits (its string literal).
async fn handler() -> &'static str {
    "BUILD_MARK_0"
}
"""

ROUTES = """Router::new()
        .route("/", get(handler))
        .route("/public", get(|| async { "public" }))"""

SCOPED_ROUTES = """Router::new()
        .route("/", get(handler))
        .route("/api/items", get(|| async { "items" }))
        .route("/admin/stats", get(|| async { "stats" }))
        .route("/reports/daily", get(|| async { "daily" }))"""

# `BUDGET_TYPE_NAME=1 app` prints the lengths of the type names of the
# service and of its response future, and exits; `SERVE=1` serves it (never run: there so that the whole service,
# its futures included, is compiled as in a real server).
MAIN_STRATA = """
fn main() {
    if std::env::var_os("BUDGET_TYPE_NAME").is_some() {
        let service = app();
        println!("{} {}", std::any::type_name_of_val(&service).len(), future_type_name(&service).len());
        return;
    }
    if std::env::var_os("SERVE").is_some() {
        serve();
    }
}

/// The type of the future a request gets.
fn future_type_name<S: Service<Request>>(_: &S) -> &'static str {
    std::any::type_name::<S::Future>()
}

#[tokio::main]
async fn serve() {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    strata::serve(listener, app()).await.unwrap();
}
"""

MAIN_HAND = MAIN_STRATA.replace(
    "strata::serve(listener, app()).await.unwrap();",
    "let service = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(app());\n"
    "    axum::serve(listener, service).await.unwrap();",
)

SERVICE_TYPE = (
    "impl Service<Request, Response = Response, Error = Infallible, Future: Send + 'static> "
    "+ Clone + Send + 'static"
)

BOX_LAYER = """
/// A `BoxCloneService` between two layers, the response body erased too.
#[derive(Clone, Copy)]
struct BoxLayer;

type Boxed = tower::util::BoxCloneService<Request, Response, Infallible>;

impl<S> Layer<S> for BoxLayer
where
    S: Service<Request, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: axum::response::IntoResponse,
{
    type Service = Boxed;

    fn layer(&self, inner: S) -> Boxed {
        use tower::ServiceExt as _;
        Boxed::new(inner.map_response(axum::response::IntoResponse::into_response))
    }
}
"""


def strata_app(stack, routes=ROUTES, attribute=None):
    entries = attribute or ",\n    ".join(m.entry for m in stack)
    return (
        PRELUDE
        + f"""
#[strata::stack(
    {entries},
)]
fn app() -> Router {{
    {routes}
}}
"""
        + MAIN_STRATA
    )


def ordered(stack):
    """The stack in strata's order (custom layers keep the written order)."""
    return sorted(stack, key=lambda m: CANONICAL.index(m.name))


def hand_app(stack, boxed):
    layers = ordered(stack)
    statics = "\n    ".join(m.statics for m in layers if m.statics)
    env = "".join(
        f'    let {m.env[0]} = std::env::var("{m.env[1]}").expect("{m.env[1]}");\n' for m in layers if m.env
    )
    router = f"    let router: Router = {ROUTES};\n"
    if any(m.reads_route for m in layers):
        router += "    let router = router.route_layer(rt::route::RecordRouteLayer);\n"
    for m in layers:
        if m.hook:
            router += f"    let router = {m.hook};\n"
    calls = []
    for m in layers:
        if m.layer is None:
            continue
        if boxed:
            calls.append(".layer(BoxLayer)")
        calls.append(f".layer({m.layer})")
    chain = "\n        ".join(calls)
    result = "Boxed" if boxed else SERVICE_TYPE
    return (
        PRELUDE
        + (BOX_LAYER if boxed else "")
        + f"""
fn app() -> {result} {{
    {statics}
{env}{router}    ServiceBuilder::new()
        {chain}
        .service(router)
}}
"""
        + MAIN_HAND
    )


SCOPED_ATTRIBUTE = """request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"]),
    timeout(request = "30s"),
    scope("/api/*", jwt(secret_env = "BUDGET_JWT"), rate_limit(requests = 100, per = "1m", key = "jwt:sub")),
    scope("/admin/*", api_key(keys_env = "BUDGET_KEYS"), cors(allow_origins = ["https://admin.example.com"])),
    scope("/reports/*", timeout(request = "120s"), timing)"""

SCOPED_HAND = (
    PRELUDE
    + f"""
/// One router per scope, each with the layers of its branch (`strata
/// explain` of the strata variant), merged; the layers every branch shares
/// around the merged router.
fn app() -> {SERVICE_TYPE} {{
    {CORS_APP}
    {cors_policy("CORS_ADMIN", "https://admin.example.com")}
    static ACCESS_LOG_EXCLUDED: rt::paths::PathList = {PATHS};
    static JWT: rt::jwt::JwtPolicy = rt::jwt::JwtPolicy {{
        algorithms: &[rt::jwt::Algorithm::HS256],
        public_paths: {PATHS},
        leeway: 0,
        audience: None,
        issuer: None,
    }};
    static RATE_LIMIT: rt::rate_limit::RateLimitPolicy = rt::rate_limit::RateLimitPolicy {{
        requests: 100,
        per: Duration::from_secs(60),
        key: rt::rate_limit::KeySource::JwtClaim("sub"),
        exempt_paths: {PATHS},
        on_backend_error: rt::rate_limit::OnBackendError::Allow,
        max_keys: 1_000_000,
        limit_header: HeaderValue::from_static("100"),
    }};
    static API_KEY: rt::api_key::ApiKeyPolicy = rt::api_key::ApiKeyPolicy {{
        header: HeaderName::from_static("x-api-key"),
        public_paths: {PATHS},
    }};
    let jwt_secret = std::env::var("BUDGET_JWT").expect("BUDGET_JWT");
    let api_keys = std::env::var("BUDGET_KEYS").expect("BUDGET_KEYS");
    let timeout = |seconds| rt::timeout::TimeoutLayer::new(Duration::from_secs(seconds), StatusCode::SERVICE_UNAVAILABLE);
    let other: Router = Router::new()
        .route("/", get(handler))
        .layer(ServiceBuilder::new().layer(rt::cors::CorsLayer::new(&CORS)).layer(timeout(30)));
    let api: Router = Router::new().route("/api/items", get(|| async {{ "items" }})).layer(
        ServiceBuilder::new()
            .layer(rt::cors::CorsLayer::new(&CORS))
            .layer(timeout(30))
            .layer(rt::jwt::JwtLayer::with_secret(&JWT, &jwt_secret, "BUDGET_JWT").expect("BUDGET_JWT"))
            .layer(rt::rate_limit::RateLimitLayer::new(&RATE_LIMIT)),
    );
    let admin: Router = Router::new().route("/admin/stats", get(|| async {{ "stats" }})).layer(
        ServiceBuilder::new()
            .layer(rt::cors::CorsLayer::new(&CORS_ADMIN))
            .layer(timeout(30))
            .layer(rt::api_key::ApiKeyLayer::new(&API_KEY, &api_keys, "BUDGET_KEYS").expect("BUDGET_KEYS")),
    );
    let reports: Router = Router::new().route("/reports/daily", get(|| async {{ "daily" }})).layer(
        ServiceBuilder::new()
            .layer(rt::cors::CorsLayer::new(&CORS))
            .layer(timeout(120))
            .layer(rt::timing::TimingLayer::new(HeaderName::from_static("x-process-time"), false)),
    );
    let router = other.merge(api).merge(admin).merge(reports).route_layer(rt::route::RecordRouteLayer);
    ServiceBuilder::new()
        .layer(rt::request_id::RequestIdLayer::new(HeaderName::from_static("x-request-id")))
        .layer(rt::access_log::AccessLogLayer::new(&ACCESS_LOG_EXCLUDED))
        .service(router)
}}
"""
    + MAIN_HAND
)


def cargo_toml(name, root):
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
strata = {{ path = "{root}" }}
axum = {{ version = "0.8.9", default-features = false, features = ["tokio", "http1"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net"] }}
http = "1"
tower = {{ version = "0.5", features = ["util"] }}
tower-http = {{ version = "0.7.1", default-features = false, features = ["set-header"] }}
"""


def write_app(work, root, name, source):
    directory = os.path.join(work, name)
    os.makedirs(os.path.join(directory, "src"), exist_ok=True)
    with open(os.path.join(directory, "Cargo.toml"), "w") as out:
        out.write(cargo_toml(name, root))
    shutil.copy(os.path.join(root, "Cargo.lock"), os.path.join(directory, "Cargo.lock"))
    with open(os.path.join(directory, "src", "main.rs"), "w") as out:
        out.write(source)


def main():
    root, work = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else None
    variants = set(sys.argv[4].split(",")) if len(sys.argv) > 4 and sys.argv[4] else None
    # Builds every dependency once, before any app is measured.
    write_app(work, root, "dependencies", "fn main() {}\n")
    rows = []
    stacks = [(f"d{depth:02d}", stack_of(depth)) for depth in DEPTHS]
    # Issue 11's own stack: 14 built-in middlewares and 16 custom layers
    # (its release build once failed with E0275).
    stacks.append(("i30", BUILTINS[:14] + [custom(i + 1) for i in range(16)]))
    for label, stack in stacks:
        if only and label not in only:
            continue
        customs = sum(1 for m in stack if m.name == "custom")
        entries = f"{len(stack)} ({len(stack) - customs} built-in + {customs} custom)"
        for variant, source in [
            ("strata", strata_app(stack)),
            ("hand", hand_app(stack, boxed=False)),
            ("boxed", hand_app(stack, boxed=True)),
        ]:
            if variants and variant not in variants:
                continue
            name = f"{label}-{variant}"
            write_app(work, root, name, source)
            rows.append((name, label, variant, entries))
    if not only or "scoped" in only:
        for variant, source in [
            ("strata", strata_app([], SCOPED_ROUTES, SCOPED_ATTRIBUTE)),
            ("hand", SCOPED_HAND),
        ]:
            if variants and variant not in variants:
                continue
            name = f"scoped-{variant}"
            write_app(work, root, name, source)
            rows.append((name, "scoped", variant, "4 shared + 3 scopes"))
    with open(os.path.join(work, "apps.tsv"), "w") as out:
        for row in rows:
            out.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
