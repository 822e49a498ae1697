//! `https_redirect`: send plain-HTTP clients to the same URL over HTTPS.
//!
//! What a client sees:
//!
//! - A request that arrived over HTTPS (or WSS): the inner service's response,
//!   untouched.
//! - A plain `http` request: `307 Temporary Redirect` (or the configured
//!   `status`) with an empty body and `Location: https://<host><path?query>`;
//!   a WebSocket upgrade (`Upgrade: websocket`) goes to `wss://`. The host is
//!   the one the client sent; ports 80 and 443 are dropped, any other port is
//!   kept (Starlette's rule). The inner service is not called.
//! - A request whose Host is missing or malformed: `400 Bad Request`,
//!   `Invalid host header`: a redirect must never echo a host that is not a
//!   host (`example.com:80@evil.com`).
//!
//! How the scheme is known: `axum::serve` speaks plain HTTP, so a request is
//! secure only when its URI says `https`/`wss`, or, with
//! `trust_forwarded_proto`, when the first entry of `X-Forwarded-Proto` is
//! `https` or `wss` (the scheme the client used at the outermost proxy; the
//! proxy must overwrite, not append to, a value the client sent). Without
//! `trust_forwarded_proto` the header is ignored, so a client cannot claim
//! to be on HTTPS.

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
    /// Believe `X-Forwarded-Proto`.
    pub trust_forwarded_proto: bool,
}
