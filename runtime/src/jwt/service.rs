use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Request, Response, StatusCode};
use tower_service::Service;

use super::{Claims, JwtLayer, ResponseFuture};
use crate::response::{APPLICATION_JSON, fixed};

/// Middleware requiring a valid bearer JWT; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct Jwt<S> {
    pub(super) inner: S,
    pub(super) layer: JwtLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Jwt<S>
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
        // No method is exempt: a handler registered with `any()`, a fallback or
        // `route_service` answers OPTIONS too. Real CORS preflights never get
        // here, because `cors` (which must wrap auth) answers them itself.
        if self.layer.policy.public_paths.matches(request.uri().path()) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let Some(token) = bearer_token(&request) else {
            return ResponseFuture::answer(missing_token());
        };
        let verifier = &self.layer.verifier;
        match jsonwebtoken::decode::<serde_json::Value>(token, &verifier.key, &verifier.validation) {
            Ok(data) if data.claims.is_object() => {
                request.extensions_mut().insert(Claims::new(data.claims));
                ResponseFuture::inner(self.inner.call(request))
            }
            Ok(_) => ResponseFuture::answer(invalid_token()),
            Err(error) => {
                tracing::debug!(target: "strata::jwt", reason = ?error.kind(), "token refused");
                ResponseFuture::answer(invalid_token())
            }
        }
    }
}

/// The token of the one `Authorization: Bearer <token>` header (scheme
/// case-insensitive), or `None`.
fn bearer_token<B>(request: &Request<B>) -> Option<&str> {
    let mut values = request.headers().get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let text = value.to_str().ok()?;
    let (scheme, token) = text.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn unauthorized<B: From<Bytes>>(body: &'static str) -> Response<B> {
    let mut response = fixed(StatusCode::UNAUTHORIZED, APPLICATION_JSON, body);
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

pub(super) fn missing_token<B: From<Bytes>>() -> Response<B> {
    unauthorized(r#"{"detail":"Missing token"}"#)
}

fn invalid_token<B: From<Bytes>>() -> Response<B> {
    unauthorized(r#"{"detail":"Invalid token"}"#)
}
