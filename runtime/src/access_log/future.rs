use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::{Method, Response, Uri};
use pin_project_lite::pin_project;
use tracing::field::display;

use crate::RequestId;

/// What is known about the request when it enters the layer.
#[derive(Debug)]
pub(super) struct RequestLine {
    pub(super) start: Instant,
    pub(super) method: Method,
    /// Kept whole (a cheap clone); only `path()` is ever logged.
    pub(super) uri: Uri,
    pub(super) request_id: Option<RequestId>,
    pub(super) client_ip: Option<IpAddr>,
}

impl RequestLine {
    fn log<B, E>(&self, result: &Result<Response<B>, E>) {
        let duration_ms = self.start.elapsed().as_secs_f64() * 1000.0;
        let request_id = self.request_id.as_ref().map(RequestId::as_str);
        let client_ip = self.client_ip.map(display);
        match result {
            Ok(response) => tracing::info!(
                target: "strata::access",
                request_id,
                method = %self.method,
                path = self.uri.path(),
                status = response.status().as_u16(),
                duration_ms,
                client_ip,
                "request"
            ),
            Err(_) => tracing::warn!(
                target: "strata::access",
                request_id,
                method = %self.method,
                path = self.uri.path(),
                duration_ms,
                client_ip,
                "request failed in an inner service"
            ),
        }
    }
}

pin_project! {
    /// Response future of [`AccessLog`](super::AccessLog): the inner
    /// service's future, logging when it yields.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    #[derive(Debug)]
    enum Kind<F> {
        /// The path is excluded: no event.
        Excluded { #[pin] future: F },
        /// Logs once the inner future yields.
        Logged { #[pin] future: F, line: RequestLine },
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn excluded(future: F) -> Self {
        let kind = Kind::Excluded { future };
        Self { kind }
    }

    pub(super) fn logged(future: F, line: RequestLine) -> Self {
        let kind = Kind::Logged { future, line };
        Self { kind }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Excluded { future } => future.poll(cx),
            KindProj::Logged { future, line } => {
                let result = ready!(future.poll(cx));
                line.log(&result);
                Poll::Ready(result)
            }
        }
    }
}
