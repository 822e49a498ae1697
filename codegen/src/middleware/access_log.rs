//! `access_log`: one `tracing` event per request, never a header value.

use super::{Config, Def, private};
use crate::diag::Loc;
use crate::lower::{Cx, Lowered, path_list};
use crate::model::Reader;
use crate::tree::Spanned;
use quote::{format_ident, quote};

pub static DEF: Def = Def {
    name: "access_log",
    aliases: &[],
    rank: 20,
    why: "the log sees every answer, rejections included",
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
}

impl AccessLog {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let excluded = format_ident!("__STRATA_ACCESS_LOG_EXCLUDED");
        let list = path_list(self.exclude_paths.as_ref());
        Lowered::layer(quote!(#private::runtime::access_log::AccessLogLayer::new(&#excluded)))
            .with_items(quote!(static #excluded: #private::runtime::paths::PathList = #list;))
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::AccessLog(AccessLog {
        exclude_paths: reader.paths("exclude_paths"),
    })
}
