//! The preflight answer (Starlette's `preflight_response`).

use bytes::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, CONTENT_TYPE, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

use super::CompiledPolicy;
use crate::response::TEXT_PLAIN;

/// Room for every header a preflight answer gets here (at most 8) and for
/// those the layers outside add (request ID, security headers...), so the
/// map is allocated once instead of grown twice.
const PREFLIGHT_HEADERS_CAPACITY: usize = 12;

pub(super) const ANY: HeaderValue = HeaderValue::from_static("*");
pub(super) const TRUE: HeaderValue = HeaderValue::from_static("true");
pub(super) const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
/// Every request header a preflight answer depends on, in Starlette's order.
const PREFLIGHT_VARY: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network",
);

pub(super) const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// One bit per part of a preflight that can be refused, in the order
/// Starlette names them.
const ORIGIN_FAILED: usize = 1;
const METHOD_FAILED: usize = 2;
const HEADERS_FAILED: usize = 4;
const PRIVATE_NETWORK_FAILED: usize = 8;

/// The body of a preflight answer, indexed by the failed bits: Starlette's
/// `"Disallowed CORS " + ", ".join(failures)`, spelled out so no answer is
/// formatted per request.
const BODIES: [&str; 16] = [
    "OK",
    "Disallowed CORS origin",
    "Disallowed CORS method",
    "Disallowed CORS origin, method",
    "Disallowed CORS headers",
    "Disallowed CORS origin, headers",
    "Disallowed CORS method, headers",
    "Disallowed CORS origin, method, headers",
    "Disallowed CORS private-network",
    "Disallowed CORS origin, private-network",
    "Disallowed CORS method, private-network",
    "Disallowed CORS origin, method, private-network",
    "Disallowed CORS headers, private-network",
    "Disallowed CORS origin, headers, private-network",
    "Disallowed CORS method, headers, private-network",
    "Disallowed CORS origin, method, headers, private-network",
];

/// What a preflight asked for.
pub(super) struct Preflight<'a> {
    pub(super) origin: &'a HeaderValue,
    pub(super) method: &'a HeaderValue,
    pub(super) headers: Option<&'a HeaderValue>,
    /// `Access-Control-Request-Private-Network` was sent (Starlette tests
    /// its presence, not its value).
    pub(super) private_network: bool,
}

pub(super) fn response<B: From<Bytes>>(cors: &CompiledPolicy, request: Preflight<'_>) -> Response<B> {
    let policy = cors.policy;
    let origin_ok = cors.allows_origin(request.origin);
    let method_ok = cors.allows_method(request.method);
    let headers_ok = match request.headers {
        None => true,
        Some(_) if policy.allow_all_headers => true,
        // Starlette splits on commas and strips each name, so an empty
        // entry (`a,,b`) is a header nobody allowed.
        Some(requested) => requested
            .to_str()
            .is_ok_and(|list| list.split(',').all(|name| cors.allows_header(name.trim()))),
    };
    let private_network_ok = !request.private_network || policy.allow_private_network;
    let failed = [
        (origin_ok, ORIGIN_FAILED),
        (method_ok, METHOD_FAILED),
        (headers_ok, HEADERS_FAILED),
        (private_network_ok, PRIVATE_NETWORK_FAILED),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .fold(0, |failed, (_, bit)| failed | bit);
    let status = if failed == 0 {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = Response::new(B::from(Bytes::from_static(BODIES[failed].as_bytes())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    *headers = HeaderMap::with_capacity(PREFLIGHT_HEADERS_CAPACITY);
    headers.insert(CONTENT_TYPE, TEXT_PLAIN);
    headers.insert(VARY, PREFLIGHT_VARY);

    // Starlette's `preflight_explicit_allow_origin`: the answer names the
    // origin, when it is allowed.
    let explicit_origin = !policy.allow_all_origins || policy.allow_credentials;
    if !explicit_origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    } else if origin_ok {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, request.origin.clone());
    }
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, policy.preflight_allow_methods.clone());
    headers.insert(ACCESS_CONTROL_MAX_AGE, policy.max_age.clone());
    match (policy.allow_all_headers, request.headers) {
        (true, Some(requested)) => {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
        }
        (true, None) => {}
        (false, _) => {
            if let Some(allowed) = &policy.preflight_allow_headers {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allowed.clone());
            }
        }
    }
    if policy.allow_credentials {
        headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
    }
    if request.private_network && policy.allow_private_network {
        headers.insert(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, TRUE);
    }
    response
}
