use std::task::{Context, Poll};
use std::time::Instant;

use http::{Request, Response};
use tower_service::Service;
use tracing::Span;
use tracing::field::{Empty, display};

use super::ResponseFuture;
use super::future::RequestLine;
use crate::RequestId;
use crate::paths::PathList;
use crate::proxy::client_ip;
use crate::route::MatchedRoute;
use crate::trace_context::TraceContext;

/// Middleware emitting the access log; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct AccessLog<S> {
    inner: S,
    exclude: &'static PathList,
    span: bool,
}

impl<S> AccessLog<S> {
    /// Wraps `inner`, skipping paths in `exclude`; with `span`, each request
    /// runs inside a `request` span.
    pub const fn new(inner: S, exclude: &'static PathList, span: bool) -> Self {
        Self { inner, exclude, span }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLog<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        if self.exclude.matches(request.uri().path()) {
            return ResponseFuture::quiet(self.inner.call(request));
        }
        // The field values are evaluated only when a subscriber wants the span.
        let span = if self.span {
            tracing::info_span!(
                target: "strata::request",
                "request",
                request_id = request.extensions().get::<RequestId>().map(RequestId::as_str),
                trace_id = Empty,
                method = %request.method(),
                route = Empty,
                client_ip = client_ip(&request).map(display),
                otel.kind = cfg!(feature = "otel").then_some("server"),
                // An OpenTelemetry span is named when it starts, before routing:
                // `GET`, as the HTTP conventions name a span without its route.
                otel.name = cfg!(feature = "otel").then(|| display(request.method())),
                otel.status_code = Empty,
            )
        } else {
            Span::none()
        };
        // Neither a span nor the event would record anything (no subscriber
        // listens at INFO): the request passes for the cost of two checks.
        if span.is_disabled() && !tracing::enabled!(target: "strata::access", tracing::Level::INFO) {
            return ResponseFuture::quiet(self.inner.call(request));
        }
        let start = Instant::now();
        let trace_id = match request.extensions_mut().get_mut::<TraceContext>() {
            Some(trace) => {
                #[cfg(feature = "otel")]
                crate::trace_context::otel::adopt(&span, trace);
                span.record("trace_id", display(trace.trace_id()));
                Some(trace.trace_id())
            }
            None => None,
        };
        let route = MatchedRoute::of(&mut request);
        route.record_on(&span);
        let line = RequestLine {
            start,
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: request.extensions().get::<RequestId>().cloned(),
            trace_id,
            client_ip: client_ip(&request),
            route,
        };
        // The inner layers' own `call`s run in the span too.
        let future = span.in_scope(|| self.inner.call(request));
        ResponseFuture::logged(future, line, span)
    }
}
