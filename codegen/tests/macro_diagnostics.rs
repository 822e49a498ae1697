//! How the macro shows diagnostics: in source order, each note a `note:`
//! line of its own error (not an `error:` of its own), and a `file = ...`
//! finding as `FILE:LINE:COL: message` lines.

use std::str::FromStr;

fn expand(attribute: &str) -> String {
    let attribute = proc_macro2::TokenStream::from_str(attribute).unwrap();
    let item = proc_macro2::TokenStream::from_str("fn app() -> Router { Router::new() }").unwrap();
    strata_codegen::emit::attribute(attribute, item).to_string()
}

/// The `compile_error!` messages, in the order rustc will print them.
fn errors(expanded: &str) -> Vec<String> {
    expanded
        .split("compile_error !")
        .skip(1)
        .map(|rest| {
            let start = rest.find('"').unwrap() + 1;
            let end = rest[start..].find("\" }").unwrap() + start;
            rest[start..end].to_string()
        })
        .collect()
}

#[test]
fn errors_come_in_source_order_with_their_notes_attached() {
    // Found in rule order (S0101 before S0501 before S0703); shown in file order.
    let found = errors(&expand(
        "access_log(exclude_paths = [\"health\"]),\n trusted_host(allowed_hosts = [\"*.*.com\"]),\n cors(allow_origins = [\"*\"], allow_credentials = true)",
    ));
    let codes: Vec<&str> = found.iter().map(|message| &message[..5]).collect();
    assert_eq!(codes, ["S0703", "S0501", "S0101"], "{found:#?}");
    assert_eq!(
        found[2],
        "S0101: `cors.allow_origins` allows any origin (\\\"*\\\") together with `allow_credentials = true`\\nnote: credentials are allowed here (line 3, column 50)\\nhelp: list the exact origins, e.g. allow_origins = [\\\"https://app.example.com\\\"], or use allow_origin_regex"
    );
}

#[test]
fn file_findings_are_located_lines_not_an_indented_snippet() {
    // Relative to CARGO_MANIFEST_DIR, which cargo sets for tests.
    let found = errors(&expand("file = \"tests/fixtures/front_doors_bad.toml\""));
    assert!(!found.is_empty());
    for message in &found {
        assert!(!message.contains(" --> "), "no snippet inside the message: {message}");
        assert!(
            message[7..].starts_with("tests/fixtures/front_doors_bad.toml:"),
            "{message}"
        );
    }
}
