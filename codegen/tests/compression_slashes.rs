//! The TOML front door for `compression.exclude_content_types` (S0801 at
//! `file:line:col`, the lowered list) and `redirect_slashes` (a hook on the
//! router, not a layer).

use strata_codegen::render::{Source, human};

const BAD: &str = r#"[compression]
minimum_size = 500
exclude_content_types = ["video/*", "text/html; charset=utf-8", "*/*"]
"#;

#[test]
fn a_malformed_exclude_content_types_entry_is_s0801_at_its_line_and_column() {
    let (compiled, diagnostics) = strata_codegen::compile_toml(BAD, None);
    assert!(compiled.is_none());
    let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["S0801", "S0801"]);
    let rendered = human(
        Source {
            name: "stack.toml",
            text: BAD,
        },
        &diagnostics,
    );
    assert!(rendered.contains("stack.toml:3:37"), "{rendered}");
    assert!(rendered.contains("has parameters"), "{rendered}");
    assert!(
        rendered.contains("write the media type alone, e.g. \"text/html\""),
        "{rendered}"
    );
    assert!(rendered.contains("stack.toml:3:65"), "{rendered}");
    assert!(rendered.contains("wildcard type, which never matches"), "{rendered}");
}

fn stack_tokens(toml: &str) -> String {
    let (compiled, diagnostics) = strata_codegen::compile_toml(toml, None);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    let origin = strata_codegen::module::Origin {
        source: "stack.toml",
        text: toml,
        profile: None,
    };
    strata_codegen::module::render(&compiled, origin).unwrap()
}

#[test]
fn exclude_content_types_lowers_to_a_sorted_lowercase_list_and_is_absent_by_default() {
    let module =
        stack_tokens("[compression]\nexclude_content_types = [\"Video/*\", \"application/pdf\", \"video/*\"]\n");
    assert!(
        module.contains(r#".exclude_content_types(&["application/pdf", "video/*"])"#),
        "{module}"
    );
    let module = stack_tokens("[compression]\n");
    assert!(
        !module.contains("exclude_content_types"),
        "the runtime's default: {module}"
    );
}

#[test]
fn redirect_slashes_is_a_hook_on_the_router_inside_every_layer() {
    let module = stack_tokens("[redirect_slashes]\nmode = \"trim\"\n[request_id]\n");
    let hook = module.find("RedirectSlashes::new").expect("the hook is emitted");
    let service = module.find(".service(").expect("a ServiceBuilder");
    assert!(module[hook..].contains("SlashMode::Trim"), "{module}");
    assert!(module[hook..].contains(".attach(__strata_router)"), "{module}");
    // The hook rebuilds the app before the layers wrap it.
    assert!(hook > service, "{module}");
    assert!(!module.contains("RedirectSlashesLayer"), "{module}");
}
