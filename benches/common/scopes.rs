//! Section 5 of BENCHMARKS.md: what the path switch of a scoped stack costs.
//!
//! `unscoped` is the bench stack of section 1; `scoped` is the same stack
//! with two scopes whose middlewares the measured request to `/` never
//! meets: it goes through the same layers as in `unscoped`, plus the switch.
//! Its `/admin/*` scope adds `security_headers` (rank 50), so the branches
//! split high, just inside `trusted_host`: the worst case, where most of the
//! stack sits below the switch. `scoped_deep` scopes what APIs usually
//! scope, layers that rank below the limits (`body_limit`, `decompression`),
//! so the split is deep. `flat_admin` has the `/admin/*` scope's
//! middlewares for every path: a request to `/admin` meets the same layers
//! there as in `scoped`.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use http::Request;
use http::header::CONTENT_TYPE;

use super::{JSON_2KB, Kind, router};

/// The two paths measured: `/` (no scope) and `/admin` (the `/admin/*` scope).
pub const PATHS: [&str; 2] = ["/", "/admin"];

pub const VARIANTS: [&str; 4] = ["unscoped", "scoped", "scoped_deep", "flat_admin"];

/// The bench app with a second route, `/admin`, answering the same bytes.
fn app() -> Router {
    router().route(
        "/admin",
        get(|| async {
            (
                [(CONTENT_TYPE, "application/json")],
                Bytes::from_static(JSON_2KB.as_bytes()),
            )
        }),
    )
}

/// `kind`'s request, to `PATHS[param]`.
pub fn request(kind: Kind, param: usize) -> Request<Body> {
    let mut request = kind.request();
    *request.uri_mut() = http::Uri::from_static(PATHS[param % PATHS.len()]);
    request
}

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
pub fn unscoped() -> Router {
    app()
}

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
    scope("/admin/*", block(user_agent_prefixes = ["curl/"]), security_headers),
    scope("/internal/*", block(user_agent_prefixes = ["python-requests/"])),
)]
pub fn scoped() -> Router {
    app()
}

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
    scope("/uploads/*", decompression, body_limit(max = "10MB")),
    scope("/admin/*", body_limit(max = "1KB")),
)]
pub fn scoped_deep() -> Router {
    app()
}

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
    block(user_agent_prefixes = ["curl/"]),
    security_headers,
)]
pub fn flat_admin() -> Router {
    app()
}

/// Calls `$body` with `$service` bound to the stack named `$variant`.
#[macro_export]
macro_rules! with_scopes {
    ($variant:expr, |$service:ident| $body:expr) => {
        match $variant {
            "unscoped" => {
                let $service = $crate::common::scopes::unscoped();
                Some($body)
            }
            "scoped" => {
                let $service = $crate::common::scopes::scoped();
                Some($body)
            }
            "scoped_deep" => {
                let $service = $crate::common::scopes::scoped_deep();
                Some($body)
            }
            "flat_admin" => {
                let $service = $crate::common::scopes::flat_admin();
                Some($body)
            }
            _ => None,
        }
    };
}
