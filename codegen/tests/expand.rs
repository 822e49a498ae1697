//! What the macro emits, as readable Rust: a snapshot of the expansion of a
//! representative stack, so every change to generated code is reviewed.

use quote::quote;

fn expand(attribute: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
    let tokens = strata_codegen::emit::attribute(attribute, item);
    let file: syn::File = syn::parse2(tokens).expect("the expansion is a valid Rust file");
    prettyplease::unparse(&file)
}

#[test]
fn a_full_stack_expands_to_static_policies_and_concrete_layers() {
    let expanded = expand(
        quote! {
            timing,
            cors(
                allow_origins = ["https://b.example.com", "https://a.example.com"],
                allow_credentials = true,
                allow_methods = ["GET", "POST"],
                allow_headers = ["Authorization"],
                expose_headers = ["x-request-id"],
            ),
            trusted_host(allowed_hosts = ["api.example.com", "*.example.com"]),
            compression(minimum_size = 1024, algorithms = ["gzip", "br"]),
            request_id,
            access_log(exclude_paths = ["/health/", "/docs/*"]),
            catch_panic,
            custom(name = "audit", layer = audit::AuditLayer::new(), after = "catch_panic"),
        },
        quote! {
            pub fn app(state: AppState) -> Router {
                Router::new().with_state(state)
            }
        },
    );
    insta::assert_snapshot!(expanded);
}

#[test]
fn a_result_returning_function_keeps_its_error_type() {
    let expanded = expand(
        quote!(request_id),
        quote! {
            async fn app() -> anyhow::Result<Router> {
                Ok(Router::new())
            }
        },
    );
    assert!(expanded.contains("async fn app() -> anyhow::Result<"), "{expanded}");
    assert!(expanded.contains("__strata_inner_app().await?"), "{expanded}");
}

#[test]
fn errors_leave_the_function_unchanged() {
    let expanded = strata_codegen::emit::attribute(
        quote!(corz),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string();
    assert!(expanded.contains("compile_error"), "{expanded}");
    assert!(expanded.contains("fn app () -> Router"), "{expanded}");
}

/// Every token strata writes sits on the annotated function's name, as a
/// plain span, and none is a macro call (but the feature gates, which leave
/// nothing of their own): rustc's incremental cache hashes a
/// macro expansion's spans (and those of a macro expanded inside it) by
/// where they sit in the file, so an edit above the stack would otherwise
/// have rustc type-check the whole stack again (BENCHMARKS.md, section 12).
#[test]
fn generated_tokens_sit_on_the_functions_name_and_call_no_macro() {
    // Parsed from text, the user's tokens have lines and columns of their
    // own; `quote!` gives `Span::call_site()`.
    let attribute: proc_macro2::TokenStream = r#"
        request_id,
        access_log,
        session(secret_env = "SESSION_SECRET"),
        jwt(secret_env = "JWT_SECRET"),
        custom(name = "audit", layer = tower::layer::util::Identity::new()),
        scope("/admin/*", api_key(keys_env = "ADMIN_KEYS"), timing),
    "#
    .parse()
    .expect("tokens");
    let item: proc_macro2::TokenStream = "\n\n\nfn app() -> Router {\n    Router::new()\n}\n"
        .parse()
        .expect("tokens");
    let expanded = strata_codegen::emit::attribute(attribute, item);

    fn walk(tokens: proc_macro2::TokenStream, seen: &mut Vec<proc_macro2::TokenTree>) {
        for tree in tokens {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                walk(group.stream(), seen);
            }
            seen.push(tree);
        }
    }
    let mut tokens = Vec::new();
    walk(expanded.clone(), &mut tokens);
    let call_site = proc_macro2::Span::call_site();
    let unplaced: Vec<String> = tokens
        .iter()
        .filter(|tree| tree.span().start() == call_site.start() && tree.span().end() == call_site.end())
        .map(ToString::to_string)
        .collect();
    assert!(
        unplaced.is_empty(),
        "{} tokens left on the attribute's call site, the first: {:?}",
        unplaced.len(),
        &unplaced[..unplaced.len().min(12)]
    );
    // `app` is on line 4: what strata wrote sits there too.
    let on_the_name = tokens.iter().filter(|tree| tree.span().start().line == 4).count();
    assert!(on_the_name > 100, "only {on_the_name} tokens on the function's name");

    let flat: Vec<String> = expanded.to_string().split_whitespace().map(str::to_string).collect();
    // The feature gates are macros, but hand their tokens on unchanged (a
    // `macro_rules!` passes `tt`s with their own spans): nothing of theirs
    // is left in the function.
    let macro_calls: Vec<&String> = flat
        .windows(2)
        .filter(|pair| pair[1] == "!" && !pair[0].starts_with("__strata_require_"))
        .map(|pair| &pair[0])
        .collect();
    assert!(macro_calls.is_empty(), "macros called in the stack: {macro_calls:?}");
}
