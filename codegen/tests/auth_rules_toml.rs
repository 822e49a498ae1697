//! The TOML front door reports S0302, S0602 and S0603 like the macro does:
//! same codes, at `file:line:col` with the line and a caret under the value,
//! through `strata check`'s renderer and through the macro's `file = ...`.

use quote::quote;
use strata_codegen::diag::Level;
use strata_codegen::render::{Source, human};

const FILE: &str = "tests/fixtures/auth_rules_bad.toml";

fn text() -> String {
    std::fs::read_to_string(format!("{}/{FILE}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn check_reports_header_value_leeway_and_audience_codes_at_file_line_col() {
    let text = text();
    let (compiled, diagnostics) = strata_codegen::compile_toml(&text, None);
    assert!(compiled.is_none(), "errors stop the build");
    let found: Vec<(&str, Level)> = diagnostics.iter().map(|d| (d.code, d.level)).collect();
    let errors = found.iter().filter(|(code, _)| *code == "S0302").count();
    assert_eq!(errors, 5, "{found:?}");
    assert!(found.contains(&("S0602", Level::Error)), "{found:?}");
    assert!(found.contains(&("S0603", Level::Warning)), "{found:?}");
    assert_eq!(found.len(), 7, "nothing else fires: {found:?}");
    insta::assert_snapshot!(
        "auth_rules_bad_human",
        human(
            Source {
                name: "stack.toml",
                text: &text
            },
            &diagnostics
        )
    );
}

#[test]
fn the_macro_reading_the_file_reports_the_same_codes_at_file_line_col() {
    let expanded = strata_codegen::emit::attribute(
        quote!(file = "tests/fixtures/auth_rules_bad.toml"),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string();
    for expected in [
        "S0302",
        "tests/fixtures/auth_rules_bad.toml:2:10",
        "tests/fixtures/auth_rules_bad.toml:5:27",
        "S0602",
        "tests/fixtures/auth_rules_bad.toml:19:10",
        "S0603",
        "tests/fixtures/auth_rules_bad.toml:17:19",
    ] {
        assert!(expanded.contains(expected), "{expected} missing from {expanded}");
    }
}
