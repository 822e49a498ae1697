use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{LOCATION, UPGRADE};
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::{HttpsRedirectPolicy, ResponseFuture};
use crate::proxy::{ClientInfo, is_https};
use crate::response::{TEXT_PLAIN, fixed};
use crate::trusted_host::host::{parse_host, requested_host};

/// Middleware redirecting plain-HTTP requests; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct HttpsRedirect<S> {
    pub(super) inner: S,
    pub(super) policy: &'static HttpsRedirectPolicy,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HttpsRedirect<S>
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
        if is_https(&request) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let status = StatusCode::from_u16(self.policy.status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
        let response = redirect(&request, status)
            .unwrap_or_else(|| fixed(StatusCode::BAD_REQUEST, TEXT_PLAIN, "Invalid host header"));
        ResponseFuture::answer(response)
    }
}

/// The redirect to the secure URL, or `None` when the host is unusable.
fn redirect<B: From<Bytes>, R>(request: &Request<R>, status: StatusCode) -> Option<Response<B>> {
    let own = requested_host(request).ok()?;
    let sent = match request.extensions().get::<ClientInfo>() {
        Some(client) => client.host.as_deref().or(own),
        None => own,
    }?;
    let host = parse_host(sent)?;
    let authority = match host.port {
        Some(80 | 443) => host.name.to_ascii_lowercase(),
        Some(port) => format!("{}:{port}", host.name),
        None => host.name.to_owned(),
    };
    let websocket = request
        .headers()
        .get(UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let scheme = if websocket { "wss" } else { "https" };
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .filter(|pq| pq.starts_with('/'))
        .unwrap_or("/");
    let location = HeaderValue::try_from(format!("{scheme}://{authority}{path_and_query}")).ok()?;
    let mut response = Response::new(B::from(Bytes::new()));
    *response.status_mut() = status;
    response.headers_mut().insert(LOCATION, location);
    Some(response)
}
