//! Cargo features: what a stack needs of the facade's build.
//!
//! Every middleware sits behind a cargo feature of the facade
//! `strata` named after it (on by default), as tower-http's do, so an app
//! compiles only what its stack uses. Which middleware needs which feature
//! is data: its line in the registry ([`crate::middleware`],
//! `jwt => Jwt(Jwt) needs "jwt"`). Options
//! that need one more (`backend = "redis"`, `allow_origin_regex`,
//! `algorithms = ["br"]`) are gated by their middleware's lowering with
//! [`gate`].
//!
//! strata cannot see the facade's features from here: the attribute is
//! expanded by a proc-macro crate and the generated module is rendered by
//! build.rs or the CLI. So the generated code asks the facade: for each
//! feature the facade exports a hidden macro, `__strata_require_<feature>!`,
//! that passes its tokens through when the feature is on and is a
//! `compile_error!` naming the feature when it is off. The gate's tokens
//! carry the span of what needs the feature (the middleware's name in the
//! attribute), so that is where rustc points.

use crate::diag::Loc;
use crate::ir::{Cx, Gates, Lowered};
use crate::model::Layer;
use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

/// Every cargo feature of the facade that generated code can gate on; the
/// facade defines one `__strata_require_<feature>!` macro for each.
pub const FEATURES: &[&str] = &[
    "access_log",
    "api_key",
    "block",
    "body_limit",
    "catch_panic",
    "compression",
    "compression_br",
    "concurrency_limit",
    "cors",
    "cors_regex",
    "custom",
    "decompression",
    "https_redirect",
    "jwt",
    "metrics",
    "proxy",
    "rate_limit",
    "redirect_slashes",
    "redis",
    "request_id",
    "security_headers",
    "session",
    "timeout",
    "timing",
    "trace_context",
    "trusted_host",
];

/// A middleware's lowering, gated on the feature its registry line names
/// (if any), at the middleware's name as written (`gzip` for an alias).
pub fn gate_middleware(cx: &Cx, layer: &Layer, lowered: Lowered) -> Lowered {
    match layer.config.def().feature() {
        Some(feature) => gate(cx, feature, &format!("`{}`", layer.key.value), &layer.key.loc, lowered),
        None => lowered,
    }
}

/// `lowered`, usable only with the facade's cargo feature `feature`; `what`
/// (Markdown, e.g. "`rate_limit(backend = \"redis\")`") is what the error
/// says needs it, and `at` where it points.
pub fn gate(cx: &Cx, feature: &str, what: &str, at: &Loc, lowered: Lowered) -> Lowered {
    debug_assert!(FEATURES.contains(&feature), "no gate macro for the feature {feature:?}");
    let span = at.span();
    let gate = Gate {
        path: gate_path(feature, span),
        what: {
            let mut literal = Literal::string(what);
            literal.set_span(span);
            literal
        },
        span,
    };
    match cx.gates {
        Gates::Wrap => Lowered {
            // Always emitted, even empty: the one place sure to report the
            // feature, whatever the middleware lowers to.
            items: gate.wrap(lowered.items),
            layers: lowered.layers.into_iter().map(|layer| gate.wrap(layer)).collect(),
            router_hooks: lowered.router_hooks.into_iter().map(|hook| gate.wrap(hook)).collect(),
            reads_route: lowered.reads_route,
        },
        Gates::Declare => {
            let Gate { path, what, span } = gate;
            let mut items = quote_spanned!(span=> #path(#what););
            items.extend(lowered.items);
            Lowered { items, ..lowered }
        }
    }
}

struct Gate {
    path: TokenStream,
    what: Literal,
    span: Span,
}

impl Gate {
    /// `::strata::__strata_require_jwt! { "`jwt`" => tokens }`, every token
    /// of the call (braces included) spanned where the error must point.
    fn wrap(&self, tokens: TokenStream) -> TokenStream {
        let Gate { path, what, span } = self;
        let mut body = Group::new(Delimiter::Brace, quote!(#what => #tokens));
        body.set_span(*span);
        quote_spanned!(*span=> #path #body)
    }
}

/// `::strata::__strata_require_<feature>!`, spanned on `span`.
fn gate_path(feature: &str, span: Span) -> TokenStream {
    let name = format_ident!("__strata_require_{}", feature, span = span);
    quote_spanned!(span=> ::strata::#name!)
}

/// `tokens` as they compile with every feature on: each wrapping gate
/// replaced by what it holds, each declared gate removed. The macro wraps
/// and the generated module declares; with the gates gone both front doors
/// must agree token for token (`codegen/tests/front_doors.rs`).
pub fn without_gates(tokens: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut at = 0;
    while at < trees.len() {
        if let Some((held, used)) = gate_at(&trees[at..]) {
            out.extend(without_gates(held));
            at += used;
            continue;
        }
        match &trees[at] {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), without_gates(group.stream()));
                inner.set_span(group.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other.clone()),
        }
        at += 1;
    }
    out.into_iter().collect()
}

/// A gate at the start of `trees`, `:: strata :: __strata_require_X ! (...)`:
/// what it holds (nothing for a declared gate) and how many trees it spans
/// (with a declared gate's `;`).
fn gate_at(trees: &[TokenTree]) -> Option<(TokenStream, usize)> {
    let punct = |tree: &TokenTree, c: char| matches!(tree, TokenTree::Punct(p) if p.as_char() == c);
    let [
        colon1,
        colon2,
        krate,
        colon3,
        colon4,
        name,
        bang,
        TokenTree::Group(body),
        ..,
    ] = trees
    else {
        return None;
    };
    let is_gate = punct(colon1, ':')
        && punct(colon2, ':')
        && matches!(krate, TokenTree::Ident(ident) if ident == "strata")
        && punct(colon3, ':')
        && punct(colon4, ':')
        && matches!(name, TokenTree::Ident(ident) if ident.to_string().starts_with("__strata_require_"))
        && punct(bang, '!');
    if !is_gate {
        return None;
    }
    let inside: Vec<TokenTree> = body.stream().into_iter().collect();
    match inside.as_slice() {
        [TokenTree::Literal(_), arrow, close, held @ ..] if punct(arrow, '=') && punct(close, '>') => {
            Some((held.iter().cloned().collect(), 8))
        }
        [TokenTree::Literal(_)] => {
            let semicolon = trees.get(8).is_some_and(|tree| punct(tree, ';'));
            Some((TokenStream::new(), 8 + usize::from(semicolon)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt_layer() -> Lowered {
        Lowered::layer(quote!(JwtLayer::new(&__STRATA_JWT))).with_items(quote!(
            static __STRATA_JWT: u8 = 0;
        ))
    }

    #[test]
    fn every_feature_the_registry_names_has_a_gate() {
        for def in crate::middleware::REGISTRY {
            if let Some(feature) = def.feature() {
                assert!(
                    FEATURES.contains(&feature),
                    "`{}` needs {feature:?}, not in FEATURES",
                    def.name
                );
            }
        }
        let named: Vec<_> = crate::middleware::REGISTRY
            .iter()
            .filter_map(|def| def.feature())
            .collect();
        for feature in ["jwt", "session", "api_key", "compression", "decompression", "metrics"] {
            assert!(named.contains(&feature), "no middleware needs {feature:?}");
        }
    }

    #[test]
    fn wrapped_gates_pass_every_piece_through_the_features_macro() {
        let gated = gate(&Cx::new(false), "jwt", "`jwt`", &Loc::Bytes(0..3), jwt_layer());
        assert_eq!(
            gated.items.to_string(),
            quote!(::strata::__strata_require_jwt! { "`jwt`" => static __STRATA_JWT: u8 = 0; }).to_string()
        );
        assert_eq!(gated.layers.len(), 1);
        assert_eq!(
            gated.layers[0].to_string(),
            quote!(::strata::__strata_require_jwt! { "`jwt`" => JwtLayer::new(&__STRATA_JWT) }).to_string()
        );
    }

    #[test]
    fn declared_gates_leave_the_code_as_written() {
        let gated = gate(
            &Cx::new(false).declaring_gates(),
            "redis",
            "`session(store = \"redis\")`",
            &Loc::Bytes(0..3),
            jwt_layer(),
        );
        assert_eq!(
            gated.items.to_string(),
            quote!(::strata::__strata_require_redis!("`session(store = \"redis\")`"); static __STRATA_JWT: u8 = 0;)
                .to_string()
        );
        assert_eq!(
            gated.layers[0].to_string(),
            quote!(JwtLayer::new(&__STRATA_JWT)).to_string()
        );
    }

    #[test]
    fn without_gates_both_styles_are_the_code_as_written() {
        let nested = || {
            let inner = gate(
                &Cx::new(false),
                "redis",
                "`session(store = \"redis\")`",
                &Loc::Bytes(0..3),
                jwt_layer(),
            );
            gate(&Cx::new(false), "session", "`session`", &Loc::Bytes(0..3), inner)
        };
        let declared = || {
            let cx = Cx::new(false).declaring_gates();
            let inner = gate(
                &cx,
                "redis",
                "`session(store = \"redis\")`",
                &Loc::Bytes(0..3),
                jwt_layer(),
            );
            gate(&cx, "session", "`session`", &Loc::Bytes(0..3), inner)
        };
        let as_written = jwt_layer();
        for gated in [nested(), declared()] {
            assert_eq!(without_gates(gated.items).to_string(), as_written.items.to_string());
            let layer = gated.layers.into_iter().next().unwrap();
            let layer = quote!(builder.layer(#layer));
            let written = &as_written.layers[0];
            assert_eq!(
                without_gates(layer).to_string(),
                quote!(builder.layer(#written)).to_string()
            );
        }
    }
}
