//! Lowering: the ordered plan becomes Rust tokens that build the runtime
//! layers from `static` configuration. This is the one place that knows how
//! a stack is constructed; the macro, `strata gen` and build.rs all call it.

use crate::ir::private;
use crate::model::StackSpec;
use crate::order::Plan;
use proc_macro2::TokenStream;
use quote::quote;

// What a middleware lowers to lives in a leaf module; re-exported here.
pub use crate::ir::{Cx, Gates, Lowered, path_list, router_ident};

/// An expression that wraps `inner` in the whole stack, outermost layer first.
pub fn stack_expr(spec: &StackSpec, plan: &Plan, inner: TokenStream, cx: &Cx) -> TokenStream {
    let private = private();
    let mut items = TokenStream::new();
    let mut layers = Vec::new();
    let mut router_hooks = Vec::new();
    let mut reads_route = false;
    for placed in &plan.layers {
        let layer = &spec.layers[placed.layer];
        let lowered = crate::features::gate_middleware(cx, layer, layer.config.lower(cx));
        items.extend(lowered.items);
        layers.extend(lowered.layers);
        router_hooks.extend(lowered.router_hooks);
        reads_route |= lowered.reads_route;
    }
    // First: a hook after it that copies the router (`redirect_slashes`
    // serves the other form of a path through a clone) copies the marks too.
    if reads_route {
        router_hooks.insert(0, crate::ir::record_routes_hook());
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
    let env_checks = cx.env_checks();
    quote! {{
        #items
        #env_checks
        #private::runtime::Stack::new(
            #private::ServiceBuilder::new()
                #(.layer(#layers))*
                .service(#inner)
        )
    }}
}
