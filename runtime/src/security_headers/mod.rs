//! `security_headers`: the response headers every browser-facing app should send.
//!
//! What a client sees: every response, including the ones inner layers make
//! themselves (401, 403, 429, 500), carries the configured headers:
//!
//! - `Strict-Transport-Security: max-age=31536000[; includeSubDomains][; preload]`
//!   (unless `hsts = false`);
//! - `X-Content-Type-Options: nosniff` (unless `content_type_options = false`);
//! - `X-Frame-Options: DENY` (or `SAMEORIGIN`; none with `frame_options = false`);
//! - `Referrer-Policy: strict-origin-when-cross-origin` (or the configured policy);
//! - `Content-Security-Policy`, only when `content_security_policy` is set.
//!
//! A header the inner service already set is kept: a route that must be
//! framed, or needs its own CSP, says so itself. The values are checked at
//! compile time and built once, as `static` header values; the body is not
//! touched and streams.

mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::SecurityHeadersLayer;
pub use service::SecurityHeaders;

use http::HeaderValue;
use http::header::{
    CONTENT_SECURITY_POLICY, HeaderMap, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};

/// The headers to add, compiled by strata; each only when set here and
/// absent from the response.
#[derive(Debug)]
pub struct SecurityHeadersPolicy {
    pub strict_transport_security: Option<HeaderValue>,
    pub content_type_options: Option<HeaderValue>,
    pub frame_options: Option<HeaderValue>,
    pub referrer_policy: Option<HeaderValue>,
    pub content_security_policy: Option<HeaderValue>,
}

impl SecurityHeadersPolicy {
    fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            (STRICT_TRANSPORT_SECURITY, &self.strict_transport_security),
            (X_CONTENT_TYPE_OPTIONS, &self.content_type_options),
            (X_FRAME_OPTIONS, &self.frame_options),
            (REFERRER_POLICY, &self.referrer_policy),
            (CONTENT_SECURITY_POLICY, &self.content_security_policy),
        ] {
            if let Some(value) = value
                && !headers.contains_key(&name)
            {
                headers.insert(name, value.clone());
            }
        }
    }
}
