//! `redirect_slashes`: `/users/` and `/users` are one resource.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub const MODES: &[&str] = &["redirect", "trim"];

pub static DEF: Def = Def {
    name: "redirect_slashes",
    aliases: &[],
    rank: 110,
    why: "paths are made canonical after the limits counted the request and before the session and auth see it",
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: rules::WRONG_VALUE,
        level: Level::Error,
        summary: "`redirect_slashes.mode` is not \"redirect\" or \"trim\"",
        check: Some(check_mode),
    }],
};

#[derive(Clone, Debug)]
pub struct RedirectSlashes {
    pub mode: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::RedirectSlashes(RedirectSlashes {
        mode: reader.string("mode"),
    })
}

impl RedirectSlashes {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let mode = match self.mode.as_ref().map(|m| m.value.as_str()) {
            Some("trim") => quote!(Trim),
            _ => quote!(Redirect),
        };
        Lowered::layer(quote!(
            #private::runtime::redirect_slashes::RedirectSlashesLayer::new(
                #private::runtime::redirect_slashes::SlashMode::#mode
            )
        ))
    }
}

fn check_mode(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<RedirectSlashes>() {
        if let Some(mode) = &config.mode
            && !MODES.contains(&mode.value.as_str())
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &mode.loc,
                    format!(
                        "`redirect_slashes.mode` must be \"redirect\" or \"trim\", found \"{}\"",
                        mode.value
                    ),
                )
                .help("\"redirect\" answers 307 to the path without the slash; \"trim\" rewrites it silently"),
            );
        }
    }
}
