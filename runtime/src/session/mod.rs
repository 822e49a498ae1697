//! `session`: a per-client key-value store that handlers and inner layers
//! read and write through the [`Session`] handle.
//!
//! What a client sees: one cookie (named `session` by default) with
//! `HttpOnly` always, `Secure` unless `https_only = false`, `SameSite`,
//! `Path` and `Max-Age` as configured (and `Domain` when set).
//!
//! - `store = "cookie"` (default): the cookie holds the data itself, as
//!   base64url JSON with its expiry time, signed with HMAC-SHA256 (the key is
//!   the secret from `secret_env`, at least 32 bytes). The data is readable by
//!   the client, like Starlette's, but cannot be changed or replayed past its
//!   expiry. A session larger than a browser keeps (4096 bytes) is not saved,
//!   and an error is logged.
//! - `store = "redis"` (cargo feature `redis`): the cookie holds only a
//!   random 256-bit ID, signed the same way; the data lives in Redis under
//!   `strata:session:<id>` with the same expiry, so it survives an app restart
//!   and is shared by every instance.
//!
//! A cookie that is tampered with, expired, malformed, signed with another
//! key, or names no stored session yields an empty session, never an error.
//! The expiry is rolling: every response to a client with a non-empty
//! session renews the cookie (and the Redis TTL) for `max_age` seconds. A
//! session that becomes empty clears the cookie (`Max-Age=0`), and deletes
//! the Redis entry. Changes are saved when the response leaves this layer,
//! before the client gets it, so the next request sees them.
//!
//! With Redis unreachable (each call times out after 500 ms), the request is
//! answered `503 Service Unavailable`, `{"detail":"Session store
//! unavailable"}`, and the failure is logged: serving with an empty session
//! would log users out and could overwrite their data once Redis is back.
//!
//! Neither the cookie nor the secret is ever logged.

mod cookie;
mod handle;
mod layer;
#[cfg(feature = "redis")]
pub mod redis;
mod service;

#[cfg(test)]
mod tests;

pub use handle::Session;
pub use layer::SessionLayer;
pub use service::{ResponseFuture, SessionService};

/// The `SameSite` attribute of the cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
    None,
}

/// The compiled cookie options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// The cookie's name.
    pub cookie: &'static str,
    /// Seconds a session lives after its last response.
    pub max_age: u64,
    pub path: &'static str,
    pub domain: Option<&'static str>,
    pub same_site: SameSite,
    /// Send the cookie with `Secure`.
    pub https_only: bool,
}

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
