use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tower_service::Service;

use super::{ResponseFuture, log_panic};
use crate::RequestId;

/// Middleware turning panics into `500`; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct CatchPanic<S> {
    inner: S,
}

impl<S> CatchPanic<S> {
    /// Wraps `inner`.
    pub const fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CatchPanic<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // Taken now: the request is gone once the inner service has it.
        let request_id = request.extensions().get::<RequestId>().cloned();
        // Unwind safety: after a panic the inner service is only used for later
        // requests, as with tower-http's CatchPanic; its own state is its concern.
        match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => ResponseFuture::inner(future, request_id),
            Err(payload) => {
                log_panic(request_id.as_ref(), &*payload);
                ResponseFuture::panicked()
            }
        }
    }
}
