use std::task::{Context, Poll};

use http::{HeaderMap, HeaderName, Request};
use tower_service::Service;

use super::client::ClientInfo;
use super::forwarded::resolve;
use super::{ForwardedHeaders, ProxyPolicy};
use crate::trusted_host::host::host_of;

/// The X-Forwarded family, and its relatives that frameworks read for the
/// scheme (Rack's `X-Forwarded-Scheme`/`-Ssl`) or the path prefix.
static X_FORWARDED: [HeaderName; 7] = [
    HeaderName::from_static("x-forwarded-for"),
    HeaderName::from_static("x-forwarded-host"),
    HeaderName::from_static("x-forwarded-proto"),
    HeaderName::from_static("x-forwarded-port"),
    HeaderName::from_static("x-forwarded-prefix"),
    HeaderName::from_static("x-forwarded-scheme"),
    HeaderName::from_static("x-forwarded-ssl"),
];
const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

/// Middleware deciding who the client is; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct Proxy<S> {
    inner: S,
    policy: &'static ProxyPolicy,
}

impl<S> Proxy<S> {
    /// Wraps `inner` with `policy`.
    pub const fn new(inner: S, policy: &'static ProxyPolicy) -> Self {
        Self { inner, policy }
    }
}

impl<S, ReqBody> Service<Request<ReqBody>> for Proxy<S>
where
    S: Service<Request<ReqBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let own_host = host_of(request.uri(), request.headers()).ok().flatten();
        let connection = ClientInfo::of_connection(request.extensions(), own_host);
        let (info, trusted) = match resolve(self.policy, request.headers(), connection.ip) {
            Some(forwarded) => {
                let info = ClientInfo {
                    ip: forwarded.ip,
                    scheme: forwarded.scheme.unwrap_or(connection.scheme),
                    host: forwarded.host.or(connection.host),
                };
                (info, true)
            }
            None => (connection, false),
        };
        strip(request.headers_mut(), self.policy.headers, trusted);
        request.extensions_mut().insert(info);
        self.inner.call(request)
    }
}

/// Removes what must not reach the app: every forwarded header from an
/// untrusted peer; the family strata does not read from a trusted one.
fn strip(headers: &mut HeaderMap, family: ForwardedHeaders, trusted: bool) {
    let strip_x = !trusted || family == ForwardedHeaders::Forwarded;
    let strip_rfc = !trusted || family == ForwardedHeaders::XForwarded;
    if strip_x {
        for name in &X_FORWARDED {
            headers.remove(name);
        }
    }
    if strip_rfc {
        headers.remove(FORWARDED);
    }
    if !trusted {
        headers.remove(X_REAL_IP);
    }
}
