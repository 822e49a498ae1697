//! The `#[strata::stack(...)]` attribute.
//!
//! Thin on purpose, like `serde_derive` over its internals: parsing the
//! attribute, the model, the rules, the order and the lowering are ordinary,
//! unit-tested code in `strata-codegen`; this crate only hands it the tokens
//! and hands back what it emits.

use proc_macro::TokenStream;

/// Compiles a middleware stack around the annotated function's service.
///
/// See the `strata` crate for the syntax and the middlewares.
#[proc_macro_attribute]
pub fn stack(attribute: TokenStream, item: TokenStream) -> TokenStream {
    strata_codegen::emit::attribute(attribute.into(), item.into()).into()
}
