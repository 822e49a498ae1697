//! `https_redirect`: send plain-HTTP clients to the same URL over HTTPS.
//!
//! What a client sees:
//!
//! - A request that arrived over HTTPS: the inner service's response,
//!   untouched.
//! - A plain `http` request: `307 Temporary Redirect` (or the configured
//!   `status`) with an empty body and `Location: https://<host><path?query>`;
//!   a WebSocket upgrade (`Upgrade: websocket`) goes to `wss://`. The inner
//!   service is not called. As in Starlette, port 80 and 443 are dropped
//!   (and the host name is then lowercased, as Starlette's `url.hostname`
//!   does); any other port is kept, written in decimal without leading zeros
//!   (`Host: testserver:000080` is port 80, so `https://testserver/`).
//! - A request whose host is missing, malformed (`testserver:65536`,
//!   `[:::]`, `example.com:80@evil.com`) or ambiguous (two `Host` headers, a
//!   `Host` that disagrees with the target's authority): `400 Bad Request`,
//!   `Invalid host header`: a redirect never echoes a host that is not a host.
//!   (Starlette answers 500 to an out-of-range port.)
//!
//! How the scheme is known: from the connection, or from a `proxy` layer
//! outside, which believes `X-Forwarded-Proto` (or `Forwarded: proto=`) only
//! from a trusted proxy ([`ClientInfo`](crate::ClientInfo)). `axum::serve`
//! speaks plain HTTP, so without `proxy` every request is plain. A scheme
//! written in the request itself — an absolute-form target
//! `GET https://example.com/ HTTP/1.1` over plain TCP, or HTTP/2's
//! `:scheme: https` over h2c — is what the client claims, not how it
//! connected, and is never believed. The host in `Location` is the one the
//! `proxy` resolved, else the request's own (the target's authority, else
//! `Host`).

mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use layer::HttpsRedirectLayer;
pub use service::HttpsRedirect;

/// The response future: the inner service's, or the redirect made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// The compiled options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpsRedirectPolicy {
    /// 301, 302, 307 or 308.
    pub status: u16,
}
