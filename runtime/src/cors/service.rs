use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, COOKIE, ORIGIN};
use http::{Method, Request, Response};
use tower_service::Service;

use super::future::SimpleHeaders;
use super::{CompiledPolicy, ResponseFuture, preflight};

/// Middleware applying the CORS policy; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct Cors<S> {
    pub(super) inner: S,
    pub(super) policy: CompiledPolicy,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
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
        let headers = request.headers();
        let Some(origin) = headers.get(ORIGIN) else {
            return ResponseFuture::passthrough(self.inner.call(request));
        };
        if request.method() == Method::OPTIONS
            && let Some(method) = headers.get(ACCESS_CONTROL_REQUEST_METHOD)
        {
            let requested_headers = headers.get(ACCESS_CONTROL_REQUEST_HEADERS);
            let response = preflight::response(&self.policy, origin, method, requested_headers);
            return ResponseFuture::preflight(response);
        }
        // Starlette's simple_response: echo the origin when the answer is
        // origin-specific. With all origins allowed, a request carrying cookies
        // still gets its own origin back: browsers refuse `*` on credentialed
        // requests.
        let reflect_origin = if self.policy.policy.allow_all_origins {
            headers.contains_key(COOKIE).then(|| origin.clone())
        } else {
            self.policy.allows_origin(origin).then(|| origin.clone())
        };
        let decoration = SimpleHeaders {
            policy: self.policy.policy,
            reflect_origin,
        };
        ResponseFuture::simple(self.inner.call(request), decoration)
    }
}
