//! Emission: the function the user annotated, rewritten to return the
//! wrapped service; and diagnostics as `compile_error!`s on the user's tokens.

use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::private;
use crate::tree::{Spanned, Value};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned as _;

/// The whole `#[strata::stack]` expansion: the attribute's description
/// compiled and wrapped around the function, or every diagnostic beside the
/// function unchanged, so the rest of the crate does not fill with
/// follow-on errors.
pub fn attribute(attribute: TokenStream, item: TokenStream) -> TokenStream {
    crate::parse::limits::with_stack(|| expand(attribute, item))
}

fn expand(attribute: TokenStream, item: TokenStream) -> TokenStream {
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

/// Reads and compiles the file named by `file = ...` (relative to
/// `CARGO_MANIFEST_DIR`, like `include_str!`). File diagnostics are rendered
/// as `stack.toml:LINE:COL` snippets on the `file = "..."` literal. The
/// tokens returned either way carry them, and an `include_str!` of the file
/// so that editing it rebuilds the crate.
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
        Some(compiled) => Ok((compiled, tokens)),
        None => Err(tokens),
    }
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
    function: &syn::ItemFn,
    wrap: impl FnOnce(TokenStream, &crate::lower::Cx) -> TokenStream,
) -> syn::Result<TokenStream> {
    let signature = &function.sig;
    let syn::ReturnType::Type(_, output) = &signature.output else {
        return Err(syn::Error::new(
            signature.ident.span(),
            "#[strata::stack] goes on a function that returns the inner service, e.g. `fn app() -> Router`",
        ));
    };
    let mut arguments = Vec::new();
    for input in &signature.inputs {
        match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                    arguments.push(ident.ident.clone())
                }
                pattern => {
                    return Err(syn::Error::new(
                        pattern.span(),
                        "#[strata::stack]: give this argument a plain name; patterns are not supported here",
                    ));
                }
            },
            syn::FnArg::Receiver(receiver) => {
                return Err(syn::Error::new(
                    receiver.span(),
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
    let generic = !signature.generics.params.is_empty()
        || signature
            .inputs
            .iter()
            .any(|input| matches!(input, syn::FnArg::Typed(t) if matches!(*t.ty, syn::Type::ImplTrait(_))));
    let body_tokens = function.block.to_token_stream();
    let passed: Vec<usize> = (0..arguments.len())
        .filter(|&index| generic || mentions(&body_tokens, &arguments[index]))
        .collect();
    let passed_arguments: Vec<&syn::Ident> = passed.iter().map(|&index| &arguments[index]).collect();

    let inner_ident = format_ident!("__strata_inner_{}", signature.ident);
    let mut inner = function.clone();
    inner.sig.ident = inner_ident.clone();
    inner.attrs.clear();
    inner.vis = syn::Visibility::Inherited;
    inner.sig.inputs = signature
        .inputs
        .iter()
        .enumerate()
        .filter(|(index, _)| passed.contains(index))
        .map(|(_, input)| input.clone())
        .collect();

    // The inner service is built last, after the layers: a layer expression
    // may use an argument before the body takes it, and a missing secret
    // fails before any work is done.
    let wait = signature.asyncness.map(|_| quote!(.await));
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
    let mut outer_signature = signature.clone();
    outer_signature.output = syn::parse_quote!(-> #output_type);
    // The lints the user's body is spared (in `inner`) are spared in the
    // code around it too: it is strata's, and reads as the user's own to
    // rustc once `relocate` has moved it onto their function.
    let wrapped = quote! {
        #(#attrs)*
        #[allow(unused_qualifications)]
        #vis #outer_signature {
            #[allow(clippy::all, clippy::pedantic, unused_qualifications)]
            #inner
            #[allow(clippy::all, clippy::pedantic, unused_qualifications)]
            return #build;
        }
    };
    Ok(relocate(wrapped, signature.ident.span()))
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
    fn walk(tokens: TokenStream, name: Span, generated: &dyn Fn(Span) -> bool) -> (TokenStream, bool) {
        let mut moved_any = false;
        let tokens = tokens
            .into_iter()
            .map(|tree| match tree {
                proc_macro2::TokenTree::Group(group) => {
                    let here = generated(group.span());
                    let (inside, moved_inside) = walk(group.stream(), name, generated);
                    if !here && !moved_inside {
                        // The user's own group, untouched (both its delimiters' spans).
                        return proc_macro2::TokenTree::Group(group);
                    }
                    moved_any = true;
                    let mut moved = proc_macro2::Group::new(group.delimiter(), inside);
                    moved.set_span(if here { name } else { group.span() });
                    proc_macro2::TokenTree::Group(moved)
                }
                mut token => {
                    if generated(token.span()) {
                        token.set_span(name);
                        moved_any = true;
                    }
                    token
                }
            })
            .collect();
        (tokens, moved_any)
    }
    walk(tokens, name, &generated).0
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
fn refuse_stateful_router(output: &syn::Type) -> syn::Result<()> {
    let inner = match result_inner(output) {
        Some(ok) => ok,
        None => output,
    };
    let syn::Type::Path(path) = inner else { return Ok(()) };
    let Some(last) = path.path.segments.last() else {
        return Ok(());
    };
    if last.ident != "Router" {
        return Ok(());
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return Ok(());
    };
    match arguments.args.first() {
        Some(syn::GenericArgument::Type(syn::Type::Tuple(unit))) if unit.elems.is_empty() => Ok(()),
        Some(state) => Err(syn::Error::new(
            state.span(),
            format!(
                "a `Router<{}>` still needs its state, so it cannot serve requests\n\
                 help: end the function with `.with_state(state)` and return `Router` (that is, `Router<()>`); \
                 take the state as a parameter: `fn app(state: {}) -> Router`",
                state.to_token_stream(),
                state.to_token_stream()
            ),
        )),
        None => Ok(()),
    }
}

/// `T` of `Result<T, E>` (or of a `Result<T>` alias).
fn result_inner(output: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = output else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first() {
        Some(syn::GenericArgument::Type(ok)) => Some(ok),
        _ => None,
    }
}

/// For `Result<T, E>` or a `Result<T>` alias, the same type with `T`
/// replaced by the service type.
fn result_ok_type(output: &syn::Type) -> Option<TokenStream> {
    let syn::Type::Path(path) = output else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    if !matches!(arguments.args.first(), Some(syn::GenericArgument::Type(_))) {
        return None;
    }
    let mut replaced = path.clone();
    let last = replaced.path.segments.last_mut()?;
    if let syn::PathArguments::AngleBracketed(arguments) = &mut last.arguments
        && let Some(first) = arguments.args.first_mut()
    {
        let service = service_type();
        *first = syn::parse_quote!(#service);
    }
    Some(replaced.to_token_stream())
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
