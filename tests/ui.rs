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

/// Every rule in the catalogue has at least one case named after its code:
/// a trybuild case in tests/ui, or, for the production audit's S13xx codes,
/// which only `strata check --deploy` reports (never a build, so trybuild
/// cannot show them), a CLI fixture in cli/tests/deploy whose transcript
/// cli/tests/cli.rs snapshots.
#[test]
fn every_rule_code_has_a_case() {
    let files = |folder: &str| -> Vec<String> {
        std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let cases = files("tests/ui");
    let deploy_fixtures = files("cli/tests/deploy");
    for rule in strata_codegen::rules::catalogue() {
        let prefix = rule.code.to_ascii_lowercase();
        let (found, extension, kind) = if strata_codegen::audit::is_audit_code(rule.code) {
            (&deploy_fixtures, ".toml", "cli/tests/deploy fixture")
        } else {
            (&cases, ".rs", "tests/ui case")
        };
        assert!(
            found
                .iter()
                .any(|case| case.starts_with(&prefix) && case.ends_with(extension)),
            "no {kind} for {} ({})",
            rule.code,
            rule.summary
        );
    }
}
