//! `jwt`: requests must carry a valid `Authorization: Bearer <JWT>`.
//!
//! What a client sees:
//!
//! - No `Authorization` header, or one that is not `Bearer <token>`:
//!   `401 Unauthorized`, `content-type: application/json`,
//!   `{"detail":"Missing token"}`, `WWW-Authenticate: Bearer`.
//! - A token that does not verify — bad signature, an algorithm the stack
//!   does not accept (`alg: none`, or an `HS256` token presented to an
//!   `RS256` stack: the "algorithm confusion" attack), expired (`exp`), not
//!   yet valid (`nbf`), no `exp` at all, an audience or issuer that is not
//!   ours (below), or not a JWT: `401`, `{"detail":"Invalid token"}`,
//!   `WWW-Authenticate: Bearer`.
//! - A valid token: the inner service's response; the verified claims are
//!   in the request extensions as [`Claims`], also an axum extractor.
//! - `public_paths` pass without a token (and without claims). No method is
//!   exempt: `OPTIONS /admin` without a token is a 401 like any other request,
//!   because a handler registered with `any()`, a fallback or `route_service`
//!   would answer it. Browsers' CORS preflights are answered by `cors`, which
//!   strata always places outside `jwt`, so they never need a token.
//!
//! Audience and issuer:
//!
//! - `audience = "orders-api"`: the token's `aud` (a string, or an array)
//!   must be present and name `orders-api`.
//! - no `audience`: a token without `aud` passes, and a token that carries
//!   any `aud` is refused. RFC 7519 §4.1.3: a service that does not identify
//!   itself with a value in `aud` must reject the token — it was minted for
//!   another service of the same issuer. strata keeps jsonwebtoken's default
//!   here rather than switching the check off.
//! - `issuer = "https://id.example.com"`: the token's `iss` must be present
//!   and equal it; without `issuer`, `iss` is not checked.
//!
//! With `public_key_file` (an identity provider's key, which signs tokens
//! for all its clients) configure `audience`; strata warns (S0603) when it
//! is missing.
//!
//! The algorithms are fixed at compile time and the token's own `alg` header
//! never chooses the key: a token whose `alg` is not in the list is refused
//! before any signature check. `exp` and `nbf` are checked with `leeway`
//! seconds of tolerance (at most 300, [`MAX_LEEWAY`]; strata refuses more at
//! compile time, S0602). The token is never logged.
//!
//! The key: an HMAC secret from the environment (at least 32 bytes, as
//! RFC 7518 §3.2 requires for HS256), or a PEM public key file embedded at
//! compile time. Building the layer verifies a dummy token once, so a
//! misconfigured crypto backend fails at start-up, not on the first request.

mod claims;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use claims::Claims;
pub use jsonwebtoken::Algorithm;
pub use layer::JwtLayer;
pub use service::Jwt;

use crate::paths::PathList;

/// The response future: the inner service's, or the 401 made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// The compiled options; the key comes from the environment or a file.
#[derive(Debug)]
pub struct JwtPolicy {
    /// The accepted algorithms, all of one key family.
    pub algorithms: &'static [Algorithm],
    /// Paths that need no token.
    pub public_paths: PathList,
    /// Seconds of tolerance on `exp` and `nbf`; more than [`MAX_LEEWAY`] counts as that.
    pub leeway: u64,
    /// The `aud` a token must name. Without it, a token that carries any `aud` is refused.
    pub audience: Option<&'static str>,
    /// The `iss` a token must carry, if any.
    pub issuer: Option<&'static str>,
}

/// The largest `leeway` in seconds: clocks five minutes apart are broken,
/// not skewed, and a longer tolerance keeps expired tokens alive.
pub const MAX_LEEWAY: u64 = 300;

/// The shortest HMAC secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
