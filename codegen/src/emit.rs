//! Emission: the function the user annotated, rewritten to return the
//! wrapped service; and diagnostics as `compile_error!`s on the user's tokens.

use crate::diag::{Diagnostic, Diagnostics, Level};
use crate::middleware::private;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// The whole `#[strata::stack]` expansion: the attribute's description
/// compiled and wrapped around the function, or every diagnostic beside the
/// function unchanged, so the rest of the crate does not fill with
/// follow-on errors.
pub fn attribute(attribute: TokenStream, item: TokenStream) -> TokenStream {
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
    let (compiled, found) = crate::compile(&document);
    let mut tokens = diagnostics(&found);
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

/// The type the annotated function now returns: an opaque, fully static
/// tower service that `axum::serve` accepts.
fn service_type() -> TokenStream {
    let private = private();
    quote! {
        impl #private::Service<
            #private::Request,
            Response = #private::Response,
            Error = ::core::convert::Infallible,
            Future = impl ::core::future::Future<
                Output = ::core::result::Result<#private::Response, ::core::convert::Infallible>
            > + ::core::marker::Send + 'static,
        > + ::core::clone::Clone + ::core::marker::Send + 'static
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

    let inner_ident = format_ident!("__strata_inner_{}", signature.ident);
    let mut inner = function.clone();
    inner.sig.ident = inner_ident.clone();
    inner.attrs.clear();
    inner.vis = syn::Visibility::Inherited;

    let wait = signature.asyncness.map(|_| quote!(.await));
    let (output_type, build) = match result_ok_type(output) {
        Some(result) => {
            let wrapped = wrap(quote!(__strata_service), &crate::lower::Cx { fallible: true });
            (
                result,
                quote! {
                    let __strata_service = #inner_ident(#(#arguments),*) #wait ?;
                    ::core::result::Result::Ok(#wrapped)
                },
            )
        }
        None => {
            let wrapped = wrap(quote!(__strata_service), &crate::lower::Cx { fallible: false });
            (
                service_type(),
                quote! {
                    let __strata_service = #inner_ident(#(#arguments),*) #wait;
                    #wrapped
                },
            )
        }
    };

    let attrs = &function.attrs;
    let vis = &function.vis;
    let mut outer_signature = signature.clone();
    outer_signature.output = syn::parse_quote!(-> #output_type);
    Ok(quote! {
        #(#attrs)*
        #vis #outer_signature {
            #[allow(clippy::all, clippy::pedantic, unused_qualifications)]
            #inner
            #build
        }
    })
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

/// Every error as a `compile_error!` spanned on the offending token, notes as
/// their own errors on their own tokens, and warnings as deprecation
/// warnings (the only warning a stable proc macro can raise).
pub fn diagnostics(diagnostics: &Diagnostics) -> TokenStream {
    let mut tokens = TokenStream::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        match diagnostic.level {
            Level::Error => tokens.extend(error(diagnostic)),
            Level::Warning => tokens.extend(warning(diagnostic, index)),
        }
    }
    tokens
}

fn error(diagnostic: &Diagnostic) -> TokenStream {
    let mut error = syn::Error::new(diagnostic.loc.span(), diagnostic.rustc_message());
    for note in &diagnostic.notes {
        error.combine(syn::Error::new(
            note.loc.span(),
            format!("note ({}): {}", diagnostic.code, note.message),
        ));
    }
    error.into_compile_error()
}

fn warning(diagnostic: &Diagnostic, index: usize) -> TokenStream {
    let span: Span = diagnostic.loc.span();
    let name = format_ident!("strata_warning_{}", index);
    let note = format!("\n{}", diagnostic.rustc_message());
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #name: () = ();
            #name
        };
    }
}
