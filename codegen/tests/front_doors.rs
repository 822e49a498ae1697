//! One description, three front doors: the macro (`file = ...`), `strata gen`
//! and build.rs must produce the same stack — same layers, same order, same
//! configuration. They share the lowering, so this checks the plumbing
//! around it: the file reading, the profile, the rendering. A scoped
//! description too: both front doors read the same branches, and the three
//! emit the same path switch.

use quote::quote;
use strata_codegen::module::{Origin, render};

const FILE: &str = "tests/fixtures/front_doors.toml";

/// `code` reformatted without its cargo feature gates, which differ between
/// the front doors (the macro wraps, the module declares; see
/// `strata_codegen::features`): what they gate must be the same.
fn without_gates(code: &str) -> String {
    let gated: syn::File = syn::parse_str(code).unwrap();
    prettyplease::unparse(&syn::parse2(strata_codegen::features::without_gates(quote!(#gated))).unwrap())
}

/// The stack expression of a pretty-printed module or expansion: from the
/// first static policy to the end of the `ServiceBuilder` chain, without
/// the feature gates.
fn stack_of(code: &str, inner: &str) -> String {
    let code = &without_gates(code);
    let start = code.find("static __STRATA").expect("the stack has static policies");
    let end = code[start..].find(".service(").expect("a ServiceBuilder chain") + start;
    // The inner service is the app itself, or the router hooks' block
    // around it (`let __strata_router = app; ...`).
    let service = &code[end + ".service(".len()..];
    let inner_at = service.find(inner).expect("the inner service");
    assert!(
        service.starts_with(inner) || service[..inner_at].trim_start().starts_with('{'),
        "{service}"
    );
    code[start..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn macro_gen_and_build_rs_agree() {
    let manifest = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{manifest}/{FILE}")).unwrap();

    // strata gen
    let (compiled, diagnostics) = strata_codegen::compile_toml(&text, Some("prod"));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    let origin = Origin {
        source: "front_doors.toml",
        text: &text,
        profile: Some("prod"),
    };
    let generated = render(&compiled, origin).unwrap();

    // build.rs
    let out = tempfile::tempdir().unwrap();
    let written = strata_codegen::Builder::new()
        .file(format!("{manifest}/{FILE}"))
        .profile("prod")
        .out_dir(out.path())
        .compile()
        .unwrap();
    let built = std::fs::read_to_string(written).unwrap();
    assert_eq!(stack_of(&built, "app"), stack_of(&generated, "app"));

    // the macro, which reads the file relative to CARGO_MANIFEST_DIR
    let expanded = strata_codegen::emit::attribute(
        quote!(file = "tests/fixtures/front_doors.toml", profile = "prod"),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    );
    let expanded = prettyplease::unparse(&syn::parse2(expanded).unwrap());
    assert_eq!(stack_of(&expanded, "__strata_inner_app("), stack_of(&generated, "app"));

    // And the order is the one the plan says.
    let names: Vec<&str> = compiled.plan.layers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "request_id",
            "access_log",
            "trusted_host",
            "cors",
            "compression",
            "timing"
        ]
    );
}

#[test]
fn file_diagnostics_name_the_file_line_and_column() {
    let expanded = strata_codegen::emit::attribute(
        quote!(file = "tests/fixtures/front_doors_bad.toml"),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string();
    assert!(expanded.contains("S0101"), "{expanded}");
    assert!(
        expanded.contains("tests/fixtures/front_doors_bad.toml:3:18"),
        "{expanded}"
    );
    assert!(
        expanded.contains("include_str"),
        "editing the file rebuilds: {expanded}"
    );
    assert!(
        expanded.contains("fn app () -> Router"),
        "the function is kept: {expanded}"
    );
}

#[test]
fn identity_rules_name_the_file_line_and_column() {
    let expanded = strata_codegen::emit::attribute(
        quote!(file = "tests/fixtures/identity_bad.toml"),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string();
    for (code, at) in [
        ("S0901", "identity_bad.toml:2:2"),
        ("S0402", "identity_bad.toml:5:25"),
        ("S0403", "identity_bad.toml:10:7"),
        ("S0402", "identity_bad.toml:11:19"),
    ] {
        let found = expanded
            .split("compile_error")
            .any(|error| error.contains(code) && error.contains(at));
        assert!(found, "{code} at {at}: {expanded}");
    }
    // The moved keys point at the `proxy` table that now holds them.
    assert!(expanded.contains("`proxy` is here"), "{expanded}");
}

const SCOPED: &str = "tests/fixtures/scoped.toml";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Each branch as "pattern: layer, layer, …" (names, outermost first).
fn branches(compiled: &strata_codegen::Compiled) -> Vec<String> {
    let mut out = vec![format!(
        "other: {}",
        compiled
            .plan
            .layers
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )];
    for scope in &compiled.plan.scopes {
        let names: Vec<&str> = scope.layers.iter().map(|p| p.name.as_str()).collect();
        out.push(format!("{}: {}", scope.pattern, names.join(", ")));
    }
    out
}

fn design_example() -> strata_codegen::Compiled {
    let document = strata_codegen::parse::attr::parse(quote! {
        request_id, access_log, cors(allow_origins = ["https://app.example.com"]),
        scope("/api/*", jwt(secret_env = "JWT_SECRET"), rate_limit(requests = 100, per = "1m", key = "jwt:sub")),
        scope("/admin/*", api_key(keys_env = "ADMIN_KEYS"), cors(allow_origins = ["https://admin.example.com"])),
    })
    .unwrap();
    let (compiled, diagnostics) = strata_codegen::compile(&document);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    compiled.unwrap()
}

#[test]
fn the_attribute_and_the_toml_file_read_the_same_plan() {
    let (toml, diagnostics) = strata_codegen::compile_toml(&fixture(SCOPED), None);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let toml = toml.unwrap();
    let attribute = design_example();
    assert_eq!(branches(&toml), branches(&attribute));
    assert_eq!(
        strata_codegen::scope::onion(&toml.plan),
        strata_codegen::scope::onion(&attribute.plan)
    );
}

#[test]
fn gen_build_rs_and_the_macro_emit_the_same_switch() {
    let text = fixture(SCOPED);
    let (compiled, _) = strata_codegen::compile_toml(&text, None);
    let compiled = compiled.unwrap();
    let generated = render(
        &compiled,
        Origin {
            source: "scoped.toml",
            text: &text,
            profile: None,
        },
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let written = strata_codegen::Builder::new()
        .file(format!("{}/{SCOPED}", env!("CARGO_MANIFEST_DIR")))
        .out_dir(out.path())
        .compile()
        .unwrap();
    let built = std::fs::read_to_string(written).unwrap();
    let expanded = strata_codegen::emit::attribute(
        quote!(file = "tests/fixtures/scoped.toml"),
        // Fallible, like the generated module: a missing secret is an `Err`.
        quote!(
            fn app() -> Result<Router, strata::EnvError> {
                Ok(Router::new())
            }
        ),
    );
    let expanded = prettyplease::unparse(&syn::parse2(expanded).unwrap());
    let stack = |code: &str, inner: &str| {
        let code = &without_gates(code);
        let start = code.find("static __STRATA_SCOPES").expect("a scope table");
        // To the parenthesis that closes `Stack::new(`.
        let open = code.rfind("Stack::new(").expect("the stack") + "Stack::new".len();
        let mut depth = 0;
        let end = open
            + code[open..]
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .expect("balanced")
                .0;
        code[start..end]
            .replace(inner, "APP")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let from_gen = stack(&generated, "let __strata_router = app;");
    assert!(from_gen.contains("runtime::scope::Switch::new"), "{from_gen}");
    assert_eq!(stack(&built, "let __strata_router = app;"), from_gen);
    assert_eq!(
        stack(&expanded, "let __strata_router = __strata_inner_app()?;"),
        from_gen
    );
}
