//! `trusted_host`: refuse requests for host names the app does not serve.
//!
//! What a client sees:
//!
//! - Host allowed: the inner service's response, untouched.
//! - Host not allowed, malformed, not visible ASCII, or named twice in
//!   disagreement (two `Host` headers; a `Host` that differs from the
//!   authority of an absolute-form target or of HTTP/2's `:authority`):
//!   `400 Bad Request`, `content-type: text/plain; charset=utf-8`, body
//!   `Invalid host header`. The inner service is not called.
//! - No host at all (an HTTP/1.0 request without `Host`): the same 400,
//!   unless the path is in `exempt_paths`.
//! - Host not allowed, `www_redirect` on, and `www.<host>` is an allowed exact
//!   host: `307 Temporary Redirect` with `Location: //www.<host[:port]><path?query>`.
//!
//! Which host: the authority of the request target when there is one (an
//! HTTP/1.1 absolute-form target, or HTTP/2's `:authority`: what the router
//! and the handler's `Uri` see), else the `Host` header; with a `proxy` layer
//! outside, the host it resolved ([`ClientInfo`](crate::ClientInfo)), which
//! is `X-Forwarded-Host` from a trusted proxy. The port is ignored;
//! comparison is ASCII-case-insensitive (Starlette's is case-sensitive, which
//! refuses `API.example.com` although DNS names are not); one trailing dot is
//! ignored (`localhost.` is the fully qualified `localhost`); IPv6 literals
//! compare by address (`[0::1]` is `[::1]`). A host that is not a
//! syntactically valid host name (letters, digits, `-`, `.`, `_`) or
//! bracketed IPv6 literal (for example `evil.com/.example.com`, which would
//! otherwise end with `.example.com`) is refused, as Django does.
//!
//! `exempt_paths` (load-balancer health checks, which often send no `Host`
//! or the instance's own address) skip the allow-list; a malformed or
//! ambiguous host is still refused there.

pub(crate) mod host;
mod layer;
mod service;

#[cfg(test)]
mod tests;

/// The response future: the inner service's, or the 400 / 307 made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;
pub use layer::TrustedHostLayer;
pub use service::TrustedHost;

use crate::paths::PathList;
use host::match_key;

/// The `allowed_hosts` list, compiled by strata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedHostPolicy {
    /// `*` was in the list: every request passes, even one without a host.
    pub allow_any: bool,
    /// Lowercase host names without port or trailing dot; IPv6 literals in
    /// brackets, in canonical form (`[::1]`).
    pub exact: &'static [&'static str],
    /// Lowercase suffixes such as `.example.com`, from `*.example.com`: they
    /// match `a.example.com` and `a.b.example.com`, never `example.com`.
    pub suffixes: &'static [&'static str],
    /// Redirect `example.com` to `www.example.com` when only the latter is allowed.
    pub www_redirect: bool,
    /// Paths served whatever the host, or without one.
    pub exempt_paths: PathList,
}

impl TrustedHostPolicy {
    /// Whether `host` (no port) is allowed, ignoring ASCII case and one trailing dot.
    fn allows(&self, host: &str) -> bool {
        let host = match_key(host);
        let host = host.as_ref();
        // The list is lowercase and so are almost all hosts clients send: a
        // plain comparison (a `memcmp`) settles those, and the byte-by-byte
        // case-insensitive one runs only for the rest.
        self.exact.contains(&host)
            || self.exact.iter().any(|allowed| allowed.eq_ignore_ascii_case(host))
            || self.suffixes.iter().any(|suffix| {
                host.len() > suffix.len() && {
                    let tail = &host.as_bytes()[host.len() - suffix.len()..];
                    tail == suffix.as_bytes() || tail.eq_ignore_ascii_case(suffix.as_bytes())
                }
            })
    }

    /// Whether `www.<host>` is an allowed exact host (Starlette's redirect rule).
    fn allows_www_of(&self, host: &str) -> bool {
        let host = match_key(host);
        let host = host.as_ref();
        self.exact.iter().any(|allowed| {
            allowed
                .strip_prefix("www.")
                .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
        })
    }
}
