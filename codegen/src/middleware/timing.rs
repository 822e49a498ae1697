//! `timing`: how long the inner service took to produce the response head.

use super::{Config, Def, header_name_tokens, private};
use crate::diag::{Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub static DEF: Def = Def {
    name: "timing",
    aliases: &[],
    rank: 150,
    why: "innermost, so it measures the handler and nothing else",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: rules::HEADER_VALUE,
        level: Level::Error,
        summary: "`timing.header` is not a valid header name",
        check: Some(check_header),
    }],
};

#[derive(Clone, Debug)]
pub struct Timing {
    pub header: Option<Spanned<String>>,
    pub server_timing: bool,
}

impl Timing {
    pub const DEFAULT_HEADER: &'static str = "x-process-time";

    pub fn header(&self) -> &str {
        self.header.as_ref().map_or(Self::DEFAULT_HEADER, |h| h.value.as_str())
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let header = header_name_tokens(self.header());
        let server_timing = self.server_timing;
        Lowered::layer(quote!(#private::runtime::timing::TimingLayer::new(#header, #server_timing)))
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Timing(Timing {
        header: reader.string("header"),
        server_timing: reader.bool("server_timing").is_some_and(|flag| flag.value),
    })
}

fn check_header(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Timing>() {
        if let Some(header) = &config.header {
            rules::header_name(rules::HEADER_VALUE, "timing.header", header, diagnostics);
        }
    }
}
