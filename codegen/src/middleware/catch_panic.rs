//! `catch_panic`: a panic below becomes a 500 that still passes back out
//! through CORS, the request ID and the access log.

use super::{Config, Def, private};
use crate::diag::Loc;
use crate::lower::{Cx, Lowered};
use crate::model::Reader;
use quote::quote;

pub static DEF: Def = Def {
    name: "catch_panic",
    aliases: &[],
    rank: 80,
    why: "panics become 500s that still get CORS headers, the request ID and a log line",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[],
};

#[derive(Clone, Debug)]
pub struct CatchPanic;

impl CatchPanic {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        Lowered::layer(quote!(#private::runtime::catch_panic::CatchPanicLayer::new()))
    }
}

fn read(_reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::CatchPanic(CatchPanic)
}
