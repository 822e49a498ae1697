//! No description may panic strata: every mutation of a realistic
//! `stack.toml` — each byte deleted, each position given a stray character —
//! goes through parse, model, rules, order, lowering and rendering, and
//! comes out as a stack or as diagnostics.

use strata_codegen::module::{Origin, render};
use strata_codegen::render::{Source, human, json};

const STACK: &str = r#"[stack]
order = "as-written"

[request_id]
header = "x-request-id"

[trusted_host]
allowed_hosts = ["api.example.com", "*.example.com"]

[cors]
allow_origins = ["https://app.example.com", "null"]
allow_origin_regex = "https://[a-z]+\\.example\\.com"
allow_credentials = true
allow_methods = ["GET", "POST"]
allow_headers = ["authorization"]
max_age = 600

[compression]
minimum_size = 500
level = 6

[access_log]
exclude_paths = ["/health", "/docs/*"]

[[custom]]
name = "audit"
layer = "tower::layer::util::Identity::new()"
after = "cors"

[timing]
server_timing = true

[profile.dev]
trusted_host = false
cors.allow_origins = ["http://localhost:3000"]
"#;

fn exercise(text: &str) {
    for profile in [None, Some("dev"), Some("missing")] {
        let (compiled, diagnostics) = strata_codegen::compile_toml(text, profile);
        let source = Source {
            name: "stack.toml",
            text,
        };
        let _ = human(source, &diagnostics);
        let _ = json(source, &diagnostics);
        if let Some(compiled) = compiled {
            let origin = Origin {
                source: "stack.toml",
                text,
                profile,
            };
            render(&compiled, origin).expect("a compiled stack always renders");
            let _ = strata_codegen::explain::text(&compiled, "stack.toml");
        }
    }
}

#[test]
fn the_original_compiles() {
    let (compiled, diagnostics) = strata_codegen::compile_toml(STACK, Some("dev"));
    assert!(
        compiled.is_some(),
        "{}",
        human(
            Source {
                name: "stack.toml",
                text: STACK
            },
            &diagnostics
        )
    );
}

#[test]
fn every_single_byte_deletion_is_handled() {
    for (index, _) in STACK.char_indices() {
        let mut mutated = STACK.to_string();
        mutated.remove(index);
        exercise(&mutated);
    }
}

#[test]
fn stray_characters_anywhere_are_handled() {
    let boundaries: Vec<usize> = STACK.char_indices().map(|(i, _)| i).step_by(3).collect();
    for stray in ['"', '[', ']', '=', '\n', '*', 'é', '\u{0}'] {
        for &index in &boundaries {
            let mut mutated = STACK.to_string();
            mutated.insert(index, stray);
            exercise(&mutated);
        }
    }
}
