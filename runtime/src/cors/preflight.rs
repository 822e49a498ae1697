//! The preflight answer (Starlette's `preflight_response`).

use bytes::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, CONTENT_TYPE, VARY,
};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use super::CompiledPolicy;
use crate::response::TEXT_PLAIN;

/// Room for every header a preflight answer gets here (at most 7) and for
/// those the layers outside add (request ID, security headers...), so the
/// map is allocated once instead of grown twice.
const PREFLIGHT_HEADERS_CAPACITY: usize = 12;

pub(super) const ANY: HeaderValue = HeaderValue::from_static("*");
pub(super) const TRUE: HeaderValue = HeaderValue::from_static("true");
pub(super) const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");

pub(super) fn response<B: From<Bytes>>(
    cors: &CompiledPolicy,
    origin: &HeaderValue,
    method: &HeaderValue,
    requested_headers: Option<&HeaderValue>,
) -> Response<B> {
    let policy = cors.policy;
    let origin_ok = cors.allows_origin(origin);
    let method_ok = cors.allows_method(method);
    let headers_ok = match requested_headers {
        None => true,
        Some(_) if policy.allow_all_headers => true,
        // Starlette splits on commas and strips each name, so an empty
        // entry (`a,,b`) is a header nobody allowed.
        Some(requested) => requested
            .to_str()
            .is_ok_and(|list| list.split(',').all(|name| cors.allows_header(name.trim()))),
    };
    let (status, body) = match (origin_ok, method_ok, headers_ok) {
        (true, true, true) => (StatusCode::OK, "OK"),
        (false, true, true) => (StatusCode::BAD_REQUEST, "Disallowed CORS origin"),
        (true, false, true) => (StatusCode::BAD_REQUEST, "Disallowed CORS method"),
        (true, true, false) => (StatusCode::BAD_REQUEST, "Disallowed CORS headers"),
        (false, false, true) => (StatusCode::BAD_REQUEST, "Disallowed CORS origin, method"),
        (false, true, false) => (StatusCode::BAD_REQUEST, "Disallowed CORS origin, headers"),
        (true, false, false) => (StatusCode::BAD_REQUEST, "Disallowed CORS method, headers"),
        (false, false, false) => (StatusCode::BAD_REQUEST, "Disallowed CORS origin, method, headers"),
    };
    let mut response = Response::new(B::from(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    *headers = HeaderMap::with_capacity(PREFLIGHT_HEADERS_CAPACITY);
    headers.insert(CONTENT_TYPE, TEXT_PLAIN);

    // Starlette's `preflight_explicit_allow_origin`: the answer names the
    // origin, so caches must key on it.
    let explicit_origin = !policy.allow_all_origins || policy.allow_credentials;
    if explicit_origin {
        headers.append(VARY, ORIGIN);
        if origin_ok {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
    } else {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, ANY);
    }
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, policy.preflight_allow_methods.clone());
    headers.insert(ACCESS_CONTROL_MAX_AGE, policy.max_age.clone());
    match (policy.allow_all_headers, requested_headers) {
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
    response
}
