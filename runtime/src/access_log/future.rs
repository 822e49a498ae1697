use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::{Method, Response, Uri};
use pin_project_lite::pin_project;
use tracing::Span;
use tracing::field::display;

use crate::RequestId;
use crate::route::{MatchedRoute, UNMATCHED};
use crate::trace_context::TraceId;

/// What is known about the request when it enters the layer.
#[derive(Debug)]
pub(super) struct RequestLine {
    pub(super) start: Instant,
    pub(super) method: Method,
    /// Kept whole (a cheap clone); only `path()` is ever logged.
    pub(super) uri: Uri,
    pub(super) request_id: Option<RequestId>,
    pub(super) trace_id: Option<TraceId>,
    pub(super) client_ip: Option<IpAddr>,
    pub(super) route: MatchedRoute,
}

/// Milliseconds with at most 3 decimals (whole microseconds), as a number:
/// `1.234`, never `1.2340000000000002`.
fn milliseconds(start: Instant) -> f64 {
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    micros as f64 / 1000.0
}

impl RequestLine {
    fn log<B, E>(&self, result: &Result<Response<B>, E>, span: &Span) {
        let duration_ms = milliseconds(self.start);
        let request_id = self.request_id.as_ref().map(RequestId::as_str);
        let trace_id = self.trace_id.map(display);
        let client_ip = self.client_ip.map(display);
        let route = self.route.template().unwrap_or(UNMATCHED);
        match result {
            Ok(response) => {
                #[cfg(feature = "otel")]
                otel_response(span, response.status());
                #[cfg(not(feature = "otel"))]
                let _ = span;
                tracing::info!(
                    target: "strata::access",
                    request_id,
                    trace_id,
                    method = %self.method,
                    path = self.uri.path(),
                    route,
                    status = response.status().as_u16(),
                    duration_ms,
                    client_ip,
                    "request"
                )
            }
            Err(_) => tracing::warn!(
                target: "strata::access",
                request_id,
                trace_id,
                method = %self.method,
                path = self.uri.path(),
                route,
                duration_ms,
                client_ip,
                "request failed in an inner service"
            ),
        }
    }
}

/// The OpenTelemetry server span's error status for a 5xx.
#[cfg(feature = "otel")]
fn otel_response(span: &Span, status: http::StatusCode) {
    if status.is_server_error() {
        span.record("otel.status_code", "error");
    }
}

pin_project! {
    /// Response future of [`AccessLog`](super::AccessLog): the inner
    /// service's future, polled inside the request span, logging when it
    /// yields.
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
        /// The path is excluded, or nothing would be recorded: no event, no span.
        Quiet { #[pin] future: F },
        /// Runs in the span and logs once the inner future yields.
        Logged { #[pin] future: F, line: RequestLine, span: Span },
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn quiet(future: F) -> Self {
        let kind = Kind::Quiet { future };
        Self { kind }
    }

    pub(super) fn logged(future: F, line: RequestLine, span: Span) -> Self {
        let kind = Kind::Logged { future, line, span };
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
            KindProj::Quiet { future } => future.poll(cx),
            KindProj::Logged { future, line, span } => {
                let _entered = span.enter();
                let result = ready!(future.poll(cx));
                line.log(&result, span);
                Poll::Ready(result)
            }
        }
    }
}
