use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::LOCATION;
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::host::{parse_host, requested_host};
use super::{ResponseFuture, TrustedHostPolicy};
use crate::proxy::ClientInfo;
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
        match refusal(self.policy, &request) {
            None => ResponseFuture::inner(self.inner.call(request)),
            Some(answer) => ResponseFuture::answer(answer),
        }
    }
}

/// The answer to a request whose host is not ours, or `None` to let it in.
fn refusal<B: From<Bytes>, R>(policy: &TrustedHostPolicy, request: &Request<R>) -> Option<Response<B>> {
    let Ok(own) = requested_host(request) else {
        return Some(invalid_host());
    };
    let sent = match request.extensions().get::<ClientInfo>() {
        Some(client) => client.host.as_deref().or(own),
        None => own,
    };
    let exempt = policy.exempt_paths.matches(request.uri().path());
    let Some(sent) = sent else {
        return (!exempt).then(invalid_host);
    };
    let Some(host) = parse_host(sent) else {
        return Some(invalid_host());
    };
    if exempt || policy.allows(host.name) {
        return None;
    }
    let redirect = (policy.www_redirect && policy.allows_www_of(host.name))
        .then(|| www_redirect(sent, request))
        .flatten();
    Some(redirect.unwrap_or_else(invalid_host))
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
/// copied as sent; [`parse_host`] has already checked they are well-formed.
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
