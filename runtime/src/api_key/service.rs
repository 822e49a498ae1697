use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use tower_service::Service;

use super::{ApiKeyIdentity, ApiKeyLayer, ResponseFuture};
use crate::response::{APPLICATION_JSON, fixed};

/// Middleware requiring an API key; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct ApiKey<S> {
    pub(super) inner: S,
    pub(super) layer: ApiKeyLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ApiKey<S>
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

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let policy = self.layer.policy;
        // No method is exempt (see `jwt`): `cors`, which wraps auth, answers
        // real preflights before they get here.
        if policy.public_paths.matches(request.uri().path()) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        if let Some(identity) = self.accepts(&request) {
            request.extensions_mut().insert(identity);
            return ResponseFuture::inner(self.inner.call(request));
        }
        ResponseFuture::answer(fixed(
            StatusCode::FORBIDDEN,
            APPLICATION_JSON,
            r#"{"detail":"Invalid API key"}"#,
        ))
    }
}

impl<S> ApiKey<S> {
    /// The identity of the key the request presents, if it is one of ours.
    fn accepts<B>(&self, request: &Request<B>) -> Option<ApiKeyIdentity> {
        let mut values = request.headers().get_all(&self.layer.policy.header).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return None;
        };
        if value.is_empty() {
            return None;
        }
        let presented: [u8; 32] = Sha256::digest(value.as_bytes()).into();
        let mut matched = Choice::from(0);
        for digest in self.layer.digests.iter() {
            matched |= digest.ct_eq(&presented);
        }
        bool::from(matched).then_some(ApiKeyIdentity(presented))
    }
}
