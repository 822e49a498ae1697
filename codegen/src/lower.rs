//! Lowering: the ordered plan becomes Rust tokens that build the runtime
//! layers from `static` configuration. This is the one place that knows how
//! a stack is constructed; the macro, `strata gen` and build.rs all call it.

use crate::ir::private;
use crate::model::StackSpec;
use crate::order::Plan;
use crate::scope::{Onion, onion};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

// What a middleware lowers to lives in a leaf module; re-exported here.
pub use crate::ir::{Cx, Gates, Lowered, path_list, router_ident};

/// An expression that wraps `inner` in the whole stack, outermost layer first.
pub fn stack_expr(spec: &StackSpec, plan: &Plan, inner: TokenStream, cx: &Cx) -> TokenStream {
    let private = private();
    let tree = onion(plan);
    // Each layer is lowered once, however many branches go through it.
    let mut lowered: Vec<(usize, TokenStream, Vec<TokenStream>)> = Vec::new();
    let mut router_hooks = Vec::new();
    let mut route_reader = None;
    for layer in distinct_layers(&tree) {
        let Lowered {
            items,
            layers,
            router_hooks: hooks,
            reads_route: reads,
        } = crate::features::gate_middleware(cx, &spec.layers[layer], spec.layers[layer].config.lower(cx));
        router_hooks.extend(hooks);
        if reads && route_reader.is_none() {
            route_reader = Some(layer);
        }
        lowered.push((layer, items, layers));
    }
    // First: a hook after it that copies the router (`redirect_slashes`
    // serves the other form of a path through a clone) copies the marks too.
    // Gated as the middleware that reads the route is: without its cargo
    // feature the runtime has no `route` module, and that middleware's own
    // gate is the one error to report.
    if let Some(layer) = route_reader {
        let hook = Lowered::router_hook(crate::ir::record_routes_hook());
        let gated = crate::features::gate_middleware(cx, &spec.layers[layer], hook);
        router_hooks.splice(0..0, gated.router_hooks);
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
    // Each custom layer is placed alone or under an `IntoAxumBody` by what
    // its service answers around an axum-shaped service; the app is brought
    // to that shape first, so that this is what the layer really wraps
    // (runtime `custom::Placement`).
    let has_custom = distinct_layers(&tree)
        .into_iter()
        .any(|layer| matches!(spec.layers[layer].config, crate::middleware::Config::Custom(_)));
    let inner = if has_custom {
        quote!({
            #[allow(unused_imports)]
            use #private::runtime::custom::{AxumShaped as _, ConvertedApp as _};
            (&#private::runtime::custom::AppShape::new(#inner)).shaped()
        })
    } else {
        inner
    };
    let env_checks = cx.env_checks();
    if tree.is_chain() {
        let items: TokenStream = lowered.iter().map(|(_, items, _)| items.clone()).collect();
        let layers = lowered.into_iter().flat_map(|(_, _, layers)| layers);
        return quote! {{
            #items
            #env_checks
            #private::runtime::Stack::new(
                #private::ServiceBuilder::new()
                    #(.layer(#layers))*
                    .service(#inner)
            )
        }};
    }
    // With scopes, a layer may sit in several arms: every layer is built
    // once, in order, before the app (as in a chain), and each arm borrows
    // it. Its static configuration lives in a block of its own: two
    // branches may each have a `cors`.
    let mut bindings = TokenStream::new();
    let mut names: Vec<(usize, Vec<proc_macro2::Ident>)> = Vec::new();
    for (layer, items, expressions) in lowered {
        if expressions.is_empty() {
            // A router hook (`redirect_slashes`, whole-app, so one of a kind):
            // its items stay where the hook, built with the app, sees them.
            bindings.extend(items);
            continue;
        }
        let idents: Vec<proc_macro2::Ident> = (0..expressions.len())
            .map(|part| format_ident!("__strata_layer_{}_{}", layer, part))
            .collect();
        bindings.extend(quote!(let (#(#idents,)*) = { #items (#(#expressions,)*) };));
        names.push((layer, idents));
    }
    let app = format_ident!("__strata_app");
    let scopes = scope_table(spec);
    let branches = 1 + spec.scopes.len();
    let service = node(&tree, &names, &app, branches);
    quote! {{
        #scopes
        #env_checks
        #bindings
        let #app = #inner;
        #private::runtime::Stack::new(#service)
    }}
}

/// Every layer of the tree once, outermost first, arm by arm.
fn distinct_layers(tree: &Onion) -> Vec<usize> {
    let mut seen = Vec::new();
    let mut pending = vec![tree];
    while let Some(onion) = pending.pop() {
        for placed in &onion.layers {
            if !seen.contains(&placed.layer) {
                seen.push(placed.layer);
            }
        }
        pending.extend(onion.arms.iter().rev().map(|arm| &arm.onion));
    }
    seen
}

/// The most arms `strata-runtime` takes as a tuple (`OneOf8`).
const MAX_TUPLE_ARMS: usize = 8;

/// One node of the tree: its layers around the app or around a switch.
fn node(
    onion: &Onion,
    names: &[(usize, Vec<proc_macro2::Ident>)],
    app: &proc_macro2::Ident,
    branches: usize,
) -> TokenStream {
    let private = private();
    let layers = onion.layers.iter().flat_map(|placed| {
        names
            .iter()
            .find(|(layer, _)| *layer == placed.layer)
            .map(|(_, idents)| idents.clone())
            .unwrap_or_default()
    });
    let inside = if onion.arms.is_empty() {
        quote!(::core::clone::Clone::clone(&#app))
    } else {
        let arm_of_branch: Vec<u8> = (0..branches)
            .map(|branch| {
                onion
                    .arms
                    .iter()
                    .position(|arm| arm.branches.contains(&branch))
                    .and_then(|arm| u8::try_from(arm).ok())
                    .unwrap_or(0)
            })
            .collect();
        let arm_service = |arm: &crate::scope::Arm| node(&arm.onion, names, app, branches);
        // A flat tuple (its future one enum) up to the runtime's largest;
        // a type-level list beyond, whose future nests an enum per arm.
        let list = if (2..=MAX_TUPLE_ARMS).contains(&onion.arms.len()) {
            let services = onion.arms.iter().map(arm_service);
            quote!((#(#services,)*))
        } else {
            let mut arms = onion.arms.iter().rev();
            let mut list = match arms.next() {
                Some(last) => {
                    let service = arm_service(last);
                    quote!(#private::runtime::scope::LastArm::new(#service))
                }
                None => TokenStream::new(),
            };
            for arm in arms {
                let service = arm_service(arm);
                list = quote!(#private::runtime::scope::Arm::new(#service, #list));
            }
            list
        };
        quote!(#private::runtime::scope::Switch::new(&__STRATA_SCOPES, &[#(#arm_of_branch),*], #list))
    };
    quote! {
        #private::ServiceBuilder::new()
            #(.layer(&#layers))*
            .service(#inside)
    }
}

/// The scope patterns as the runtime's switch tries them, most specific first.
fn scope_table(spec: &StackSpec) -> TokenStream {
    let private = private();
    let patterns = crate::scope::selection(spec).into_iter().map(|(matcher, branch)| {
        let (path, subtree) = match matcher {
            crate::scope::Matcher::Exact(path) => (path, false),
            crate::scope::Matcher::Subtree(prefix) => (prefix, true),
        };
        let branch = u8::try_from(branch).unwrap_or(u8::MAX);
        quote!(#private::runtime::scope::Pattern { path: #path, subtree: #subtree, branch: #branch })
    });
    quote! {
        static __STRATA_SCOPES: #private::runtime::scope::Scopes =
            #private::runtime::scope::Scopes { patterns: &[#(#patterns),*] };
    }
}
