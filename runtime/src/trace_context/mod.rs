//! `trace_context`: W3C Trace Context (level 1) for every request.
//!
//! What a client sees: nothing; responses pass through untouched.
//!
//! What handlers see: a [`TraceContext`] in the request extensions and as an
//! axum extractor:
//!
//! - A valid incoming `traceparent` (`00-<32 hex trace-id>-<16 hex
//!   parent-id>-<2 hex flags>`, lowercase hex, neither ID all zeros, version
//!   not `ff`; a later version is read by the version-00 rules from its
//!   first 55 characters, which a `-` must follow if there is more) is
//!   *continued*: same trace ID, its parent-id as [`TraceContext::parent_id`],
//!   its sampled flag, and a new random span ID for this server's part of the
//!   trace. Its `tracestate` (every `tracestate` field, joined with commas) is
//!   kept when it is well formed: at most 32 `key=value` members with the
//!   spec's key and value characters, no key twice, at most 512 bytes;
//!   otherwise it is dropped, as the spec allows.
//! - Anything else (no header, two headers, a malformed one) starts a new
//!   trace: random trace and span IDs, no parent, no `tracestate`, sampled
//!   as the layer was configured (`sampled`, default true).
//!
//! For an outgoing call, send [`TraceContext::traceparent`] (and
//! [`TraceContext::tracestate`]): the callee's parent is then this server's
//! span. The incoming request headers are left as the client sent them.
//!
//! An `access_log` inside this layer puts the trace ID on its `request` span
//! and on its event. Without that span (no `access_log`, or `span = false`)
//! there is nothing to export: the IDs still reach handlers. With the `otel` cargo feature, that span is exported
//! through `tracing-opentelemetry` (when the app installs its layer) as a
//! server span whose parent is the incoming `traceparent`'s span; the IDs in
//! [`TraceContext`] are then the exported span's own (OpenTelemetry's ID
//! generator and sampler decide them), so what a handler propagates names a
//! span that exists.
//!
//! IDs come from a fast thread-local generator (`fastrand`), as
//! OpenTelemetry's SDK does: a trace ID is a correlation handle, not a secret.

mod extract;
mod layer;
#[cfg(feature = "otel")]
pub(crate) mod otel;
mod parse;
mod service;

#[cfg(test)]
mod tests;

use std::fmt;

use http::{HeaderName, HeaderValue};

pub use layer::TraceContextLayer;
pub use service::SetTraceContext;

/// The W3C header that names the caller's trace and span.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The W3C header of vendor-specific trace data, passed on as it came.
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// A 16-byte trace ID, never all zeros; displayed as 32 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId([u8; 16]);

/// An 8-byte span ID, never all zeros; displayed as 16 lowercase hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanId([u8; 8]);

impl TraceId {
    /// The ID's bytes, as OpenTelemetry's `TraceId::from_bytes` takes them.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// A random ID, never all zeros.
    fn random() -> Self {
        loop {
            let id = fastrand::u128(..);
            if id != 0 {
                return Self(id.to_be_bytes());
            }
        }
    }
}

impl SpanId {
    /// The ID's bytes, as OpenTelemetry's `SpanId::from_bytes` takes them.
    pub const fn to_bytes(self) -> [u8; 8] {
        self.0
    }

    fn random() -> Self {
        loop {
            let id = fastrand::u64(..);
            if id != 0 {
                return Self(id.to_be_bytes());
            }
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    let mut text = [0u8; 32];
    for (index, byte) in bytes.iter().enumerate() {
        text[2 * index] = HEX[usize::from(byte >> 4)];
        text[2 * index + 1] = HEX[usize::from(byte & 0x0f)];
    }
    // Hex digits are ASCII.
    f.write_str(std::str::from_utf8(&text[..2 * bytes.len()]).map_err(|_| fmt::Error)?)
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// The W3C trace context of the current request; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: TraceId,
    span_id: SpanId,
    parent_id: Option<SpanId>,
    sampled: bool,
    tracestate: Option<HeaderValue>,
}

impl TraceContext {
    /// The trace this request belongs to: the caller's, or a new one.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// This server's span in the trace: the parent of any outgoing call.
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The caller's span (the incoming `traceparent`'s parent-id), or `None`
    /// when this request started the trace.
    pub fn parent_id(&self) -> Option<SpanId> {
        self.parent_id
    }

    /// Whether the trace is sampled (the caller's decision, or the layer's
    /// for a new trace).
    pub fn sampled(&self) -> bool {
        self.sampled
    }

    /// The `tracestate` to send on with an outgoing call: the caller's,
    /// when the trace was continued and it was well formed.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_ref().and_then(|value| value.to_str().ok())
    }

    /// The `traceparent` header value for an outgoing call: this trace, this
    /// server's span as the parent, version `00`.
    pub fn traceparent(&self) -> String {
        let flags = if self.sampled { "01" } else { "00" };
        format!("00-{}-{}-{flags}", self.trace_id, self.span_id)
    }

    /// Continues the caller's trace or starts one; see the [module docs](self).
    pub(crate) fn from_headers(headers: &http::HeaderMap, sample_new: bool) -> Self {
        let mut parents = headers.get_all(TRACEPARENT).iter();
        let parent = match (parents.next(), parents.next()) {
            (Some(only), None) => parse::traceparent(only.as_bytes()),
            _ => None,
        };
        match parent {
            Some(parent) => TraceContext {
                trace_id: parent.trace_id,
                span_id: SpanId::random(),
                parent_id: Some(parent.parent_id),
                sampled: parent.sampled,
                tracestate: parse::tracestate(headers),
            },
            None => TraceContext {
                trace_id: TraceId::random(),
                span_id: SpanId::random(),
                parent_id: None,
                sampled: sample_new,
                tracestate: None,
            },
        }
    }
}
