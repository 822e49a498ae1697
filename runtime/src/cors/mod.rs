//! `cors`: Starlette's `CORSMiddleware`, header for header.
//!
//! What a client sees:
//!
//! - **No `Origin` header**: the inner service's response, untouched.
//! - **Preflight** (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
//!   answered here; the inner service never sees it, so auth and rate limits
//!   do not reject preflights. Always `Access-Control-Allow-Methods` and
//!   `Access-Control-Max-Age`; `Vary: Origin` when the allowed origin is
//!   explicit (a list, a regex, or credentials), else
//!   `Access-Control-Allow-Origin: *`; `Access-Control-Allow-Headers` (the
//!   configured list, or the requested headers echoed when all are allowed);
//!   `Access-Control-Allow-Credentials: true` with credentials; and
//!   `Access-Control-Allow-Origin: <origin>` when the origin is allowed and
//!   explicit. Status `200`, body `OK`, or, when something is refused,
//!   `400` with body `Disallowed CORS origin, method, headers` naming only
//!   what failed, in that order (`Disallowed CORS method`). Both are
//!   `text/plain; charset=utf-8`.
//! - **Any other request with `Origin`**: the inner response, decorated:
//!   `Access-Control-Allow-Origin: *` when all origins are allowed,
//!   `Access-Control-Allow-Credentials: true` with credentials,
//!   `Access-Control-Expose-Headers` when configured; and when the origin is
//!   allowed and explicit (or all origins are allowed and the request carries
//!   a `Cookie`), `Access-Control-Allow-Origin: <origin>` plus an appended
//!   `Vary: Origin`. This covers every response of the inner service,
//!   including its 401, 403, 429 and 500 answers, so browsers can read them.
//!
//! An origin is allowed when all origins are, when it is one of the listed
//! origins (exact, case-sensitive), or when `allow_origin_regex` matches all
//! of it. An `Origin` that is not visible ASCII is never allowed. `Vary` is
//! always appended, never replacing what the inner service set.

mod future;
mod layer;
mod preflight;
mod service;

#[cfg(test)]
mod tests;

use http::HeaderValue;
use regex::Regex;
use std::sync::Arc;

pub use future::ResponseFuture;
pub use layer::CorsLayer;
pub use service::Cors;

/// The CORS configuration, compiled by strata into a `static`.
///
/// The generator fills the header values with `HeaderValue::from_static`, so
/// nothing is formatted per request.
#[derive(Clone, Debug)]
pub struct CorsPolicy {
    /// `*` in `allow_origins`.
    pub allow_all_origins: bool,
    /// Allowed origins, sorted ascending (looked up by binary search).
    pub origins: &'static [&'static str],
    /// `allow_origin_regex`, matched against the whole origin.
    pub origin_regex: Option<&'static str>,
    /// `*` in `allow_methods`: any requested method passes the preflight.
    pub allow_all_methods: bool,
    /// Allowed methods, compared case-sensitively.
    pub methods: &'static [&'static str],
    /// `*` in `allow_headers`: any requested headers pass and are echoed.
    pub allow_all_headers: bool,
    /// Allowed request headers, lowercase, sorted, including the safelisted
    /// `accept`, `accept-language`, `content-language`, `content-type`.
    pub headers: &'static [&'static str],
    /// `allow_credentials`.
    pub allow_credentials: bool,
    /// `Access-Control-Expose-Headers` for simple responses, if any.
    pub expose_headers: Option<HeaderValue>,
    /// `Access-Control-Allow-Methods` for preflights.
    pub preflight_allow_methods: HeaderValue,
    /// `Access-Control-Allow-Headers` for preflights (unused with `allow_all_headers`).
    pub preflight_allow_headers: Option<HeaderValue>,
    /// `Access-Control-Max-Age` for preflights.
    pub max_age: HeaderValue,
}

/// The policy with its regex compiled, shared by the layer and its services.
#[derive(Clone, Debug)]
struct CompiledPolicy {
    policy: &'static CorsPolicy,
    /// Anchored `^(?:…)$`: Starlette uses `re.fullmatch`. Behind an `Arc`
    /// because `axum::serve` clones the service per connection and cloning a
    /// `Regex` starts an empty match cache; the `Arc` shares one.
    origin_regex: Option<Arc<Regex>>,
}

impl CompiledPolicy {
    fn new(policy: &'static CorsPolicy) -> Self {
        debug_assert!(policy.origins.is_sorted(), "CorsPolicy::origins must be sorted");
        debug_assert!(policy.headers.is_sorted(), "CorsPolicy::headers must be sorted");
        let origin_regex = policy.origin_regex.map(|pattern| {
            // strata compiles the same pattern with this same `regex` crate
            // when it checks the stack (rule S0104), so this cannot fail for a
            // generated policy. Failing at start-up beats a policy that would
            // silently refuse every origin.
            match Regex::new(&format!("^(?:{pattern})$")) {
                Ok(regex) => Arc::new(regex),
                Err(error) => panic!("strata: cors allow_origin_regex {pattern:?}: {error}"),
            }
        });
        Self { policy, origin_regex }
    }

    /// Starlette's `is_allowed_origin`.
    fn allows_origin(&self, origin: &HeaderValue) -> bool {
        if self.policy.allow_all_origins {
            return true;
        }
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        // The exact list first: a binary search is cheaper than a regex run.
        self.policy.origins.binary_search(&origin).is_ok()
            || self.origin_regex.as_ref().is_some_and(|regex| regex.is_match(origin))
    }

    /// Whether `method` (from `Access-Control-Request-Method`) is allowed.
    fn allows_method(&self, method: &HeaderValue) -> bool {
        self.policy.allow_all_methods
            || method
                .to_str()
                .is_ok_and(|method| self.policy.methods.contains(&method))
    }

    /// Whether one requested header name, already trimmed, is allowed,
    /// ignoring ASCII case without allocating a lowercase copy: names up to
    /// 64 bytes (all real ones) are lowercased on the stack and compared as
    /// slices; longer ones byte by byte.
    fn allows_header(&self, name: &str) -> bool {
        let headers = self.policy.headers;
        let mut buffer = [0u8; 64];
        if let Some(lowercase) = buffer.get_mut(..name.len()) {
            lowercase.copy_from_slice(name.as_bytes());
            lowercase.make_ascii_lowercase();
            let lowercase = &*lowercase;
            return headers
                .binary_search_by(|allowed| allowed.as_bytes().cmp(lowercase))
                .is_ok();
        }
        let lowercase = || name.bytes().map(|b| b.to_ascii_lowercase());
        headers
            .binary_search_by(|allowed| allowed.bytes().cmp(lowercase()))
            .is_ok()
    }
}
