//! Scopes through the pipeline: both front doors read the same branches,
//! each branch is ordered and checked as a stack of its own, the tree
//! shares the outer part, `gen`/build.rs/the macro emit the same switch,
//! and the scope rules point at the offending token or file position.

use quote::quote;

use strata_codegen::scope::onion;
use strata_codegen::{Compiled, compile, compile_toml};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn from_attribute(tokens: proc_macro2::TokenStream) -> (Option<Compiled>, strata_codegen::diag::Diagnostics) {
    let document = strata_codegen::parse::attr::parse(tokens).unwrap();
    compile(&document)
}

/// Each branch as "pattern: layer, layer, …" (names, outermost first).
fn branches(compiled: &Compiled) -> Vec<String> {
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

fn design_example() -> Compiled {
    let (compiled, diagnostics) = from_attribute(quote! {
        request_id, access_log, cors(allow_origins = ["https://app.example.com"]),
        scope("/api/*", jwt(secret_env = "JWT_SECRET"), rate_limit(requests = 100, per = "1m", key = "jwt:sub")),
        scope("/admin/*", api_key(keys_env = "ADMIN_KEYS"), cors(allow_origins = ["https://admin.example.com"])),
    });
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    compiled.unwrap()
}

#[test]
fn each_branch_is_the_whole_app_plus_its_scope_in_canonical_order() {
    assert_eq!(
        branches(&design_example()),
        [
            "other: request_id, access_log, cors",
            "/api/*: request_id, access_log, cors, jwt, rate_limit",
            "/admin/*: request_id, access_log, cors, api_key",
        ]
    );
}

#[test]
fn the_tree_shares_the_outer_part_and_splits_once_where_branches_differ() {
    let compiled = design_example();
    let tree = onion(&compiled.plan);
    let names = |layers: &[strata_codegen::order::Placed]| layers.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&tree.layers), ["request_id", "access_log"]);
    // One switch, one arm per branch: / and /api/* both go through the
    // whole app's cors (the same layer value), /admin/* through its own.
    assert_eq!(tree.arms.len(), 3);
    assert_eq!(tree.arms[0].branches, [0]);
    assert_eq!(names(&tree.arms[0].onion.layers), ["cors"]);
    assert_eq!(tree.arms[1].branches, [1]);
    assert_eq!(names(&tree.arms[1].onion.layers), ["cors", "jwt", "rate_limit"]);
    assert_eq!(tree.arms[2].branches, [2]);
    assert_eq!(names(&tree.arms[2].onion.layers), ["cors", "api_key"]);
    assert!(
        tree.arms.iter().all(|arm| arm.onion.is_chain()),
        "no switch below the first"
    );
    let app_cors = tree.arms[0].onion.layers[0].layer;
    assert_eq!(
        tree.arms[1].onion.layers[0].layer, app_cors,
        "one cors layer for / and /api/*"
    );
    assert_ne!(
        tree.arms[2].onion.layers[0].layer, app_cors,
        "the admin cors is another"
    );
}

#[test]
fn branches_with_the_same_rest_of_the_stack_are_one_arm() {
    let (compiled, diagnostics) = from_attribute(quote!(
        request_id,
        cors(allow_origins = ["https://app.example"]),
        scope("/a/*"),
        scope("/b/*", timing),
    ));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let tree = onion(&compiled.unwrap().plan);
    assert_eq!(tree.arms.len(), 2, "{tree:#?}");
    assert_eq!(tree.arms[0].branches, [0, 1]);
    assert_eq!(tree.arms[1].branches, [2]);
}

#[test]
fn a_scope_that_changes_nothing_costs_nothing() {
    let (compiled, diagnostics) = from_attribute(quote!(request_id, cors, scope("/same/*")));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    assert!(onion(&compiled.plan).is_chain());
    let expression = strata_codegen::lower::stack_expr(
        &compiled.spec,
        &compiled.plan,
        quote!(app),
        &strata_codegen::lower::Cx::new(false),
    )
    .to_string();
    assert!(!expression.contains("Switch"), "{expression}");
}

/// The emitted switch for `scopes` scopes, each adding `timing`.
fn switch_for(scopes: usize) -> String {
    let mut entries = vec![quote!(request_id)];
    for scope in 0..scopes {
        let pattern = format!("/s{scope}/*");
        entries.push(quote!(scope(#pattern, timing)));
    }
    let (compiled, diagnostics) = from_attribute(quote!(#(#entries),*));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    assert_eq!(onion(&compiled.plan).arms.len(), scopes + 1);
    strata_codegen::lower::stack_expr(
        &compiled.spec,
        &compiled.plan,
        quote!(app),
        &strata_codegen::lower::Cx::new(false),
    )
    .to_string()
}

#[test]
fn a_256th_scope_is_an_error_not_another_scopes_branch() {
    let entries = |count: usize| {
        let scopes = (0..count).map(|scope| {
            let pattern = format!("/s{scope}/*");
            quote!(scope(#pattern, timing))
        });
        quote!(request_id, #(#scopes),*)
    };
    let (compiled, diagnostics) = from_attribute(entries(strata_codegen::scope::MAX_SCOPES));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert!(compiled.is_some());
    let (_, diagnostics) = from_attribute(entries(strata_codegen::scope::MAX_SCOPES + 1));
    let errors: Vec<String> = diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert_eq!(
        errors,
        ["S1201: a stack takes at most 255 scopes; \"/s255/*\" is one more"]
    );
}

#[test]
fn up_to_eight_arms_are_a_flat_tuple_and_more_a_list() {
    let three = switch_for(2);
    assert!(three.contains("Switch :: new"), "{three}");
    assert!(!three.contains("Arm :: new"), "three arms are a tuple: {three}");
    let eight = switch_for(7);
    assert!(!eight.contains("Arm :: new"), "eight arms are a tuple: {eight}");
    let nine = switch_for(8);
    assert_eq!(nine.matches("scope :: Arm :: new").count(), 8, "{nine}");
    assert_eq!(nine.matches("scope :: LastArm :: new").count(), 1, "{nine}");
}

#[test]
fn the_most_specific_pattern_selects_the_branch() {
    let (compiled, diagnostics) = from_attribute(quote!(
        cors,
        scope("/api/*", timing),
        scope("/api/admin/*", block(user_agent_prefixes = ["x"])),
        scope("/api", security_headers),
    ));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let spec = &compiled.unwrap().spec;
    for (path, branch) in [
        ("/", 0),
        ("/api/x", 1),
        ("/api/admin/7", 2),
        ("/api", 3),
        ("/api/", 3),
        ("/apix", 0),
    ] {
        assert_eq!(strata_codegen::scope::select(spec, path), branch, "{path}");
    }
}

#[test]
fn a_scope_entry_replaces_the_global_one_of_the_same_name() {
    let (compiled, diagnostics) = from_attribute(quote!(
        timeout(request = "5s"),
        custom(name = "audit", layer = Audit),
        scope(
            "/reports/*",
            timeout(request = "60s"),
            custom(name = "audit", layer = LoudAudit)
        ),
    ));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    let reports = &compiled.plan.scopes[0].layers;
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(reports.iter().all(|p| compiled.spec.layers[p.layer].scope == Some(0)));
}

#[test]
fn scope_rules_are_reported_all_at_once_at_file_positions() {
    let text = fixture("tests/fixtures/scoped_bad.toml");
    let (compiled, diagnostics) = compile_toml(&text, None);
    assert!(compiled.is_none());
    let source = strata_codegen::render::Source {
        name: "scoped_bad.toml",
        text: &text,
    };
    let found: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let at = source.position(&d.loc);
            format!("{} {}:{} {}", d.code, at.line, at.column, d.message)
        })
        .collect();
    assert_eq!(
        found,
        [
            "S1201 10:17 `request_id` applies to the whole app; it cannot go in scope \"/api/*\"",
            "S0703 12:8 scope pattern \"admin/*\" does not start with `/`",
            // In /api/*, the scope's cors is written after the whole app's jwt.
            "S0702 7:17 `cors` must be outside `jwt`, but it is written inside it",
        ],
        "{diagnostics:?}"
    );
}

#[test]
fn explain_draws_the_tree() {
    let compiled = design_example();
    insta::assert_snapshot!("explain_scoped_text", strata_codegen::explain::text(&compiled, "app"));
    insta::assert_snapshot!("explain_scoped_mermaid", strata_codegen::explain::mermaid(&compiled));
    insta::assert_snapshot!("explain_scoped_dot", strata_codegen::explain::dot(&compiled));
}

#[test]
fn a_scope_over_the_metrics_path_is_s1101() {
    let (compiled, diagnostics) = from_attribute(quote!(metrics, scope("/*", jwt(secret_env = "JWT_SECRET"))));
    assert!(compiled.is_none());
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["S1101"], "{diagnostics:?}");
    let (compiled, diagnostics) = from_attribute(quote!(metrics, scope("/api/*", jwt(secret_env = "JWT_SECRET"))));
    assert!(compiled.is_some() && diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn an_identity_key_whose_auth_layer_is_only_in_another_scope_says_so() {
    // The whole app's limit keys on `jwt:sub`, but only /api/* has `jwt`:
    // "the stack has no `jwt`" would send the reader looking for a missing
    // entry that is written two lines below.
    let (compiled, diagnostics) = from_attribute(quote!(
        rate_limit(requests = 5, per = "1m", key = "jwt:sub"),
        scope("/api/*", jwt(secret_env = "JWT_SECRET")),
    ));
    assert!(compiled.is_none());
    let found: Vec<_> = diagnostics.iter().collect();
    assert_eq!(found.len(), 1, "{diagnostics:?}");
    assert_eq!(found[0].code, "S0403");
    assert_eq!(
        found[0].message,
        "`rate_limit.key = \"jwt:sub\"` keys on the identity `jwt` verifies, but `jwt` is only in another scope: \
         on the paths where this `rate_limit` runs without it, the value would be whatever the client sent"
    );
    assert_eq!(
        found[0].help.as_deref(),
        Some("move the `rate_limit` into the scope that has `jwt`, or key on the address: key = \"client_ip\"")
    );
    // Without scopes, the message is unchanged.
    let (_, diagnostics) = from_attribute(quote!(rate_limit(requests = 5, per = "1m", key = "jwt:sub")));
    assert!(
        diagnostics
            .iter()
            .any(|d| d.message.contains("but the stack has no `jwt`")),
        "{diagnostics:?}"
    );
}

/// Found by the `toml_pipeline` fuzzer: a scope path with a newline in it
/// (a TOML `\n` escape) compiled, and ended the `//` comment that quotes it
/// in the generated module's header; the rest of the path became code that
/// did not parse. Such a path is now an error (it could never match), and
/// whatever else the header quotes (the file's name, the profile) has its
/// control characters escaped, so every header line stays a comment.
#[test]
fn a_scope_path_no_request_can_have_is_s0703_and_the_header_stays_a_comment() {
    for (path, what) in [
        ("/a\\nfn injected() {}/*", "whitespace or a control character (`\\n`)"),
        ("/a b", "whitespace or a control character (` `)"),
        ("/search?q=1", "a `?`"),
        ("/page#top", "a `#`"),
    ] {
        let toml = format!("[scope.\"{path}\".timing]\n");
        let (compiled, diagnostics) = compile_toml(&toml, None);
        assert!(compiled.is_none(), "{path}");
        let found: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            found
                .iter()
                .any(|message| message.starts_with("S0703") && message.contains(what)),
            "{path}: {found:?}"
        );
    }

    let toml = "[cors]\nallow_origins = [\"https://a.example.com\"]\n\n[scope.\"/admin/*\".timing]\n";
    let (compiled, diagnostics) = compile_toml(toml, None);
    let compiled = compiled.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let origin = strata_codegen::module::Origin {
        source: "stack\nfn injected() {}\r\u{0}.toml",
        text: toml,
        profile: Some("x\ny"),
    };
    let module = strata_codegen::module::render(&compiled, origin).unwrap();
    let header: Vec<&str> = module.lines().take_while(|line| !line.is_empty()).collect();
    assert!(header.iter().all(|line| line.starts_with("//")), "{module}");
    assert!(
        module.contains(r"from `stack\nfn injected() {}\r\u{0}.toml` (profile `x\ny`)"),
        "{module}"
    );
    assert!(
        !module.lines().any(|line| line.trim_start().starts_with("fn injected")),
        "{module}"
    );
}
