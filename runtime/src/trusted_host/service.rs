use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::LOCATION;
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::host::{host_name, requested_host};
use super::{ResponseFuture, TrustedHostPolicy};
use crate::response::{TEXT_PLAIN, fixed};

/// Middleware that answers requests for unknown hosts itself; see the
/// [module docs](super) for what a client sees.
#[derive(Clone, Copy, Debug)]
pub struct TrustedHost<S> {
    inner: S,
    policy: &'static TrustedHostPolicy,
}

impl<S> TrustedHost<S> {
    /// Wraps `inner` with `policy`.
    pub const fn new(inner: S, policy: &'static TrustedHostPolicy) -> Self {
        Self { inner, policy }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TrustedHost<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if self.policy.allow_any {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let policy = self.policy;
        let sent = requested_host(&request);
        let name = sent.and_then(host_name);
        if name.is_some_and(|name| policy.allows(name)) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let redirect = sent
            .zip(name)
            .filter(|&(_, name)| policy.www_redirect && policy.allows_www_of(name))
            .and_then(|(sent, _)| www_redirect(sent, &request));
        ResponseFuture::answer(redirect.unwrap_or_else(invalid_host))
    }
}

fn invalid_host<B: From<Bytes>>() -> Response<B> {
    fixed(StatusCode::BAD_REQUEST, TEXT_PLAIN, "Invalid host header")
}

/// `307` to the same URL on `www.<host>`.
///
/// `Location` is a scheme-relative reference (`//www.example.com/path`): the
/// browser resolves it against the URL it requested, so it keeps `https`
/// behind a TLS-terminating proxy where this service only ever sees plain
/// HTTP, and strata never has to guess the scheme. The host and port are
/// copied as sent; [`host_name`] has already checked they are well-formed.
fn www_redirect<B: From<Bytes>, R>(sent_host: &str, request: &Request<R>) -> Option<Response<B>> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .filter(|pq| pq.starts_with('/'))
        .unwrap_or("/");
    let location = format!("//www.{sent_host}{path_and_query}");
    let location = HeaderValue::try_from(location).ok()?;
    let mut response = Response::new(B::from(Bytes::new()));
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    response.headers_mut().insert(LOCATION, location);
    Some(response)
}
