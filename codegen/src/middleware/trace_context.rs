//! `trace_context`: W3C Trace Context. A valid incoming `traceparent` (and
//! its `tracestate`) is continued with a new span ID, anything else starts a
//! new trace; the IDs reach handlers (`strata::TraceContext`) and the
//! access log's span and event.

use super::{Config, Def};
use crate::diag::Loc;
use crate::ir::{Cx, Lowered, private};
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::quote;

pub static DEF: Def = Def {
    name: "trace_context",
    aliases: &[],
    rank: 15,
    why: "the trace exists before the request span opens, so the span and every log line carry its ID",
    whole_app: Some("every request continues or starts a trace, whatever its path"),
    must_wrap: &["access_log"],
    must_wrap_why: "the access log's span and event carry the trace ID, so the trace context must be read first",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[],
};

#[derive(Clone, Debug)]
pub struct TraceContext {
    /// The sampled flag of the traces strata starts (an incoming trace keeps
    /// its own).
    pub sampled: Option<Spanned<bool>>,
}

impl TraceContext {
    pub fn sampled(&self) -> bool {
        self.sampled.as_ref().is_none_or(|sampled| sampled.value)
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let sampled = self.sampled();
        Lowered::layer(quote!(#private::runtime::trace_context::TraceContextLayer::new(#sampled)))
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::TraceContext(TraceContext {
        sampled: reader.bool("sampled"),
    })
}
