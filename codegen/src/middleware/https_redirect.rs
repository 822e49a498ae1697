//! `https_redirect`: plain-HTTP requests are sent to the same URL over HTTPS.
//! The scheme is the connection's, or the one `proxy` resolved.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::{Spanned, Value};
use quote::quote;

/// Redirect statuses a browser follows: 307/308 keep the method, 301/302 may turn a POST into a GET.
pub const STATUSES: &[u64] = &[301, 302, 307, 308];

pub static DEF: Def = Def {
    name: "https_redirect",
    aliases: &[],
    rank: 40,
    why: "plain HTTP is sent to HTTPS before any work, once the host is known to be ours",
    whole_app: Some("a scheme policy for part of the app leaves the rest downgradable"),
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: rules::WRONG_VALUE,
        level: Level::Error,
        summary: "`https_redirect.status` is not a redirect status (301, 302, 307, 308)",
        check: Some(check_status),
    }],
};

#[derive(Clone, Debug)]
pub struct HttpsRedirect {
    pub status: Option<Spanned<u64>>,
    /// Moved to `proxy`; read only to say so (S0402): whether it was `true`.
    pub trust_forwarded_proto: Option<Spanned<bool>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::HttpsRedirect(HttpsRedirect {
        status: reader.uint("status"),
        trust_forwarded_proto: reader
            .retired("trust_forwarded_proto")
            .map(|value| Spanned::new(matches!(value.value, Value::Bool(true)), value.loc.clone())),
    })
}

impl HttpsRedirect {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let status = self.status.as_ref().map_or(307, |s| s.value) as u16;
        Lowered::layer(quote!(#private::runtime::https_redirect::HttpsRedirectLayer::new(&__STRATA_HTTPS_REDIRECT)))
            .with_items(quote! {
                static __STRATA_HTTPS_REDIRECT: #private::runtime::https_redirect::HttpsRedirectPolicy =
                    #private::runtime::https_redirect::HttpsRedirectPolicy {
                        status: #status,
                    };
            })
    }
}

/// Any other status is not a redirect a browser follows, so plain-HTTP
/// clients would be stuck on an error page instead of reaching HTTPS.
fn check_status(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<HttpsRedirect>() {
        if let Some(status) = &config.status
            && !STATUSES.contains(&status.value)
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &status.loc,
                    format!("`https_redirect.status` is {}, not a redirect status", status.value),
                )
                .help("use 307 (the default) or 308, which keep the method; 301 and 302 also work"),
            );
        }
    }
}
