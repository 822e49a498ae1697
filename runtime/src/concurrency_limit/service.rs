use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::{InFlight, ResponseFuture, server_busy};

/// Middleware shedding load over its limit; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct ConcurrencyLimit<S> {
    pub(super) inner: S,
    pub(super) in_flight: Arc<InFlight>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ConcurrencyLimit<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is the inner service's; the slot is taken in `call`, so a
        // caller that polls ready and never calls holds nothing.
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        match InFlight::try_acquire(&self.in_flight) {
            Some(permit) => ResponseFuture::inner(self.inner.call(request), permit),
            None => ResponseFuture::busy(server_busy()),
        }
    }
}
