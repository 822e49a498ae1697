use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{LOCATION, UPGRADE};
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::{HttpsRedirectPolicy, ResponseFuture};
use crate::response::{TEXT_PLAIN, fixed};
use crate::trusted_host::host::{host_name, requested_host};

/// `X-Forwarded-Proto`, not among `http`'s named headers.
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

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
        if is_secure(&request, self.policy.trust_forwarded_proto) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let status = StatusCode::from_u16(self.policy.status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
        let response = redirect(&request, status)
            .unwrap_or_else(|| fixed(StatusCode::BAD_REQUEST, TEXT_PLAIN, "Invalid host header"));
        ResponseFuture::answer(response)
    }
}

fn is_secure<B>(request: &Request<B>, trust_forwarded_proto: bool) -> bool {
    if matches!(request.uri().scheme_str(), Some("https" | "wss")) {
        return true;
    }
    if !trust_forwarded_proto {
        return false;
    }
    let Some(value) = request.headers().get(X_FORWARDED_PROTO) else {
        return false;
    };
    let first = value
        .to_str()
        .ok()
        .and_then(|text| text.split(',').next())
        .map(str::trim)
        .unwrap_or_default();
    first.eq_ignore_ascii_case("https") || first.eq_ignore_ascii_case("wss")
}

/// The redirect to the secure URL, or `None` when the host is unusable.
fn redirect<B: From<Bytes>, R>(request: &Request<R>, status: StatusCode) -> Option<Response<B>> {
    let sent = requested_host(request)?;
    let name = host_name(sent)?;
    let port = &sent[name.len()..];
    let authority = if matches!(port, ":80" | ":443" | ":") {
        name
    } else {
        sent
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
