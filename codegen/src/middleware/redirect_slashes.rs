//! `redirect_slashes`: `/users/` and `/users` are one resource. As in
//! Starlette, only a path that matches no route as written is redirected (or
//! served) to its other form, and only when that form matches: the runtime
//! becomes the router's fallback, so it lowers to a hook on the user's
//! `Router`, not to a layer.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::{quote, quote_spanned};

pub const MODES: &[&str] = &["redirect", "trim"];

pub static DEF: Def = Def {
    name: "redirect_slashes",
    aliases: &[],
    rank: 155,
    why: "in the router, as Starlette's: only a path that matches no route is sent to its other form, so it acts where routing fails, inside every layer",
    whole_app: Some("it runs where the app's routing fails, which no scope can see"),
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
    /// The `redirect_slashes` key: a function that does not return a
    /// `Router` is reported there.
    pub at: Loc,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    Config::RedirectSlashes(RedirectSlashes {
        mode: reader.string("mode"),
        at: at.clone(),
    })
}

impl RedirectSlashes {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let mode = match self.mode.as_ref().map(|m| m.value.as_str()) {
            Some("trim") => quote!(Trim),
            _ => quote!(Redirect),
        };
        // Spanned on the key, the router included: a non-Router app is
        // reported on `redirect_slashes`.
        let router = proc_macro2::Ident::new(&crate::lower::router_ident().to_string(), self.at.span());
        Lowered::router_hook(quote_spanned!(self.at.span()=>
            #private::runtime::redirect_slashes::RedirectSlashes::new(
                #private::runtime::redirect_slashes::SlashMode::#mode
            )
            .attach(#router)
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
