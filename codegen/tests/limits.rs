//! Depth and length limits (issue 11): what used to abort strata — and rustc
//! with it — is now a located error, and what is merely large still works.
//! These run on the test harness's 2 MiB threads, in a debug build: the
//! worst case for stack use.

use strata_codegen::compile_toml;
use strata_codegen::emit::attribute;

fn expand(attribute_text: &str) -> String {
    let tokens: proc_macro2::TokenStream = attribute_text.parse().unwrap();
    attribute(
        tokens,
        quote::quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string()
}

fn toml_errors(layer: &str) -> Vec<String> {
    let text = format!("[[custom]]\nname = \"deep\"\nlayer = \"{layer}\"\n");
    let (compiled, diagnostics) = compile_toml(&text, None);
    assert!(compiled.is_none() || diagnostics.iter().next().is_none());
    diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

fn parens(depth: usize) -> String {
    format!("{}x{}", "(".repeat(depth), ")".repeat(depth))
}

fn generics(depth: usize) -> String {
    format!("f::<{}u8{}>()", "Vec<".repeat(depth), ">".repeat(depth))
}

#[test]
fn deeply_nested_attribute_expressions_are_an_error() {
    // ~760 parentheses used to overflow the stack inside rustc.
    let expanded = expand(&format!("custom(layer = {})", parens(5_000)));
    assert!(expanded.contains("compile_error"), "{expanded:.200}");
    assert!(expanded.contains("nests deeper than 128 levels"), "{expanded:.300}");
}

#[test]
fn long_attribute_expressions_are_an_error_naming_the_fix() {
    let expanded = expand(&format!("custom(layer = {})", generics(3_000)));
    assert!(expanded.contains("longer than 2048 tokens"), "{expanded:.300}");
    assert!(expanded.contains("build the layer in a function"), "{expanded:.300}");
}

#[test]
fn expressions_within_the_limits_still_compile_whatever_their_shape() {
    // 600 levels of generics: far past what a 2 MiB thread survives
    // without the grown stack, still inside the token limit.
    for layer in [generics(600), parens(120), format!("{}x", "!".repeat(2_000))] {
        let expanded = expand(&format!("custom(layer = {layer})"));
        assert!(!expanded.contains("compile_error"), "{expanded:.300}");
    }
}

#[test]
fn deeply_nested_toml_expressions_are_an_error() {
    // 3,800 parentheses in stack.toml used to abort `strata check` (exit 134).
    let errors = toml_errors(&parens(3_800));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("S0704 `custom.layer` is not a Rust expression: it nests deeper than 128"),
        "{errors:?}"
    );
    let errors = toml_errors(&generics(3_000));
    assert!(errors[0].contains("longer than 2048 tokens"), "{errors:?}");
    assert!(toml_errors(&generics(600)).is_empty());
}

#[test]
fn huge_names_get_no_suggestion_and_no_quadratic_time() {
    // Two 50,000-character `before` names took 2.6 s in the suggestion.
    let long = "a".repeat(50_000);
    let text = format!(
        "[[custom]]\nname = \"{long}\"\nlayer = \"x::L\"\nbefore = \"{long}b\"\n[[custom]]\nname = \"{long}c\"\nlayer = \"x::L\"\n"
    );
    let (compiled, diagnostics) = compile_toml(&text, None);
    assert!(compiled.is_none());
    let error = diagnostics.iter().find(|d| d.code == "S0702").expect("an S0702");
    assert!(
        error
            .help
            .as_deref()
            .is_some_and(|help| help.starts_with("the layers are")),
        "{:?}",
        error.help
    );
}
