//! `request_id`: keeps a valid incoming ID or generates a UUID, and puts it
//! in request extensions and on the response.

use super::{Config, Def, header_name_tokens, private};
use crate::diag::{Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub static DEF: Def = Def {
    name: "request_id",
    aliases: &[],
    rank: 10,
    why: "the ID exists before anything can answer, so every response and log line carries it",
    whole_app: Some("every request gets its ID, whatever its path"),
    must_wrap: &["access_log"],
    must_wrap_why: "the access log records the request ID, so the ID must be set first",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: rules::HEADER_VALUE,
        level: Level::Error,
        summary: "`request_id.header` is not a valid header name",
        check: Some(check_header),
    }],
};

#[derive(Clone, Debug)]
pub struct RequestId {
    pub header: Option<Spanned<String>>,
}

impl RequestId {
    pub const DEFAULT_HEADER: &'static str = "x-request-id";

    pub fn header(&self) -> &str {
        self.header.as_ref().map_or(Self::DEFAULT_HEADER, |h| h.value.as_str())
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let header = header_name_tokens(self.header());
        Lowered::layer(quote!(#private::runtime::request_id::RequestIdLayer::new(#header)))
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::RequestId(RequestId {
        header: reader.string("header"),
    })
}

fn check_header(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<RequestId>() {
        if let Some(header) = &config.header {
            rules::header_name(rules::HEADER_VALUE, "request_id.header", header, diagnostics);
        }
    }
}
