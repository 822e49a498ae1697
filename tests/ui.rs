//! Compile-time diagnostics are a product surface: every rule code has a
//! case here, with its `.stderr` snapshot.
//!
//! The snapshots depend on the compiler's rendering; they are pinned to
//! rustc 1.95, the one toolchain of this project's machines and CI.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` and review.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    // No false positives: careful stacks near each rule's edge compile.
    cases.pass("tests/ui/pass/*.rs");
}

/// Every rule in the catalogue has at least one case named after its code.
#[test]
fn every_rule_code_has_a_case() {
    let cases: Vec<String> = std::fs::read_dir("tests/ui")
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for rule in strata_codegen::rules::catalogue() {
        let prefix = rule.code.to_ascii_lowercase();
        assert!(
            cases
                .iter()
                .any(|case| case.starts_with(&prefix) && case.ends_with(".rs")),
            "no tests/ui case for {} ({})",
            rule.code,
            rule.summary
        );
    }
}
