//! `session`: a per-client key-value store that handlers and inner layers
//! read and write through the [`Session`] handle.
//!
//! What a client sees: one cookie (named `session` by default) with
//! `HttpOnly` always, `SameSite`, `Path` and `Max-Age` as configured (and
//! `Domain` when set), and `Secure`:
//!
//! - `https_only = true` (default): always, whatever the request came over;
//! - `https_only = false`: when the request came over HTTPS, and only then
//!   (ASP.NET Core's `CookieSecurePolicy.SameAsRequest`). "Came over HTTPS"
//!   is [`ClientInfo::scheme`](crate::ClientInfo), the same fact
//!   `https_redirect` acts on: what `proxy` believed from a trusted peer's
//!   `X-Forwarded-Proto` (or `Forwarded: proto=`), else the connection's own
//!   (plain HTTP under `axum::serve`, HTTPS when a TLS-terminating server
//!   put a `ClientInfo` saying so). An `X-Forwarded-Proto: https` from an
//!   untrusted peer, or in a stack without `proxy`, changes nothing, and
//!   neither does a scheme written in the request target. A cookie issued
//!   over plain HTTP then has no `Secure` and travels in clear, which is why
//!   `strata check --deploy` warns about `https_only = false` (S1303).
//!
//! - `store = "cookie"` (default): the cookie holds the data itself, as
//!   base64url JSON with its issue and expiry times, signed with HMAC-SHA256
//!   (the key is the secret from `secret_env`, at least 32 bytes). The data
//!   is readable by the client, like Starlette's, but cannot be changed or
//!   replayed past its expiry.
//! - `store = "redis"` (cargo feature `redis`): the cookie holds only a
//!   random 256-bit ID and its issue time, signed the same way; the data
//!   lives in Redis under `strata:session:<id>` with the same expiry, so it
//!   survives an app restart and is shared by every instance.
//!
//! A cookie that is tampered with, expired, malformed, signed with another
//! key, or names no stored session yields an empty session, never an error.
//!
//! When the cookie is sent: `Set-Cookie` goes out only when the session
//! changed (a handler or inner layer inserted, removed, cleared or renewed),
//! or, for rolling expiry, when more than half of `max_age` has passed since
//! the client's cookie was issued; the new cookie (and the Redis TTL) then
//! runs for `max_age` again. An unchanged session costs no header and no
//! Redis write. A session that becomes empty clears the cookie (`Max-Age=0`)
//! and deletes the Redis entry. Changes are saved when the response leaves
//! this layer, before the client gets it, so the next request sees them.
//!
//! Caches: a response that carries the session cookie gets
//! `Cache-Control: private` and `Vary: Cookie`, so no shared cache (a CDN,
//! a proxy) stores it and replays one user's cookie to another. An app's own
//! `no-store` or `private` is kept as written; any other `Cache-Control`
//! (`public, max-age=600`, say) becomes `private` plus the app's directives
//! without `public` and `s-maxage`: the browser may still cache it, no
//! shared cache may. A response that only read the session gets
//! `Vary: Cookie` (as Django does), so a cache never hands one user's page
//! to another user's cookie.
//!
//! A cookie larger than browsers keep (4096 bytes, RFC 6265 §6.1) is never
//! sent to be dropped silently: the client gets `500` with
//! `{"detail":"Internal server error"}`, and an error naming the cookie and
//! its size (never its value) is logged. Keep large data in Redis.
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
    /// Seconds a session lives after its cookie was last issued.
    pub max_age: u64,
    pub path: &'static str,
    pub domain: Option<&'static str>,
    pub same_site: SameSite,
    /// Send the cookie with `Secure` always; when `false`, only on requests
    /// that came over HTTPS ([`ClientInfo::scheme`](crate::ClientInfo)).
    pub https_only: bool,
}

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
