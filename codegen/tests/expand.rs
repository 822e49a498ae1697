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
