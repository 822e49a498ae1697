use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN};
use http::{Method, Request, Response};
use tower_service::Service;

use super::future::Decoration;
use super::preflight::{ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, Preflight};
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
            return ResponseFuture::decorated(self.inner.call(request), Decoration::VaryOnly);
        };
        if request.method() == Method::OPTIONS
            && let Some(method) = headers.get(ACCESS_CONTROL_REQUEST_METHOD)
        {
            let asked = Preflight {
                origin,
                method,
                headers: headers.get(ACCESS_CONTROL_REQUEST_HEADERS),
                private_network: headers.contains_key(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK),
            };
            return ResponseFuture::preflight(preflight::response(&self.policy, asked));
        }
        // Starlette's simple_response: echo the origin when the answer is
        // origin-specific (an allowed origin of a list or regex, or any
        // origin of a hand-written `*` policy with credentials, which strata
        // refuses to generate: S0101).
        let policy = self.policy.policy;
        let reflect = if policy.allow_all_origins {
            policy.allow_credentials
        } else {
            self.policy.allows_origin(origin)
        };
        let decoration = Decoration::Cors {
            policy,
            reflect_origin: reflect.then(|| origin.clone()),
        };
        ResponseFuture::decorated(self.inner.call(request), decoration)
    }
}
