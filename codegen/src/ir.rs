//! What one middleware lowers to ([`Lowered`]), what lowering knows about
//! the code it lowers into ([`Cx`]), and the token helpers every
//! middleware's `lower` shares. A leaf: it knows no middleware; the hub
//! that lowers a whole plan is [`crate::lower`].

use crate::tree::Spanned;
use proc_macro2::TokenStream;
use quote::quote;

/// What one middleware contributes: `static` items (its checked
/// configuration) and the layer expressions, outermost first.
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
    /// The middleware reads the route template a request matched (`route`
    /// in `access_log`, `metrics`): strata then marks the app's routes once,
    /// before any other router hook, with [`record_routes_hook`].
    pub reads_route: bool,
}

impl Lowered {
    pub fn layer(layer: TokenStream) -> Self {
        Lowered {
            items: TokenStream::new(),
            layers: vec![layer],
            router_hooks: Vec::new(),
            reads_route: false,
        }
    }

    /// A hook on the user's router and no layer; see [`Lowered::router_hooks`].
    pub fn router_hook(hook: TokenStream) -> Self {
        Lowered {
            router_hooks: vec![hook],
            ..Lowered::default()
        }
    }

    /// The middleware reads the matched route template; see [`Lowered::reads_route`].
    pub fn reading_route(mut self) -> Self {
        self.reads_route = true;
        self
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

/// What lowering needs to know about the code it lowers into, and what it
/// collects on the way: the environment variables the stack reads, checked
/// all at once before any layer is built.
#[derive(Debug)]
pub struct Cx {
    /// The generated function returns a `Result`, so a missing environment
    /// variable becomes an `Err` (through `?`) instead of a panic.
    pub fallible: bool,
    /// How code that needs one of the facade's cargo features is emitted.
    pub gates: Gates,
    needs: std::cell::RefCell<Vec<TokenStream>>,
}

/// How lowering emits code that needs one of the facade's cargo features
/// (see [`crate::features`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gates {
    /// Every piece of such code is passed through the feature's gate macro:
    /// with the feature off each becomes the same error (rustc shows it
    /// once) and nothing that names the missing runtime items is compiled,
    /// so the error is the only one. What the attribute emits.
    Wrap,
    /// One gate statement per piece of code that needs a feature, the code
    /// itself left as written: readable, what the generated module (`strata
    /// gen`, build.rs) wants. With the feature off, rustc reports the gate
    /// first, then the runtime paths it cannot find.
    Declare,
}

impl Cx {
    pub fn new(fallible: bool) -> Self {
        Cx {
            fallible,
            gates: Gates::Wrap,
            needs: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Feature gates as statements beside the code; see [`Gates::Declare`].
    pub fn declaring_gates(mut self) -> Self {
        self.gates = Gates::Declare;
        self
    }

    /// An expression of type `String`: the variable's value, read once when
    /// the stack is built. The variable is also checked up front with every
    /// other one ([`Cx::env_checks`]), so start-up names all that are missing.
    pub fn env(&self, variable: &str, purpose: &str) -> TokenStream {
        self.env_checked(variable, purpose, quote!(any))
    }

    /// [`Cx::env`], with the value checked up front by `check`, a function of
    /// `strata_runtime::env` (`secret`, `key_list`, `redis_url`).
    pub fn env_checked(&self, variable: &str, purpose: &str, check: TokenStream) -> TokenStream {
        let private = private();
        self.needs.borrow_mut().push(quote! {
            #private::runtime::env::Need {
                variable: #variable,
                purpose: #purpose,
                check: #private::runtime::env::#check,
            }
        });
        let read = quote!(#private::runtime::env::require(#variable, #purpose));
        startup(self, read)
    }

    /// The up-front check of every variable asked for so far, as a statement,
    /// or nothing when the stack reads none.
    pub fn env_checks(&self) -> TokenStream {
        let needs = self.needs.borrow();
        if needs.is_empty() {
            return TokenStream::new();
        }
        let private = private();
        let check = startup(self, quote!(#private::runtime::env::check_all(&[#(#needs),*])));
        quote!(#check;)
    }
}

/// The absolute path of strata's hidden re-exports, used by every emitted item.
pub fn private() -> proc_macro2::TokenStream {
    quote::quote!(::strata::__private)
}

/// Header names are case-insensitive; `HeaderName::from_static` wants them lowercase.
pub fn header_name_tokens(name: &str) -> proc_macro2::TokenStream {
    let private = private();
    let lower = name.to_ascii_lowercase();
    quote::quote!(#private::http::HeaderName::from_static(#lower))
}

/// `text` as a JSON string literal, quotes included, for bodies built at compile time.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A start-up step that may fail (a secret missing from the environment, or
/// unusable): `?` when the user's function returns a `Result`, else a panic
/// whose message names the variable, before any request is served.
pub fn startup(cx: &Cx, fallible: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let private = private();
    if cx.fallible {
        quote::quote!(#fallible.map_err(#private::runtime::env::EnvError::from)?)
    } else {
        quote::quote!(#private::runtime::env::or_panic(#fallible))
    }
}

/// The name under which a router hook sees the router built so far.
pub fn router_ident() -> proc_macro2::Ident {
    quote::format_ident!("__strata_router")
}

/// The router hook that records, for every request that matches a route of
/// the app's axum `Router`, the route's template where `access_log` and
/// `metrics` read it (see the runtime's `route` module). Any other inner
/// service passes through unchanged: its requests match no route template.
/// The choice is made by method resolution on the concrete type, so it costs
/// nothing at run time and needs no bound on the user's function.
pub fn record_routes_hook() -> TokenStream {
    let private = private();
    let router = router_ident();
    quote!({
        #[allow(unused_imports)]
        use #private::runtime::route::{RecordRoutes as _, NoRoutesToRecord as _};
        (&#private::runtime::route::RouteHook::new(#router)).record_routes()
    })
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
