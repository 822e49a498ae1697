//! Depth and length limits (issue 11): what used to abort strata — and rustc
//! with it — is a located error, what is merely large still works, and the
//! macro's front door fits rustc's stack without growing it.
//!
//! rustc runs a proc macro on its own thread (8 MiB by default) and the
//! macro is a debug build unless the app says otherwise: the worst case for
//! stack use. So every test here runs on a thread of exactly 2 MiB, in this
//! debug build, and feeds the front doors the deepest input each construct
//! accepts (`tests/ui/pass/deepest_accepted_inputs.rs` then compiles the
//! costliest of them with rustc, through the real macro).

use proc_macro2::{TokenStream, TokenTree};
use strata_codegen::compile_toml;
use strata_codegen::emit::attribute;
use strata_codegen::parse::limits::{MAX_DEPTH, MAX_EXPR_TOKENS};

/// Runs `f` on a thread of 2 MiB: a third of what rustc leaves a macro.
fn on_2_mib<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The messages of the `compile_error!`s in an expansion, found without
/// recursing (the expansion holds the user's body, however deep).
fn compile_errors(expansion: &TokenStream) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![expansion.clone().into_iter().collect::<Vec<_>>().into_iter()];
    let mut previous: Vec<String> = Vec::new();
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(group)) => {
                if previous.ends_with(&["compile_error".to_string(), "!".to_string()]) {
                    found.push(group.stream().to_string());
                }
                previous.clear();
                stack.push(group.stream().into_iter().collect::<Vec<_>>().into_iter());
            }
            Some(token) => previous.push(token.to_string()),
            None => {
                stack.pop();
            }
        }
    }
    found
}

/// The attribute front door (`#[strata::stack(...)]` on `fn app() -> Router`),
/// on 2 MiB: the `compile_error!` messages of its expansion.
fn attribute_errors(attribute_text: String, function_text: Option<String>) -> Vec<String> {
    on_2_mib(move || {
        let tokens: TokenStream = attribute_text.parse().unwrap();
        let item: TokenStream = function_text
            .as_deref()
            .unwrap_or("fn app() -> Router { Router::new() }")
            .parse()
            .unwrap();
        compile_errors(&attribute(tokens, item))
    })
}

fn layer_errors(layer: &str) -> Vec<String> {
    attribute_errors(format!("custom(layer = {layer})"), None)
}

/// The TOML front door and, when it compiles, the generated module, on 2 MiB.
fn toml_errors(layer: &str) -> Vec<String> {
    let text = format!("[[custom]]\nname = \"deep\"\nlayer = \"{layer}\"\n");
    on_2_mib(move || {
        let (compiled, diagnostics) = compile_toml(&text, None);
        if let Some(compiled) = compiled {
            let origin = strata_codegen::module::Origin {
                source: "stack.toml",
                text: &text,
                profile: None,
            };
            strata_codegen::module::render(&compiled, origin).unwrap();
        }
        diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()
    })
}

fn parens(depth: usize) -> String {
    format!("{}x{}", "(".repeat(depth), ")".repeat(depth))
}

fn generics(depth: usize) -> String {
    format!("f::<{}u8{}>()", "Vec<".repeat(depth), ">".repeat(depth))
}

/// `<<<T as X>::Y as X>::Y as X>::Y`, `depth` levels of qualified paths.
fn qualified(depth: usize) -> String {
    format!("{}T as X>::Y{}", "<".repeat(depth), " as X>::Y".repeat(depth - 1))
}

fn tokens_of(text: &str) -> usize {
    strata_codegen::parse::limits::token_count(text.parse().unwrap(), usize::MAX)
}

/// The longest accepted expression of every shape that nests without a
/// bracket group (each a level of recursion per token or two in a parser),
/// and the deepest of those that nest in groups; `depth` is how deep the
/// expression starts (the attribute's `custom(` is one level).
fn deepest_expressions(depth: usize) -> Vec<String> {
    let room = MAX_EXPR_TOKENS - 1;
    let generics_levels = (MAX_EXPR_TOKENS - 7) / 3;
    let expressions = vec![
        format!("{}x", "!".repeat(room)),
        format!("{}x", "&".repeat(room)),
        format!("{}x", "*".repeat(room)),
        format!("{}1", "-".repeat(room)),
        format!("{}x", "return ".repeat(room)),
        format!("{}x", "break ".repeat(room)),
        format!("{}x", "|| ".repeat(room / 2)),
        format!("{}x", "move |a| ".repeat(room / 4)),
        format!("{}x", "x = ".repeat(room / 2)),
        format!("{}x", ".. ".repeat(room / 2)),
        format!("x{}", " as T".repeat(room / 2)),
        qualified((MAX_EXPR_TOKENS - 1) / 7),
        generics(generics_levels),
        format!(
            "if a {{ x }}{} else {{ x }}",
            " else if a { x }".repeat((MAX_EXPR_TOKENS - 7) / 5)
        ),
        parens(MAX_DEPTH - 1 - depth),
        format!(
            "{}x{}",
            "[".repeat(MAX_DEPTH - 1 - depth),
            "]".repeat(MAX_DEPTH - 1 - depth)
        ),
        format!(
            "{}x{}",
            "{ !".repeat(MAX_DEPTH - 1 - depth),
            "}".repeat(MAX_DEPTH - 1 - depth)
        ),
    ];
    for expression in &expressions {
        assert!(
            tokens_of(expression) <= MAX_EXPR_TOKENS,
            "{expression:.60}: {}",
            tokens_of(expression)
        );
    }
    expressions
}

#[test]
fn deeply_nested_attribute_expressions_are_an_error() {
    // ~760 parentheses used to overflow the stack inside rustc.
    let errors = layer_errors(&parens(5_000));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("nests deeper than 128 levels"), "{errors:?}");
}

#[test]
fn long_attribute_expressions_are_an_error_naming_the_fix() {
    // Long without nesting deep: 1,000 levels of `!` (rustc 1.95 itself
    // overflows at ~1,100 nested `return`s), or generics.
    for layer in [format!("{}x", "!".repeat(1_000)), generics(3_000)] {
        let errors = layer_errors(&layer);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("longer than 512 tokens"), "{errors:?}");
        assert!(errors[0].contains("build the layer in a function"), "{errors:?}");
    }
}

#[test]
fn the_deepest_accepted_attribute_expressions_expand_on_2_mib() {
    for layer in deepest_expressions(1) {
        let errors = layer_errors(&layer);
        assert!(errors.is_empty(), "{layer:.60}: {errors:?}");
    }
}

#[test]
fn the_deepest_accepted_attribute_values_expand_on_2_mib() {
    // strata's own grammar nests through groups only: an array in an array,
    // 127 levels down from the attribute (a type error, found after parsing).
    let depth = MAX_DEPTH - 2;
    let deep = format!("cors(allow_origins = {}\"x\"{})", "[".repeat(depth), "]".repeat(depth));
    let errors = attribute_errors(deep, None);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("S0704"), "{errors:?}");
    let too_deep = format!("cors(allow_origins = {}\"x\"{})", "[".repeat(5_000), "]".repeat(5_000));
    let errors = attribute_errors(too_deep, None);
    assert!(errors[0].contains("nests deeper than 128"), "{errors:?}");
}

#[test]
fn any_function_body_and_signature_is_rustcs_to_parse() {
    // The body and the types are not parsed: no depth is too deep here (rustc
    // itself gives up on 2,000 nested parentheses, on its own terms).
    let deep_types = format!(
        "fn app(x: {}u8, y: {}u8{}) -> Result<Router, {}E{}> {{ {} }}",
        "&".repeat(20_000),
        "Vec<".repeat(20_000),
        ">".repeat(20_000),
        "Box<".repeat(20_000),
        ">".repeat(20_000),
        parens(100_000).replace('x', &format!("{}Router::new()", "!".repeat(100_000))),
    );
    let errors = attribute_errors("request_id".into(), Some(deep_types));
    assert!(errors.is_empty(), "{errors:?}");
    // And what is not a function is still said so.
    let errors = attribute_errors("request_id".into(), Some(format!("struct App{};", parens(100_000))));
    assert!(errors[0].contains("goes on a function"), "{errors:?}");
}

#[test]
fn a_stack_toml_named_by_the_attribute_is_read_on_2_mib() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (index, layer) in deepest_expressions(0).iter().enumerate() {
        text.push_str(&format!("[[custom]]\nname = \"c{index}\"\nlayer = \"{layer}\"\n"));
    }
    let path = dir.path().join("stack.toml");
    std::fs::write(&path, text).unwrap();
    let errors = attribute_errors(format!("file = {:?}", path.display().to_string()), None);
    assert!(errors.is_empty(), "{errors:?}");
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
    assert!(errors[0].contains("longer than 512 tokens"), "{errors:?}");
}

#[test]
fn the_deepest_accepted_toml_expressions_compile_and_render_on_2_mib() {
    // Checked by `syn` and formatted by `prettyplease` (outside the macro),
    // each on a stack of its own.
    for layer in deepest_expressions(0) {
        let errors = toml_errors(&layer);
        assert!(errors.is_empty(), "{layer:.60}: {errors:?}");
    }
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
