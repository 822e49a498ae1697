//! `cors`: Starlette's `CORSMiddleware` as of Starlette 1.10, header for header.
//!
//! What a client sees:
//!
//! - **Every response that passes the layer** carries `Vary: Origin`,
//!   appended to what the inner service set (never replacing it, never
//!   twice): also a request without `Origin` and one from a refused origin
//!   get it. Whether the answer carries `Access-Control-Allow-Origin` depends
//!   on `Origin`, so a shared cache must key on it, or it hands the copy it
//!   stored for a same-origin request (no CORS headers) to a cross-origin
//!   page, or an allowed origin's copy to another (Fetch §3.2.5).
//! - **No `Origin` header**: the inner service's response, with only that
//!   `Vary`.
//! - **Preflight** (`OPTIONS` with `Origin` and `Access-Control-Request-Method`):
//!   answered here; the inner service never sees it, so auth and rate limits
//!   do not reject preflights. Always
//!   `Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network`,
//!   `Access-Control-Allow-Methods` (`allow_methods = ["*"]` is Starlette's
//!   list: `DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY`) and
//!   `Access-Control-Max-Age`; `Access-Control-Allow-Origin: *` when all
//!   origins are allowed without credentials, else
//!   `Access-Control-Allow-Origin: <origin>` when the origin is allowed;
//!   `Access-Control-Allow-Headers` (the configured list, or the requested
//!   headers echoed when all are allowed);
//!   `Access-Control-Allow-Credentials: true` with credentials; and, for a
//!   Private Network Access preflight (one carrying
//!   `Access-Control-Request-Private-Network`) when `allow_private_network`
//!   is on, `Access-Control-Allow-Private-Network: true`. Status `200`, body
//!   `OK`, or, when something is refused, `400` with body
//!   `Disallowed CORS origin, method, headers, private-network` naming only
//!   what failed, in that order (`Disallowed CORS method`). The method is
//!   compared exactly: `get`, `PROPFIND` or `CUSTOM` are refused unless
//!   listed. Both bodies are `text/plain; charset=utf-8`.
//! - **Any other request with `Origin`**: the inner response, decorated:
//!   `Access-Control-Allow-Origin: *` when all origins are allowed, also
//!   when the request carries a `Cookie` (without
//!   `Access-Control-Allow-Credentials` a browser refuses a credentialed
//!   response whatever the origin says, so echoing it bought nothing),
//!   `Access-Control-Allow-Credentials: true` with credentials,
//!   `Access-Control-Expose-Headers` when configured, and
//!   `Access-Control-Allow-Origin: <origin>` when the origin is allowed and
//!   explicit. This covers every response of the inner service, including
//!   its 401, 403, 429 and 500 answers, so browsers can read them.
//!
//! An origin is allowed when all origins are, when it is one of the listed
//! origins (exact, case-sensitive), or when `allow_origin_regex` matches all
//! of it (see [`OriginRegex`]). An `Origin` that is not visible ASCII is never
//! allowed.

mod future;
mod layer;
#[cfg(feature = "cors_regex")]
mod origin_regex;
mod preflight;
mod service;

#[cfg(test)]
mod tests;

use http::HeaderValue;

pub use future::ResponseFuture;
pub use layer::CorsLayer;
#[cfg(feature = "cors_regex")]
pub use origin_regex::{OriginRegex, OriginRegexError};
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
    /// `allow_origin_regex`, matched against the whole origin. Needs the
    /// cargo feature `cors_regex`: without it, a layer built from a policy
    /// with a regex panics when it is built (strata's generated code names
    /// the feature at compile time instead).
    pub origin_regex: Option<&'static str>,
    /// Allowed methods, compared case-sensitively (`*` is written out as
    /// Starlette's list by the generator).
    pub methods: &'static [&'static str],
    /// `*` in `allow_headers`: any requested headers pass and are echoed.
    pub allow_all_headers: bool,
    /// Allowed request headers, lowercase, sorted, including the safelisted
    /// `accept`, `accept-language`, `content-language`, `content-type`.
    pub headers: &'static [&'static str],
    /// `allow_credentials`.
    pub allow_credentials: bool,
    /// `allow_private_network`: answer Private Network Access preflights.
    pub allow_private_network: bool,
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
    #[cfg(feature = "cors_regex")]
    origin_regex: Option<OriginRegex>,
}

impl CompiledPolicy {
    fn new(policy: &'static CorsPolicy) -> Self {
        debug_assert!(policy.origins.is_sorted(), "CorsPolicy::origins must be sorted");
        debug_assert!(policy.headers.is_sorted(), "CorsPolicy::headers must be sorted");
        // Without `cors_regex` a policy with a regex cannot be enforced:
        // failing at start-up beats silently refusing the origins it should
        // allow. strata's generated code never gets here: it names the
        // feature at compile time.
        #[cfg(not(feature = "cors_regex"))]
        if let Some(pattern) = policy.origin_regex {
            panic!("strata: cors allow_origin_regex {pattern:?} needs strata's cargo feature `cors_regex`");
        }
        Self {
            policy,
            #[cfg(feature = "cors_regex")]
            origin_regex: policy.origin_regex.map(|pattern| {
                // strata compiles the same pattern the same way when it checks
                // the stack (rule S0104), so this cannot fail for a generated
                // policy. Failing at start-up beats a policy that would silently
                // refuse every origin.
                match OriginRegex::new(pattern) {
                    Ok(regex) => regex,
                    Err(error) => panic!("strata: cors allow_origin_regex {pattern:?}: {error}"),
                }
            }),
        }
    }

    /// Whether `allow_origin_regex` matches all of `origin`.
    #[cfg(feature = "cors_regex")]
    fn regex_allows(&self, origin: &str) -> bool {
        self.origin_regex.as_ref().is_some_and(|regex| regex.is_match(origin))
    }

    /// Without `cors_regex` a policy has no regex (see [`CompiledPolicy::new`]).
    #[cfg(not(feature = "cors_regex"))]
    fn regex_allows(&self, _origin: &str) -> bool {
        false
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
        self.policy.origins.binary_search(&origin).is_ok() || self.regex_allows(origin)
    }

    /// Whether `method` (from `Access-Control-Request-Method`) is allowed:
    /// compared exactly, as Starlette does.
    fn allows_method(&self, method: &HeaderValue) -> bool {
        method
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
