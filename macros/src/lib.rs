//! The `#[strata::stack(...)]` attribute.
//!
//! Thin on purpose: the attribute's tokens become a description tree
//! ([`attr`]), and everything else — model, rules, order, lowering — is
//! ordinary code in `strata-codegen`. On any error the user's function is
//! emitted unchanged beside the `compile_error!`s, so the rest of their crate
//! does not fill with follow-on errors.

mod attr;

use proc_macro::TokenStream;

/// Compiles a middleware stack around the annotated function's service.
///
/// See the `strata` crate for the syntax and the middlewares.
#[proc_macro_attribute]
pub fn stack(attribute: TokenStream, item: TokenStream) -> TokenStream {
    expand(attribute.into(), item.into()).into()
}

fn expand(attribute: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let mut tokens = syn::Error::new(
                error.span(),
                "#[strata::stack] goes on a function that returns the inner service, e.g. `fn app() -> Router`",
            )
            .into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    let document = match attr::parse(attribute) {
        Ok(document) => document,
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    let (compiled, diagnostics) = strata_codegen::compile(&document);
    let mut tokens = strata_codegen::emit::diagnostics(&diagnostics);
    let Some(compiled) = compiled else {
        tokens.extend(item);
        return tokens;
    };
    match strata_codegen::emit::wrap_function(&function, |inner| {
        strata_codegen::lower::stack_expr(&compiled.spec, &compiled.plan, inner)
    }) {
        Ok(wrapped) => tokens.extend(wrapped),
        Err(error) => {
            tokens.extend(error.into_compile_error());
            tokens.extend(item);
        }
    }
    tokens
}
