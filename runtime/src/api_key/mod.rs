//! `api_key`: only clients that present one of the configured keys get in.
//!
//! What a client sees:
//!
//! - The configured header (`x-api-key` by default) holding one of the keys:
//!   the inner service's response, untouched.
//! - The header missing, empty, sent twice, or holding any other value:
//!   `403 Forbidden`, `content-type: application/json`,
//!   `{"detail":"Invalid API key"}`. The inner service is not called.
//! - Requests for `public_paths` pass without a key. No method is exempt:
//!   `OPTIONS` needs the key too (`cors`, which strata places outside
//!   `api_key`, answers browsers' preflights itself).
//!
//! The keys come from one environment variable (`keys_env`), read once when
//! the stack is built: one key, or several separated by commas or
//! whitespace, so keys can be rotated by deploying old and new together.
//! Each key is kept only as its SHA-256 digest; a presented key is hashed
//! and compared with every digest in constant time (`subtle`), without an
//! early exit, so neither the position of the first wrong byte nor the
//! length of the right key nor which key matched shows in the timing.
//! No key is ever logged.
//!
//! A request that got in with a key carries an [`ApiKeyIdentity`] in its
//! extensions: a digest of that key, never the key, for the layers inside
//! that key on the caller (`rate_limit(key = "api_key")`).

mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use layer::ApiKeyLayer;
pub use service::ApiKey;

use http::HeaderName;

use crate::paths::PathList;

/// The response future: the inner service's, or the 403 made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// Who called, as far as `api_key` knows: the SHA-256 of the key the
/// request presented, set in its extensions once the key is verified
/// (never on `public_paths`, where no key is checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiKeyIdentity(pub [u8; 32]);

/// The compiled options; the keys themselves come from the environment.
#[derive(Debug)]
pub struct ApiKeyPolicy {
    /// The header that carries the key.
    pub header: HeaderName,
    /// Paths that need no key.
    pub public_paths: PathList,
}
