use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::USER_AGENT;
use http::{Request, Response, StatusCode};
use tower_service::Service;

use super::{BlockPolicy, ResponseFuture};
use crate::response::{APPLICATION_JSON, fixed};

/// Middleware refusing blocked clients; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct Block<S> {
    pub(super) inner: S,
    pub(super) policy: &'static BlockPolicy,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Block<S>
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
        let blocked = request
            .headers()
            .get_all(USER_AGENT)
            .iter()
            .any(|agent| self.policy.blocks(agent.as_bytes()));
        if !blocked {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let status = StatusCode::from_u16(self.policy.status).unwrap_or(StatusCode::GONE);
        ResponseFuture::answer(fixed(status, APPLICATION_JSON, self.policy.body))
    }
}
