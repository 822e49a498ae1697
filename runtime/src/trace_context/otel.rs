//! With the `otel` feature: the request span of `access_log` becomes the
//! OpenTelemetry server span of the trace (see the [module docs](super)).

use opentelemetry::trace::{
    SpanContext, SpanId as OtelSpanId, TraceContextExt as _, TraceFlags, TraceId as OtelTraceId, TraceState,
};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{SpanId, TraceContext, TraceId};

/// Makes `span` a child of the caller's span (when the trace was continued)
/// and takes its OpenTelemetry IDs into `context`, so that what a handler
/// propagates names the exported span. Without `tracing-opentelemetry`'s
/// layer in the subscriber, or with the span disabled, nothing changes.
#[cfg_attr(not(feature = "access_log"), allow(dead_code))] // `access_log` calls it
pub(crate) fn adopt(span: &tracing::Span, context: &mut TraceContext) {
    if span.is_disabled() {
        return;
    }
    if let Some(parent) = context.parent_id {
        let flags = if context.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let state = context
            .tracestate()
            .and_then(|text| text.parse::<TraceState>().ok())
            .unwrap_or_default();
        let remote = SpanContext::new(
            OtelTraceId::from_bytes(context.trace_id.0),
            OtelSpanId::from_bytes(parent.0),
            flags,
            true,
            state,
        );
        let parent = opentelemetry::Context::new().with_remote_span_context(remote);
        if span.set_parent(parent).is_err() {
            // No OpenTelemetry layer: strata's own IDs stand.
            return;
        }
    }
    let built = span.context();
    let exported = built.span().span_context().clone();
    if exported.is_valid() {
        context.trace_id = TraceId(exported.trace_id().to_bytes());
        context.span_id = SpanId(exported.span_id().to_bytes());
        context.sampled = exported.is_sampled();
    }
}
