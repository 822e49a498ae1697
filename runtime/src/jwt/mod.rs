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
//!   yet valid (`nbf`), no `exp` at all, the wrong `aud`/`iss` when those are
//!   configured, or not a JWT: `401`, `{"detail":"Invalid token"}`,
//!   `WWW-Authenticate: Bearer`.
//! - A valid token: the inner service's response; the verified claims are
//!   in the request extensions as [`Claims`], also an axum extractor.
//! - `OPTIONS` requests and `public_paths` pass without a token (and without
//!   claims).
//!
//! The algorithms are fixed at compile time and the token's own `alg` header
//! never chooses the key: a token whose `alg` is not in the list is refused
//! before any signature check. `exp` and `nbf` are checked with `leeway`
//! seconds of tolerance. The token is never logged.
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
    /// Seconds of tolerance on `exp` and `nbf`.
    pub leeway: u64,
    /// The required `aud`, if any.
    pub audience: Option<&'static str>,
    /// The required `iss`, if any.
    pub issuer: Option<&'static str>,
}

/// The shortest HMAC secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
