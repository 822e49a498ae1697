//! `access_log`: one `tracing` event per request, never a header value; with
//! `span` (the default), the whole request runs inside a `request` span.

use super::{Config, Def};
use crate::diag::Loc;
use crate::ir::{Cx, Lowered, path_list, private};
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::{format_ident, quote};

pub static DEF: Def = Def {
    name: "access_log",
    aliases: &[],
    rank: 20,
    why: "the log sees every answer, rejections included",
    whole_app: Some("every request gets its log line, whatever its path"),
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[],
};

#[derive(Clone, Debug)]
pub struct AccessLog {
    pub exclude_paths: Option<Spanned<Vec<Spanned<String>>>>,
    pub span: Option<Spanned<bool>>,
}

impl AccessLog {
    /// Whether the request runs inside a `request` span (default true).
    pub fn span(&self) -> bool {
        self.span.as_ref().is_none_or(|span| span.value)
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let excluded = format_ident!("__STRATA_ACCESS_LOG_EXCLUDED");
        let list = path_list(self.exclude_paths.as_ref());
        let layer = quote!(#private::runtime::access_log::AccessLogLayer::new(&#excluded));
        let layer = if self.span() {
            layer
        } else {
            quote!(#layer.with_span(false))
        };
        Lowered::layer(layer)
        .with_items(quote!(static #excluded: #private::runtime::paths::PathList = #list;))
        .reading_route()
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::AccessLog(AccessLog {
        exclude_paths: reader.paths("exclude_paths"),
        span: reader.bool("span"),
    })
}
