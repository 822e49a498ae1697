//! Lowering: the ordered plan becomes Rust tokens that build the runtime
//! layers from `static` configuration. This is the one place that knows how
//! a stack is constructed; the macro, `strata gen` and build.rs all call it.

use crate::middleware::private;
use crate::model::StackSpec;
use crate::order::Plan;
use crate::tree::Spanned;
use proc_macro2::TokenStream;
use quote::quote;

/// What one middleware contributes: `static` items (its checked
/// configuration), the layer expressions, outermost first, and hooks on the
/// user's `Router` itself.
#[derive(Debug, Default)]
pub struct Lowered {
    pub items: TokenStream,
    pub layers: Vec<TokenStream>,
    /// Expressions that rebuild the user's router before any layer wraps it,
    /// for middlewares that must see the routes (`redirect_slashes`): each
    /// names the router built so far [`router_ident`] and evaluates to the
    /// new one. The runtime's `route::Routes` bound makes a function that
    /// does not return a `Router` a compile error.
    pub router_hooks: Vec<TokenStream>,
}

impl Lowered {
    pub fn layer(layer: TokenStream) -> Self {
        Lowered {
            items: TokenStream::new(),
            layers: vec![layer],
            router_hooks: Vec::new(),
        }
    }

    /// A hook on the user's router and no layer; see [`Lowered::router_hooks`].
    pub fn router_hook(hook: TokenStream) -> Self {
        Lowered {
            router_hooks: vec![hook],
            ..Lowered::default()
        }
    }

    /// Adds a layer inside the ones already there.
    pub fn then(mut self, layer: TokenStream) -> Self {
        self.layers.push(layer);
        self
    }

    pub fn with_items(mut self, items: TokenStream) -> Self {
        self.items.extend(items);
        self
    }
}

/// What lowering needs to know about the code it lowers into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cx {
    /// The generated function returns a `Result`, so a missing environment
    /// variable becomes an `Err` (through `?`) instead of a panic.
    pub fallible: bool,
}

impl Cx {
    /// An expression of type `String`: the variable's value, read once when
    /// the stack is built; a missing one fails at start-up, naming it.
    pub fn env(&self, variable: &str, purpose: &str) -> TokenStream {
        let private = private();
        let read = quote!(#private::runtime::env::require(#variable, #purpose));
        if self.fallible {
            quote!(#read?)
        } else {
            quote!(#read.unwrap_or_else(|missing| ::core::panic!("{missing}")))
        }
    }
}

/// An expression that wraps `inner` in the whole stack, outermost layer first.
pub fn stack_expr(spec: &StackSpec, plan: &Plan, inner: TokenStream, cx: &Cx) -> TokenStream {
    let private = private();
    let mut items = TokenStream::new();
    let mut layers = Vec::new();
    let mut router_hooks = Vec::new();
    for placed in &plan.layers {
        let lowered = spec.layers[placed.layer].config.lower(cx);
        items.extend(lowered.items);
        layers.extend(lowered.layers);
        router_hooks.extend(lowered.router_hooks);
    }
    let inner = if router_hooks.is_empty() {
        inner
    } else {
        let router = router_ident();
        quote!({
            let #router = #inner;
            #(let #router = #router_hooks;)*
            #router
        })
    };
    quote! {{
        #items
        #private::ServiceBuilder::new()
            #(.layer(#layers))*
            .service(#inner)
    }}
}

/// The name under which a router hook sees the router built so far.
pub fn router_ident() -> proc_macro2::Ident {
    quote::format_ident!("__strata_router")
}

/// A `PathList` literal: exact paths without their trailing slash, and the
/// prefixes of `/*` subtrees.
pub fn path_list(patterns: Option<&Spanned<Vec<Spanned<String>>>>) -> TokenStream {
    let private = private();
    let mut exact = Vec::new();
    let mut subtrees = Vec::new();
    for pattern in patterns.iter().flat_map(|list| &list.value) {
        let text = pattern.value.as_str();
        if let Some(prefix) = text.strip_suffix("/*") {
            subtrees.push(prefix.to_string());
        } else if text.len() > 1 {
            exact.push(text.strip_suffix('/').unwrap_or(text).to_string());
        } else {
            exact.push(text.to_string());
        }
    }
    exact.sort();
    exact.dedup();
    subtrees.sort();
    subtrees.dedup();
    quote!(#private::runtime::paths::PathList { exact: &[#(#exact),*], subtrees: &[#(#subtrees),*] })
}
