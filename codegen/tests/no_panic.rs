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

const ATTRIBUTE: &str = r#"
    order = "as-written",
    proxy(trusted_proxies = ["10.0.0.0/8", "::1/128"], headers = "forwarded"),
    request_id(header = "x-request-id"),
    access_log(exclude_paths = ["/health", "/docs/*"]),
    trusted_host(allowed_hosts = ["api.example.com", "*.example.com"]),
    https_redirect,
    security_headers(hsts(max_age = 31536000, include_subdomains = true, preload = true)),
    cors(allow_origins = ["https://app.example.com"], allow_credentials = true, max_age = 600),
    compression(minimum_size = 500, level = 6),
    catch_panic,
    block(user_agent_prefixes = ["BadBot"], status = 410),
    rate_limit(requests = 120, per = "1m", key = "client_ip"),
    redirect_slashes(mode = "trim"),
    session(secret_env = "SESSION_SECRET", same_site = "lax"),
    jwt(secret_env = "JWT_SECRET", public_paths = ["/health"], leeway = 5),
    custom(name = "audit", layer = tower::layer::util::Identity::new(), after = "jwt"),
    timing(server_timing = true),
"#;

#[test]
fn every_attribute_deletion_is_handled() {
    use std::str::FromStr;
    let item = quote::quote!(
        fn app() -> Router {
            Router::new()
        }
    );
    let mut expanded = 0;
    for (index, _) in ATTRIBUTE.char_indices() {
        let mut mutated = ATTRIBUTE.to_string();
        mutated.remove(index);
        // Text that does not even lex never reaches a proc macro.
        let Ok(tokens) = proc_macro2::TokenStream::from_str(&mutated) else {
            continue;
        };
        let _ = strata_codegen::emit::attribute(tokens, item.clone());
        expanded += 1;
    }
    assert!(expanded > 500, "{expanded}");
}
