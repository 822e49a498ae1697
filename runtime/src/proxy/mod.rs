//! `proxy`: the one place that decides who the client is.
//!
//! Behind a load balancer or reverse proxy every connection comes from the
//! proxy; the client's address, the scheme it used and the host it asked for
//! arrive in headers the proxy writes (`X-Forwarded-For`, `X-Forwarded-Proto`,
//! `X-Forwarded-Host`, or RFC 7239 `Forwarded`). Anyone can write those
//! headers, so they are believed only from a peer in `trusted_proxies` (or,
//! with `hops = n`, when the chain is at least `n` proxies long).
//!
//! What a client sees: nothing; requests and responses pass through. What
//! the layers inside and the app see:
//!
//! - A [`ClientInfo`] in the request extensions (also an axum extractor):
//!   - from a trusted peer: the rightmost address in `X-Forwarded-For` that
//!     is not a trusted proxy (with `hops = n`, the `n`-th from the right);
//!     the scheme and host the client-facing proxy recorded
//!     (`X-Forwarded-Proto`/`-Host`, or the `proto`/`host` of the same
//!     `Forwarded` element), else the connection's;
//!   - from any other peer: the peer's address, plain HTTP, and the host of
//!     the request itself.
//! - The forwarded headers from an untrusted peer are removed before any
//!   inner layer or handler runs, so nothing downstream can be fooled by
//!   them: `Forwarded`, `X-Forwarded-For`, `-Host`, `-Proto`, `-Port`,
//!   `-Prefix`, `-Scheme`, `-Ssl` and `X-Real-IP`. From a trusted peer the
//!   family strata does not read (`Forwarded` with `headers = "x-forwarded"`,
//!   the `X-Forwarded-*` headers with `headers = "forwarded"`) is removed,
//!   since the proxy may pass a client's copy through untouched; the rest
//!   stays as the proxy wrote it.
//!
//! An address that cannot be read (`unknown`, an obfuscated `_name`, a
//! garbled or duplicated `Forwarded` parameter) ends the walk at the last
//! address that could: everything to its left is unverifiable.
//!
//! Without connect info (`into_make_service` instead of
//! `into_make_service_with_connect_info::<SocketAddr>()`), no peer can be
//! trusted by address: with `trusted_proxies` every request is treated as
//! coming from an untrusted peer of unknown address.

mod cidr;
mod client;
mod forwarded;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use cidr::Cidr;
pub use client::{ClientInfo, Scheme};
pub use layer::ProxyLayer;
pub use service::Proxy;

// What the other middlewares read; which of them are built depends on the
// cargo features.
#[allow(unused_imports)]
pub(crate) use client::{client_ip, is_https};

/// Which proxies may speak for the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Peers (and forwarded hops) in these ranges are proxies.
    Proxies(&'static [Cidr]),
    /// This many proxies stand in front, each appending one entry.
    Hops(u16),
}

/// Which header family the proxies write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardedHeaders {
    /// `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host`.
    XForwarded,
    /// RFC 7239 `Forwarded`.
    Forwarded,
}

/// The compiled options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyPolicy {
    pub trust: Trust,
    pub headers: ForwardedHeaders,
}
