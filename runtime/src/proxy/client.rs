//! `ClientInfo`: who the client is, as the `proxy` layer decided, or as the
//! connection says when there is no `proxy` layer.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, FromRequestParts};
use http::Request;
use http::request::Parts;

use crate::trusted_host::host::host_of;

/// The scheme the client used to reach the outermost server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (or `ws`): what `axum::serve` speaks.
    #[default]
    Http,
    /// HTTPS (or `wss`).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// `http`, `https`, `ws` or `wss`, in any case; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("https") || text.eq_ignore_ascii_case("wss") {
            Some(Scheme::Https)
        } else if text.eq_ignore_ascii_case("http") || text.eq_ignore_ascii_case("ws") {
            Some(Scheme::Http)
        } else {
            None
        }
    }
}

/// Who the client is: its address, the scheme it used and the host it asked
/// for. Cheap to clone.
///
/// With a `proxy` layer in the stack, these are what a trusted proxy
/// forwarded (`X-Forwarded-For`/`-Proto`/`-Host` or RFC 7239 `Forwarded`), or
/// the connection's own when the peer is not trusted; the layer puts the
/// result in the request extensions, and `trusted_host`, `https_redirect`,
/// `rate_limit`, `access_log` and `session` (its `Secure` flag with
/// `https_only = false`) read it from there.
///
/// Without a `proxy` layer, they are the connection's: the peer address from
/// axum's `ConnectInfo<SocketAddr>` (or `MockConnectInfo` in tests),
/// [`Scheme::Http`] (what `axum::serve` speaks), and the host of the request
/// itself. A server that terminates TLS itself can insert a `ClientInfo`
/// with [`Scheme::Https`] into each request's extensions before the stack
/// runs; strata takes that as the connection's.
///
/// As an axum extractor it never fails:
///
/// ```
/// use axum::{routing::get, Router};
///
/// async fn whoami(client: strata_runtime::ClientInfo) -> String {
///     format!("{:?} over {}", client.ip, client.scheme.as_str())
/// }
///
/// let app: Router = Router::new().route("/whoami", get(whoami));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address; `None` when the app is served without connect
    /// info and no trusted proxy named the client.
    pub ip: Option<IpAddr>,
    /// The scheme the client used.
    pub scheme: Scheme,
    /// The host the client asked for, possibly with a port (`api.example.com:8443`),
    /// as sent: `trusted_host` checks it. `None` when the request named no
    /// host, or named two different ones.
    pub host: Option<String>,
}

impl ClientInfo {
    /// Whether the client used HTTPS.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// What the connection alone says about a request: a `ClientInfo` a
    /// TLS-terminating server put there, else the peer address and plain
    /// HTTP; the host is the request's own.
    pub(crate) fn of_connection(extensions: &http::Extensions, host: Option<&str>) -> Self {
        if let Some(info) = extensions.get::<ClientInfo>() {
            return ClientInfo {
                ip: info.ip.or_else(|| peer(extensions)),
                scheme: info.scheme,
                host: info.host.clone().or_else(|| host.map(str::to_owned)),
            };
        }
        ClientInfo {
            ip: peer(extensions),
            scheme: Scheme::Http,
            host: host.map(str::to_owned),
        }
    }
}

/// The peer address axum's `ConnectInfo` recorded, or, in tests, the one
/// axum's `MockConnectInfo` layer stands in with (it stores itself, not a
/// `ConnectInfo`, which its extractor then falls back to).
pub(crate) fn peer(extensions: &http::Extensions) -> Option<IpAddr> {
    let address = match extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(address)) => address,
        None => &extensions.get::<MockConnectInfo<SocketAddr>>()?.0,
    };
    Some(address.ip().to_canonical())
}

/// The client's address for the layers that key or log by it: the one a
/// `proxy` layer (or the server) decided, else the peer's.
#[allow(dead_code)] // without `rate_limit` and `access_log`
pub(crate) fn client_ip<B>(request: &Request<B>) -> Option<IpAddr> {
    match request.extensions().get::<ClientInfo>() {
        Some(info) => info.ip,
        None => peer(request.extensions()),
    }
}

/// Whether the client used HTTPS: only when a `proxy` layer (or the server)
/// said so. A scheme written in the request target (`GET https://… HTTP/1.1`
/// over plain TCP, or HTTP/2's `:scheme`) is the client's claim, not a fact.
#[allow(dead_code)] // without `session` and `https_redirect`
pub(crate) fn is_https<B>(request: &Request<B>) -> bool {
    request
        .extensions()
        .get::<ClientInfo>()
        .is_some_and(ClientInfo::is_https)
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(info) = parts.extensions.get::<ClientInfo>() {
            return Ok(info.clone());
        }
        let host = host_of(&parts.uri, &parts.headers).ok().flatten();
        Ok(ClientInfo::of_connection(&parts.extensions, host))
    }
}
