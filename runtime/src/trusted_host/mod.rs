//! `trusted_host`: refuse requests for host names the app does not serve.
//!
//! What a client sees:
//!
//! - Host allowed: the inner service's response, untouched.
//! - Host not allowed, missing, not UTF-8 or malformed: `400 Bad Request`,
//!   `content-type: text/plain; charset=utf-8`, body `Invalid host header`.
//!   The inner service is not called.
//! - Host not allowed, `www_redirect` on, and `www.<host>` is an allowed exact
//!   host: `307 Temporary Redirect` with `Location: //www.<host[:port]><path?query>`.
//!
//! The host is read from the `Host` header, else from the request URI's
//! authority (HTTP/2 sends `:authority` and no `Host`). The port is ignored;
//! comparison is ASCII-case-insensitive (Starlette's is case-sensitive, which
//! refuses `API.example.com` although DNS names are not). A host that is not a
//! syntactically valid host name or bracketed IPv6 literal (for example
//! `evil.com/.example.com`, which would otherwise end with `.example.com`) is
//! refused, as Django does.

pub(crate) mod host;
mod layer;
mod service;

#[cfg(test)]
mod tests;

/// The response future: the inner service's, or the 400 / 307 made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;
pub use layer::TrustedHostLayer;
pub use service::TrustedHost;

/// The `allowed_hosts` list, compiled by strata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedHostPolicy {
    /// `*` was in the list: every request passes, even one without a host.
    pub allow_any: bool,
    /// Lowercase host names without port; IPv6 literals in brackets (`[::1]`).
    pub exact: &'static [&'static str],
    /// Lowercase suffixes such as `.example.com`, from `*.example.com`: they
    /// match `a.example.com` and `a.b.example.com`, never `example.com`.
    pub suffixes: &'static [&'static str],
    /// Redirect `example.com` to `www.example.com` when only the latter is allowed.
    pub www_redirect: bool,
}

impl TrustedHostPolicy {
    /// Whether `host` (no port) is allowed, ignoring ASCII case.
    fn allows(&self, host: &str) -> bool {
        self.exact.iter().any(|allowed| allowed.eq_ignore_ascii_case(host))
            || self.suffixes.iter().any(|suffix| {
                host.len() > suffix.len()
                    && host.as_bytes()[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
            })
    }

    /// Whether `www.<host>` is an allowed exact host (Starlette's redirect rule).
    fn allows_www_of(&self, host: &str) -> bool {
        self.exact.iter().any(|allowed| {
            allowed
                .strip_prefix("www.")
                .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
        })
    }
}
