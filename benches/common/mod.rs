//! What every bench target shares: the app, its four stacks, the requests,
//! and a runner that sends one request the way `axum::serve` does (a clone
//! of the service per request, `oneshot`, then the body drained).
//!
//! Included with `mod common;` by each bench target, so not every target
//! uses every item.
#![allow(dead_code)]

pub mod depth;
pub mod handwritten;
pub mod observability;
pub mod origins;
pub mod scopes;

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::body::HttpBody;
use axum::extract::ConnectInfo;
use axum::routing::get;
use bytes::Bytes;
use http::header::{
    ACCEPT, ACCEPT_ENCODING, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, HOST, ORIGIN,
};
use http::{HeaderValue, Method, Request, Response};
use http_body_util::BodyExt;
use tower::{Service, ServiceExt};

/// The client's address: every request comes from it.
pub const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)), 50123);

/// The origin the app's browser page is served from.
pub const APP_ORIGIN: &str = "https://app.example.com";

/// The app's one route: a 2 KB JSON document, the same bytes every time, so
/// what differs between the variants is the stack, not the handler.
pub static JSON_2KB: LazyLock<&'static str> = LazyLock::new(|| {
    let mut items = Vec::new();
    let mut len = 2;
    let mut id = 0;
    while len < 2048 - 60 {
        let item = format!("{{\"id\":{id},\"name\":\"item number {id}\",\"tags\":[\"a\",\"b\"]}}");
        len += item.len() + 1;
        items.push(item);
        id += 1;
    }
    Box::leak(format!("[{}]", items.join(",")).into_boxed_str())
});

/// The router every variant wraps: `bare` is this alone.
pub fn router() -> Router {
    Router::new().route(
        "/",
        get(|| async {
            (
                [(CONTENT_TYPE, "application/json")],
                Bytes::from_static(JSON_2KB.as_bytes()),
            )
        }),
    )
}

/// The three requests of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `GET /` from the app's page: `Origin`, `Accept-Encoding: gzip`; 2 KB JSON back.
    Simple,
    /// The same without `Accept-Encoding`: nothing to compress, so what is
    /// left is the cost of the layers (gzip dwarfs it in `Simple`).
    Identity,
    /// The browser's CORS preflight for a credentialed `POST` with two headers.
    Preflight,
    /// `GET /` naming a host the app does not serve.
    BadHost,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Simple, Kind::Identity, Kind::Preflight, Kind::BadHost];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Simple => "simple",
            Kind::Identity => "identity",
            Kind::Preflight => "preflight",
            Kind::BadHost => "bad_host",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The request, from `origin`.
    pub fn request_from(self, origin: &'static str) -> Request<Body> {
        let origin = HeaderValue::from_static(origin);
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = http::Uri::from_static("/");
        // What `into_make_service_with_connect_info::<SocketAddr>()` adds.
        request.extensions_mut().insert(ConnectInfo(CLIENT));
        if self == Kind::Preflight {
            *request.method_mut() = Method::OPTIONS;
        }
        let headers = request.headers_mut();
        match self {
            Kind::Simple | Kind::Identity | Kind::BadHost => {
                let host = if self == Kind::BadHost {
                    "evil.test"
                } else {
                    "api.example.com"
                };
                headers.insert(HOST, HeaderValue::from_static(host));
                headers.insert(ORIGIN, origin);
                headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
                if self != Kind::Identity {
                    headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
                }
            }
            Kind::Preflight => {
                headers.insert(HOST, HeaderValue::from_static("api.example.com"));
                headers.insert(ORIGIN, origin);
                headers.insert(ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("POST"));
                headers.insert(
                    ACCESS_CONTROL_REQUEST_HEADERS,
                    HeaderValue::from_static("authorization, content-type"),
                );
            }
        }
        request
    }

    pub fn request(self) -> Request<Body> {
        self.request_from(APP_ORIGIN)
    }
}

/// How much of the exchange is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Until the response head: what the middleware itself costs.
    Head,
    /// Head and the whole body drained: what serving the request costs
    /// (includes gzip for `simple`).
    Full,
}

impl Mode {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "head" => Some(Mode::Head),
            "full" => Some(Mode::Full),
            _ => None,
        }
    }
}

/// Access logs go to a subscriber that is installed but enables nothing, as
/// in production with the level above `info`; both `strata`'s `access_log`
/// and tower-http's `TraceLayer` then cost a cached "disabled" check.
pub fn install_disabled_subscriber() {
    let _ = tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::new());
}

/// One request as `axum::serve` (hyper-util's `TowerToHyperService`) sends
/// it: clone the service, `oneshot`, then read the body when `mode` says so.
/// Returns the number of body bytes read, so nothing is optimised away.
pub async fn send<S, B>(service: &S, request: Request<Body>, mode: Mode) -> usize
where
    S: Service<Request<Body>, Response = Response<B>, Error = Infallible> + Clone,
    B: HttpBody<Data = Bytes>,
{
    let Ok(response) = service.clone().oneshot(request).await;
    let status = usize::from(response.status().as_u16());
    match mode {
        Mode::Head => status + response.headers().len(),
        Mode::Full => {
            let mut body = std::pin::pin!(response.into_body());
            let mut read = status;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(frame) => read += frame.data_ref().map_or(0, Bytes::len),
                    Err(_) => break,
                }
            }
            read
        }
    }
}

/// A current-thread runtime, as a single-threaded server would use.
pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("a tokio runtime: {error}"),
    }
}

/// The same runtime with tokio's timer, which `timeout` (strata's and
/// tower-http's) needs. Only the guarded stacks (section 1b of
/// BENCHMARKS.md) run on it, so section 1's figures stay comparable with
/// earlier runs.
pub fn runtime_with_timer() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread().enable_time().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("a tokio runtime: {error}"),
    }
}

/// `bare`: the router alone, the floor.
pub fn bare() -> Router {
    router()
}

/// `strata`: the stack compiled by the macro.
#[strata::stack(
    trusted_host(allowed_hosts = ["api.example.com", "*.example.com", "localhost"]),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
        max_age = 600,
    ),
    compression(minimum_size = 500),
    request_id,
    access_log,
    rate_limit(requests = 1000000, per = "1s"),
    timing,
)]
pub fn strata() -> Router {
    router()
}

/// `strata_guarded`: the [`strata`] stack with the two guards every
/// production stack carries, a request timeout and a body limit.
#[strata::stack(
    trusted_host(allowed_hosts = ["api.example.com", "*.example.com", "localhost"]),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
        max_age = 600,
    ),
    compression(minimum_size = 500),
    request_id,
    access_log,
    rate_limit(requests = 1000000, per = "1s"),
    timing,
    timeout(request = "30s"),
    body_limit(max = "2MB"),
)]
pub fn strata_guarded() -> Router {
    router()
}

pub use handwritten::{boxed, handwritten};

/// Calls `$body` with `$service` bound to the stack named `$variant`
/// (`bare`, `strata`, `handwritten`, `boxed`); each arm is monomorphised.
#[macro_export]
macro_rules! with_variant {
    ($variant:expr, |$service:ident| $body:expr) => {
        match $variant {
            "bare" => {
                let $service = $crate::common::bare();
                Some($body)
            }
            "strata" => {
                let $service = $crate::common::strata();
                Some($body)
            }
            "handwritten" => {
                let $service = $crate::common::handwritten();
                Some($body)
            }
            "boxed" => {
                let $service = $crate::common::boxed();
                Some($body)
            }
            _ => None,
        }
    };
}

/// Calls `$body` with `$service` bound to a stack of section 1b (the guarded
/// stacks and, for comparison on the same timer-enabled runtime, the
/// unguarded ones): `strata`, `handwritten`, `strata_guarded`,
/// `handwritten_guarded`.
#[macro_export]
macro_rules! with_guarded {
    ($variant:expr, |$service:ident| $body:expr) => {
        match $variant {
            "strata" => {
                let $service = $crate::common::strata();
                Some($body)
            }
            "handwritten" => {
                let $service = $crate::common::handwritten();
                Some($body)
            }
            "strata_guarded" => {
                let $service = $crate::common::strata_guarded();
                Some($body)
            }
            "handwritten_guarded" => {
                let $service = $crate::common::handwritten::handwritten_guarded();
                Some($body)
            }
            _ => None,
        }
    };
}

/// The variants of section 1b, in table order.
pub const GUARDED_VARIANTS: [&str; 4] = ["strata", "handwritten", "strata_guarded", "handwritten_guarded"];

/// The four variants, in table order.
pub const VARIANTS: [&str; 4] = ["bare", "strata", "handwritten", "boxed"];

/// `https://tenant-{i}.example.com` for `i` in `0..1000`: the allow lists of
/// the origin-growth stacks (the same as `benches/gen_origins.sh` writes).
pub static TENANTS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (0..1000)
        .map(|i| &*Box::leak(format!("https://tenant-{i}.example.com").into_boxed_str()))
        .collect()
});

/// The origin of the `j`-th request against a list of `n`: sixteen positions
/// spread over the list, in turn, so no lookup gets its best case only.
pub fn tenant_origin(n: usize, j: usize) -> &'static str {
    TENANTS[(j % 16) * n / 16]
}

/// Calls `$body` with `$service` bound to the `$variant` stack allowing
/// `$n` origins: `strata` / `handwritten` (the whole app), `strata_cors` /
/// `handwritten_cors` (the CORS layer alone around the router).
#[macro_export]
macro_rules! with_origins {
    ($variant:expr, $n:expr, |$service:ident| $body:expr) => {{
        use $crate::common::origins as o;
        use $crate::common::{TENANTS, handwritten};
        match ($variant, $n) {
            ("strata", 1) => {
                let $service = o::strata_1();
                Some($body)
            }
            ("strata", 10) => {
                let $service = o::strata_10();
                Some($body)
            }
            ("strata", 100) => {
                let $service = o::strata_100();
                Some($body)
            }
            ("strata", 1000) => {
                let $service = o::strata_1000();
                Some($body)
            }
            ("strata_cors", 1) => {
                let $service = o::strata_cors_only_1();
                Some($body)
            }
            ("strata_cors", 10) => {
                let $service = o::strata_cors_only_10();
                Some($body)
            }
            ("strata_cors", 100) => {
                let $service = o::strata_cors_only_100();
                Some($body)
            }
            ("strata_cors", 1000) => {
                let $service = o::strata_cors_only_1000();
                Some($body)
            }
            ("handwritten", n) if o::SIZES.contains(&n) => {
                let $service = handwritten::handwritten_with(&TENANTS[..n]);
                Some($body)
            }
            ("handwritten_cors", n) if o::SIZES.contains(&n) => {
                let $service = tower::Layer::layer(&handwritten::cors(&TENANTS[..n]), $crate::common::router());
                Some($body)
            }
            _ => None,
        }
    }};
}
