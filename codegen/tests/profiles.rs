//! Profiles reach the rules: a literal session secret (S0202) is accepted
//! only when the stack is built for the `dev` profile.

const STACK: &str = r#"
[request_id]

[profile.prod.session]
secret_env = "SESSION_SECRET"

[profile.dev.session]
secret = "0123456789abcdef0123456789abcdef-dev-only"

[profile.staging.session]
secret = "0123456789abcdef0123456789abcdef-dev-only"
"#;

fn codes(profile: Option<&str>) -> Vec<&'static str> {
    let (_, diagnostics) = strata_codegen::compile_toml(STACK, profile);
    diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn a_literal_secret_is_refused_outside_the_dev_profile() {
    assert_eq!(codes(None), Vec::<&str>::new());
    assert_eq!(codes(Some("prod")), Vec::<&str>::new(), "prod reads the environment");
    assert!(
        codes(Some("staging")).contains(&"S0202"),
        "{:?}",
        codes(Some("staging"))
    );
}

#[test]
fn a_literal_secret_is_accepted_in_the_dev_profile() {
    let (compiled, diagnostics) = strata_codegen::compile_toml(STACK, Some("dev"));
    let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.message.clone())).collect();
    assert!(compiled.is_some(), "{codes:?}");
}
