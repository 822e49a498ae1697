//! Emission: the function the user annotated, rewritten to return the
//! wrapped service; and diagnostics as `compile_error!`s on the user's tokens.

use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::private;
use crate::parse::function::{self, Function, InputKind, NOT_A_FUNCTION};
use crate::tree::{Spanned, Value};
use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

/// The whole `#[strata::stack]` expansion: the attribute's description
/// compiled and wrapped around the function, or every diagnostic beside the
/// function unchanged, so the rest of the crate does not fill with
/// follow-on errors.
pub fn attribute(attribute: TokenStream, item: TokenStream) -> TokenStream {
    let function = match crate::parse::function::parse(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    let document = match crate::parse::attr::parse(attribute) {
        Ok(document) => document,
        Err(error) => {
            let mut tokens = error.into_compile_error();
            tokens.extend(item);
            return tokens;
        }
    };
    // The description comes from the attribute, or from the file it names.
    let (compiled, mut tokens) = match file_setting(&document) {
        Some(file) => match compile_file(&document, &file) {
            Ok((compiled, tokens)) => (Some(compiled), tokens),
            Err(mut tokens) => {
                tokens.extend(item);
                return tokens;
            }
        },
        None => {
            let (compiled, found) = crate::compile(&document);
            (compiled, diagnostics(&found))
        }
    };
    let Some(compiled) = compiled else {
        tokens.extend(item);
        return tokens;
    };
    match wrap_function(&function, |inner, cx| {
        crate::lower::stack_expr(&compiled.spec, &compiled.plan, inner, cx)
    }) {
        Ok(wrapped) => tokens.extend(wrapped),
        Err(error) => {
            tokens.extend(error.into_compile_error());
            tokens.extend(item);
        }
    }
    tokens
}

/// `file = "stack.toml"`: the stack is described in that file.
fn file_setting(document: &crate::tree::Document) -> Option<Spanned<String>> {
    document
        .settings
        .iter()
        .find(|entry| entry.key.value == "file")
        .map(|entry| match &entry.value.value {
            Value::Str(path) => Spanned::new(path.clone(), entry.value.loc.clone()),
            _ => Spanned::new(String::new(), entry.value.loc.clone()),
        })
}

/// `file = ...` without the `toml` feature: the macro has no TOML reader
/// (the facade's feature `toml` turns it on), an error on `file` that says
/// so, as the facade's gates say it for a middleware.
#[cfg(not(feature = "toml"))]
fn compile_file(
    document: &crate::tree::Document,
    _file: &Spanned<String>,
) -> Result<(crate::Compiled, TokenStream), TokenStream> {
    let at = document
        .settings
        .iter()
        .find(|entry| entry.key.value == "file")
        .map_or_else(Span::call_site, |entry| entry.key.loc.span());
    Err(syn::Error::new(
        at,
        "strata: `file = \"...\"` needs strata's cargo feature `toml`, which is off\n\
         help: add it to strata's features in Cargo.toml: strata = { version = \"...\", features = [\"toml\"] }",
    )
    .into_compile_error())
}

/// Reads and compiles the file named by `file = ...` (relative to
/// `CARGO_MANIFEST_DIR`, like `include_str!`). File diagnostics are rendered
/// as `stack.toml:LINE:COL` snippets on the `file = "..."` literal. The
/// tokens returned either way carry them, and an `include_str!` of the file
/// so that editing it rebuilds the crate.
#[cfg(feature = "toml")]
fn compile_file(
    document: &crate::tree::Document,
    file: &Spanned<String>,
) -> Result<(crate::Compiled, TokenStream), TokenStream> {
    let span = file.loc.span();
    let fail = |message: String| Err(syn::Error::new(span, message).into_compile_error());
    if file.value.is_empty() {
        return fail("`file` expects the path of a stack.toml, e.g. file = \"stack.toml\"".into());
    }
    let mut profile = None;
    for entry in &document.settings {
        match (entry.key.value.as_str(), &entry.value.value) {
            ("file", _) => {}
            ("profile", Value::Str(name)) => profile = Some(name.clone()),
            (key, _) => {
                return Err(syn::Error::new(
                    entry.key.loc.span(),
                    format!("S0701: `{key}` cannot be combined with `file`; set it in the file's [stack] table\nhelp: move it into {}", file.value),
                )
                .into_compile_error());
            }
        }
    }
    if let Some(first) = document.middlewares.first() {
        return Err(syn::Error::new(
            first.key.loc.span(),
            format!(
                "S0701: with `file = \"{}\"` the middlewares are described in the file\nhelp: move `{}` into {}",
                file.value, first.key.value, file.value
            ),
        )
        .into_compile_error());
    }
    let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return fail("`file = ...` needs CARGO_MANIFEST_DIR; build with cargo".into());
    };
    let path = std::path::Path::new(&manifest).join(&file.value);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => return fail(format!("cannot read {}: {error}", path.display())),
    };
    let (compiled, found) = crate::compile_toml(&text, profile.as_deref());
    let source = crate::render::Source {
        name: &file.value,
        text: &text,
    };
    let mut rendered = Diagnostics::default();
    for diagnostic in crate::render::in_file_order(&found) {
        let mut located = diagnostic.clone();
        located.message = crate::render::inline(source, diagnostic);
        located.loc = file.loc.clone();
        located.notes.clear();
        rendered.push(located);
    }
    let path_text = path.display().to_string();
    let mut tokens = diagnostics(&rendered);
    tokens.extend(quote_spanned!(span=> const _: &str = ::core::include_str!(#path_text);));
    match compiled {
        Some(mut compiled) => {
            // A `layer` read from the file is rustc's to parse and type-check
            // here; its errors then point at `file = "..."`, where the
            // expression comes from, not at the function.
            for layer in &mut compiled.spec.layers {
                if let crate::middleware::Config::Custom(custom) = &mut layer.config
                    && let Some(expression) = &mut custom.layer
                {
                    expression.value = respan(&expression.value, span);
                }
            }
            Ok((compiled, tokens))
        }
        None => Err(tokens),
    }
}

/// `tokens` with every span set to `span` (their groups nest at most
/// [`crate::parse::limits::MAX_DEPTH`] deep: checked when they were read).
#[cfg(feature = "toml")]
fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(&group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The type the annotated function now returns: strata's `Stack` around an
/// opaque, fully static tower service. `axum::serve` accepts it as it is
/// (it is its own make-service, with connect info).
pub fn service_type() -> TokenStream {
    let private = private();
    quote! {
        #private::runtime::Stack<impl #private::Service<
            #private::Request,
            Response = #private::Response,
            Error = ::core::convert::Infallible,
            Future = impl ::core::future::Future<
                Output = ::core::result::Result<#private::Response, ::core::convert::Infallible>
            > + ::core::marker::Send + 'static,
        > + ::core::clone::Clone + ::core::marker::Send + 'static>
    }
}

/// Rewrites `fn app(args) -> Inner { body }` into a function of the same
/// name and arguments whose body builds `Inner` as before and returns it
/// wrapped in `stack`. A `Result<Inner, E>` (or `Result<Inner>` alias)
/// return becomes `Result<impl Service, E>`.
pub fn wrap_function(
    function: &Function,
    wrap: impl FnOnce(TokenStream, &crate::lower::Cx) -> TokenStream,
) -> syn::Result<TokenStream> {
    let Some((_, output)) = &function.output else {
        return Err(syn::Error::new(function.ident.span(), NOT_A_FUNCTION));
    };
    let mut arguments = Vec::new();
    for input in &function.inputs {
        match &input.kind {
            InputKind::Named { ident, .. } => arguments.push(ident.clone()),
            InputKind::Pattern(span) => {
                return Err(syn::Error::new(
                    *span,
                    "#[strata::stack]: give this argument a plain name; patterns are not supported here",
                ));
            }
            InputKind::Receiver(span) => {
                return Err(syn::Error::new(
                    *span,
                    "#[strata::stack] goes on a free function, not a method",
                ));
            }
        }
    }

    refuse_stateful_router(output)?;

    // Only the arguments the body uses go to the inner function: the others
    // stay here for `custom(layer = ...)` expressions to use by value. With
    // generics, every argument goes (a dropped one could leave a type
    // parameter that nothing infers).
    let generic = function.is_generic()
        || function
            .inputs
            .iter()
            .any(|input| matches!(input.kind, InputKind::Named { impl_trait: true, .. }));
    let body_tokens = function.body.stream();
    let passed: Vec<usize> = (0..arguments.len())
        .filter(|&index| generic || mentions(&body_tokens, &arguments[index]))
        .collect();
    let passed_arguments: Vec<&proc_macro2::Ident> = passed.iter().map(|&index| &arguments[index]).collect();

    let inner_ident = format_ident!("__strata_inner_{}", function.ident);
    let inner_signature = function.signature(&inner_ident, Some(&passed), function.written_output());
    let inner_body = &function.body;

    // The inner service is built last, after the layers: a layer expression
    // may use an argument before the body takes it, and a missing secret
    // fails before any work is done.
    let wait = function.is_async.then(|| quote!(.await));
    let (output_type, build) = match result_ok_type(output) {
        Some(result) => {
            let wrapped = wrap(
                quote!(#inner_ident(#(#passed_arguments),*) #wait ?),
                &crate::lower::Cx::new(true),
            );
            (result, quote!(::core::result::Result::Ok(#wrapped)))
        }
        None => {
            let wrapped = wrap(
                quote!(#inner_ident(#(#passed_arguments),*) #wait),
                &crate::lower::Cx::new(false),
            );
            (service_type(), wrapped)
        }
    };

    let attrs = &function.attrs;
    let vis = &function.vis;
    let outer_signature = function.signature(&function.ident, None, quote!(-> #output_type));
    // The lints the user's body is spared (in `inner`) are spared in the
    // code around it too: it is strata's, and reads as the user's own to
    // rustc once `relocate` has moved it onto their function.
    let wrapped = quote! {
        #(#attrs)*
        #[allow(unused_qualifications)]
        #(#vis)* #outer_signature {
            #[allow(clippy::all, clippy::pedantic, unused_qualifications)]
            #inner_signature #inner_body
            #[allow(clippy::all, clippy::pedantic, unused_qualifications)]
            return #build;
        }
    };
    Ok(relocate(wrapped, function.ident.span()))
}

/// Moves every token strata generated onto `name` (the annotated function's
/// name), as a plain span of the user's file; the user's own tokens keep
/// theirs.
///
/// Why: rustc's incremental cache sees every span of a macro expansion move
/// when an edit above it shifts the file's bytes, but not the spans of code
/// written in the file while the lines stay put. With `quote!`'s call-site
/// spans, any edit above the stack in the same file (a handler's string
/// changing length) made rustc type-check the whole generated function
/// again, the largest in most apps and growing with the stack's depth
/// (BENCHMARKS.md, section 12): a 30-layer stack's incremental `cargo check`
/// cost 1.4–1.65× the hand-written stack's.
/// Names resolve as before (call-site spans resolve as the user's own code
/// does); rustc reports an error in generated code on the function's name
/// instead of on the attribute. Generated code must expand no macro either
/// (its expansion would be hashed by position again): hence
/// `runtime::env::or_panic` rather than `panic!`.
///
/// Generated tokens are told apart by their span: `Span::call_site()`, the
/// whole attribute, which no token the user wrote covers.
fn relocate(tokens: TokenStream, name: Span) -> TokenStream {
    let call_site = Span::call_site();
    let (c, d) = (call_site.start(), call_site.end());
    let generated = |span: Span| {
        let (a, b) = (span.start(), span.end());
        (a.line, a.column, b.line, b.column) == (c.line, c.column, d.line, d.column)
    };
    // A walk with a stack of its own: the user's body may nest deeper than
    // the macro's thread could recurse.
    struct Level {
        trees: proc_macro2::token_stream::IntoIter,
        moved: Vec<TokenTree>,
        moved_any: bool,
        group: Option<Group>,
    }
    let level = |trees: TokenStream, group: Option<Group>| Level {
        trees: trees.into_iter(),
        moved: Vec::new(),
        moved_any: false,
        group,
    };
    let mut levels = vec![level(tokens, None)];
    while let Some(top) = levels.last_mut() {
        match top.trees.next() {
            Some(TokenTree::Group(group)) => levels.push(level(group.stream(), Some(group))),
            Some(mut token) => {
                if generated(token.span()) {
                    token.set_span(name);
                    top.moved_any = true;
                }
                top.moved.push(token);
            }
            None => {
                let Some(done) = levels.pop() else { break };
                let Some(group) = done.group else {
                    return done.moved.into_iter().collect();
                };
                let here = generated(group.span());
                let tree = if !here && !done.moved_any {
                    // The user's own group, untouched (both its delimiters' spans).
                    TokenTree::Group(group)
                } else {
                    let mut moved = Group::new(group.delimiter(), done.moved.into_iter().collect());
                    moved.set_span(if here { name } else { group.span() });
                    TokenTree::Group(moved)
                };
                if let Some(parent) = levels.last_mut() {
                    parent.moved_any |= here || done.moved_any;
                    parent.moved.push(tree);
                }
            }
        }
    }
    TokenStream::new()
}

/// Whether `ident` appears anywhere in `tokens` (walked without recursion),
/// also inside a string literal: `format!("{name}")` captures `name`.
fn mentions(tokens: &TokenStream, ident: &syn::Ident) -> bool {
    let name = ident.to_string();
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(proc_macro2::TokenTree::Ident(found)) if found == *ident => return true,
            Some(proc_macro2::TokenTree::Literal(literal)) if literal.to_string().contains(&name) => return true,
            Some(proc_macro2::TokenTree::Group(group)) => stack.push(group.stream().into_iter()),
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    false
}

/// `-> Router<AppState>`: a router that still needs its state cannot serve
/// requests; rustc would say so in terms of strata's internals.
fn refuse_stateful_router(output: &[TokenTree]) -> syn::Result<()> {
    let inner = match function::result_ok(output) {
        Some(ok) => &output[ok],
        None => output,
    };
    let Some((last, arguments)) = function::path_arguments(inner) else {
        return Ok(());
    };
    if last != "Router" {
        return Ok(());
    }
    let Some(first) = arguments.first() else {
        return Ok(());
    };
    let state = &inner[first.clone()];
    if matches!(state, [TokenTree::Group(unit)] if unit.delimiter() == Delimiter::Parenthesis && unit.stream().is_empty())
    {
        return Ok(());
    }
    let written: TokenStream = state.iter().cloned().collect();
    Err(syn::Error::new(
        function::span_of(state),
        format!(
            "a `Router<{written}>` still needs its state, so it cannot serve requests\n\
             help: end the function with `.with_state(state)` and return `Router` (that is, `Router<()>`); \
             take the state as a parameter: `fn app(state: {written}) -> Router`"
        ),
    ))
}

/// For `Result<T, E>` or a `Result<T>` alias, the same type with `T`
/// replaced by the service type.
fn result_ok_type(output: &[TokenTree]) -> Option<TokenStream> {
    let ok = function::result_ok(output)?;
    let mut replaced: TokenStream = output[..ok.start].iter().cloned().collect();
    replaced.extend(service_type());
    replaced.extend(output[ok.end..].iter().cloned());
    Some(replaced)
}

/// Every finding as rustc shows it, in source order: each error a
/// `compile_error!` spanned on the offending token, with its notes as
/// `note:` lines of the same message (a stable proc macro cannot attach a
/// second span to an error, and a note rendered as an `error:` of its own
/// reads as a second mistake), and warnings as deprecation warnings (the
/// only warning a stable proc macro can raise).
pub fn diagnostics(diagnostics: &Diagnostics) -> TokenStream {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    // Stable: findings at the same token keep the order they were found in.
    ordered.sort_by_key(|diagnostic| source_position(&diagnostic.loc));
    let mut tokens = TokenStream::new();
    for (index, diagnostic) in ordered.into_iter().enumerate() {
        match diagnostic.level {
            Level::Error => tokens.extend(error(diagnostic)),
            Level::Warning => tokens.extend(warning(diagnostic, index)),
        }
    }
    tokens
}

/// Line and column (1-based) of a span, when the compiler tells (it does
/// since Rust 1.88); `None` for spans that do not come from a file.
fn line_column(span: Span) -> Option<(usize, usize)> {
    let start = span.start();
    (start.line > 0).then_some((start.line, start.column + 1))
}

fn source_position(loc: &Loc) -> (usize, usize) {
    match loc {
        Loc::Span(span) => line_column(*span).unwrap_or((0, 0)),
        Loc::Bytes(range) => (0, range.start),
    }
}

/// `CODE: message`, a `note:` line per note (with where it points), and the fix.
fn message(diagnostic: &Diagnostic) -> String {
    let mut text = format!("{}: {}", diagnostic.code, diagnostic.message);
    for note in &diagnostic.notes {
        text.push_str("\nnote: ");
        text.push_str(&note.message);
        if let Loc::Span(span) = &note.loc
            && let Some((line, column)) = line_column(*span)
        {
            text.push_str(&format!(" (line {line}, column {column})"));
        }
    }
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

fn error(diagnostic: &Diagnostic) -> TokenStream {
    syn::Error::new(diagnostic.loc.span(), message(diagnostic)).into_compile_error()
}

fn warning(diagnostic: &Diagnostic, index: usize) -> TokenStream {
    let span: Span = diagnostic.loc.span();
    let name = format_ident!("strata_warning_{}", index, span = span);
    let note = format!("\n{}", message(diagnostic));
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #name: () = ();
            #name
        };
    }
}
