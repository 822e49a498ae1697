//! The order solver, as a table: every canonical position, every hard
//! constraint in `as-written` mode, custom placements and a custom cycle.

use proc_macro2::Span;
use strata_codegen::diag::{Diagnostics, Loc};
use strata_codegen::tree::{Document, Entry, Spanned, Table, Value};
use strata_codegen::{Compiled, compile};

fn loc() -> Loc {
    Loc::Span(Span::call_site())
}

fn string(text: &str) -> Spanned<Value> {
    Spanned::new(Value::Str(text.into()), loc())
}

/// One middleware entry: `name` with `key = "string"` options.
fn entry(name: &str, options: &[(&str, &str)]) -> Entry {
    let mut table = Table::default();
    for (key, value) in options {
        let value = if *key == "layer" {
            Spanned::new(Value::Expr(value.parse().unwrap()), loc())
        } else if *key == "reads_session" {
            Spanned::new(Value::Bool(value == &"true"), loc())
        } else {
            string(value)
        };
        table.entries.push(Entry {
            key: Spanned::new(key.to_string(), loc()),
            value,
        });
    }
    // The keys each middleware requires, from the registry's own example.
    if let Some(def) = strata_codegen::middleware::lookup(name) {
        let attribute: proc_macro2::TokenStream = format!("{}({})", def.name, def.example).parse().unwrap();
        let parsed = strata_codegen::parse::attr::parse(attribute).unwrap();
        let Value::Table(example) = &parsed.middlewares[0].value.value else {
            unreachable!("an example is a table")
        };
        for required in &example.entries {
            if !table.entries.iter().any(|e| e.key.value == required.key.value) {
                table.entries.push(required.clone());
            }
        }
    }
    Entry {
        key: Spanned::new(name.into(), loc()),
        value: Spanned::new(Value::Table(table), loc()),
    }
}

fn document(as_written: bool, entries: Vec<Entry>) -> Document {
    let mut document = Document::default();
    if as_written {
        document.settings.push(Entry {
            key: Spanned::new("order".into(), loc()),
            value: string("as-written"),
        });
    }
    document.middlewares = entries;
    document
}

fn solve(as_written: bool, entries: Vec<Entry>) -> Result<Vec<String>, Diagnostics> {
    match compile(&document(as_written, entries)) {
        (Some(Compiled { plan, .. }), _) => Ok(plan.layers.into_iter().map(|p| p.name).collect()),
        (None, diagnostics) => Err(diagnostics),
    }
}

fn messages(diagnostics: &Diagnostics) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

fn audit() -> Entry {
    entry("custom", &[("name", "audit"), ("layer", "audit::Layer")])
}

/// Every middleware of the registry, in its declared (canonical) order; the
/// custom layer appears as "audit".
fn canonical() -> Vec<&'static str> {
    strata_codegen::middleware::REGISTRY
        .iter()
        .map(|def| if def.name == "custom" { "audit" } else { def.name })
        .collect()
}

/// The canonical order of DESIGN.md, as far as these middlewares go: the
/// registry declares it, and the ranks must agree with the declaration.
#[test]
fn the_registry_is_declared_in_rank_order() {
    let ranks: Vec<(u16, &str)> = strata_codegen::middleware::REGISTRY
        .iter()
        .map(|def| (def.rank, def.name))
        .collect();
    for pair in ranks.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{pair:?}: declare the registry in rank order");
    }
    let position = |name: &str| canonical().iter().position(|n| *n == name).unwrap();
    // DESIGN.md's order, for the middlewares it names (a subset check, so a
    // new middleware adds itself to the registry and nothing here).
    let design = [
        "proxy",
        "request_id",
        "trace_context",
        "access_log",
        "metrics",
        "trusted_host",
        "https_redirect",
        "security_headers",
        "cors",
        "compression",
        "catch_panic",
        "timeout",
        "concurrency_limit",
        "block",
        "rate_limit",
        "decompression",
        "body_limit",
        "session",
        "jwt",
        "api_key",
        "audit",
        "timing",
        // Inside the router, as in Starlette: it must see the routes (README,
        // "Decisions").
        "redirect_slashes",
    ];
    for pair in design.windows(2) {
        assert!(position(pair[0]) < position(pair[1]), "{pair:?}");
    }
}

#[test]
fn every_canonical_position_from_any_written_order() {
    let build = |names: &[&str]| -> Vec<Entry> {
        names
            .iter()
            .map(|name| if *name == "audit" { audit() } else { entry(name, &[]) })
            .collect()
    };
    let canonical = canonical();
    let mut reversed = canonical.clone();
    reversed.reverse();
    assert_eq!(solve(false, build(&reversed)).unwrap(), canonical);
    // A rotation, and a shuffle: the written order never decides.
    let mut rotated = canonical.clone();
    rotated.rotate_left(3);
    assert_eq!(solve(false, build(&rotated)).unwrap(), canonical);
    // Every other middleware first, then the rest: another written order.
    let (even, odd): (Vec<_>, Vec<_>) = canonical.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let shuffled: Vec<&str> = odd.into_iter().chain(even).map(|(_, name)| *name).collect();
    assert_eq!(solve(false, build(&shuffled)).unwrap(), canonical);
    // Each middleware paired with every other lands in canonical relative order.
    for (i, outer) in canonical.iter().enumerate() {
        for inner in &canonical[i + 1..] {
            assert_eq!(
                solve(false, build(&[inner, outer])).unwrap(),
                [*outer, *inner],
                "{outer} vs {inner}"
            );
        }
    }
}

#[test]
fn gzip_is_an_alias_of_compression() {
    assert_eq!(
        solve(false, vec![entry("gzip", &[]), entry("cors", &[])]).unwrap(),
        ["cors", "compression"]
    );
}

#[test]
fn as_written_keeps_the_written_order_when_it_is_valid() {
    let written = ["timing", "compression", "trusted_host", "request_id", "access_log"];
    let entries = written.iter().map(|name| entry(name, &[])).collect();
    assert_eq!(solve(true, entries).unwrap(), written);
}

#[test]
fn as_written_enforces_every_hard_constraint() {
    // (outer, inner): the outer middleware must wrap the inner one, as the
    // registry declares them (by either side).
    let mut constraints = Vec::new();
    for def in strata_codegen::middleware::REGISTRY {
        for inner in def.must_wrap {
            constraints.push((def.name, *inner));
        }
        for outer in def.wrapped_by {
            constraints.push((*outer, def.name));
        }
    }
    // DESIGN.md's hard constraints are among them.
    for design in [
        ("request_id", "access_log"),
        ("trusted_host", "https_redirect"),
        ("cors", "catch_panic"),
        ("cors", "block"),
        ("cors", "rate_limit"),
        ("cors", "jwt"),
        ("cors", "api_key"),
        ("session", "jwt"),
        ("proxy", "trusted_host"),
        ("proxy", "https_redirect"),
        ("proxy", "rate_limit"),
        ("proxy", "access_log"),
        ("cors", "timeout"),
        ("cors", "concurrency_limit"),
        ("cors", "body_limit"),
        ("cors", "decompression"),
        ("decompression", "body_limit"),
        ("proxy", "metrics"),
        ("proxy", "session"),
        ("trace_context", "access_log"),
    ] {
        assert!(constraints.contains(&design), "{design:?} is not declared");
    }
    for (outer, inner) in constraints {
        let error = solve(true, vec![entry(inner, &[]), entry(outer, &[])]).unwrap_err();
        let messages = messages(&error);
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(
            messages[0],
            format!("S0702 `{outer}` must be outside `{inner}`, but it is written inside it")
        );
        let diagnostic = error.iter().next().unwrap();
        assert_eq!(diagnostic.notes.len(), 1, "the note names the other entry");
        // Written the right way round, the same pair is accepted.
        assert_eq!(
            solve(true, vec![entry(outer, &[]), entry(inner, &[])]).unwrap(),
            [outer, inner]
        );
    }
}

#[test]
fn custom_before_and_after_move_the_layer() {
    let early = entry("custom", &[("name", "early"), ("layer", "x::L"), ("before", "cors")]);
    assert_eq!(
        solve(
            false,
            vec![
                entry("cors", &[]),
                entry("timing", &[]),
                early,
                entry("request_id", &[])
            ]
        )
        .unwrap(),
        ["request_id", "early", "cors", "timing"]
    );
    let late = entry("custom", &[("name", "late"), ("layer", "x::L"), ("after", "timing")]);
    assert_eq!(
        solve(false, vec![late, entry("timing", &[]), entry("cors", &[])]).unwrap(),
        ["cors", "timing", "late"]
    );
    // One custom relative to another.
    let first = entry("custom", &[("name", "first"), ("layer", "x::L")]);
    let second = entry("custom", &[("name", "second"), ("layer", "x::L"), ("before", "first")]);
    assert_eq!(solve(false, vec![first, second]).unwrap(), ["second", "first"]);
}

#[test]
fn a_custom_cycle_is_named() {
    let a = entry("custom", &[("name", "a"), ("layer", "x::L"), ("before", "b")]);
    let b = entry("custom", &[("name", "b"), ("layer", "x::L"), ("before", "a")]);
    let error = solve(false, vec![a, b]).unwrap_err();
    let messages = messages(&error);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("S0702 the placements form a cycle: "),
        "{}",
        messages[0]
    );
    assert!(
        messages[0].contains("a → b → a") || messages[0].contains("b → a → b"),
        "{}",
        messages[0]
    );
}

#[test]
fn a_placement_against_the_canonical_order_is_a_cycle() {
    // Outside cors but inside timing: impossible, since cors wraps timing.
    let placed = entry(
        "custom",
        &[
            ("name", "audit"),
            ("layer", "x::L"),
            ("before", "cors"),
            ("after", "timing"),
        ],
    );
    let error = solve(false, vec![entry("cors", &[]), entry("timing", &[]), placed]).unwrap_err();
    let messages = messages(&error);
    assert!(
        messages[0].contains("cycle") && messages[0].contains("audit"),
        "{messages:?}"
    );
}

#[test]
fn a_placement_naming_no_layer_suggests_one() {
    let placed = entry("custom", &[("name", "audit"), ("layer", "x::L"), ("after", "cros")]);
    let error = solve(false, vec![entry("cors", &[]), placed]).unwrap_err();
    let diagnostic = error.iter().next().unwrap();
    assert_eq!(diagnostic.code, "S0702");
    assert_eq!(diagnostic.help.as_deref(), Some("did you mean \"cors\"?"));
}

#[test]
fn as_written_checks_custom_placements() {
    let placed = entry("custom", &[("name", "audit"), ("layer", "x::L"), ("before", "cors")]);
    let error = solve(true, vec![entry("cors", &[]), placed]).unwrap_err();
    assert_eq!(
        messages(&error),
        ["S0702 `before = \"cors\"` puts `audit` outside `cors`, but it is written inside it"]
    );
}

#[test]
fn a_custom_that_reads_the_session_sits_inside_it() {
    let reader = || {
        entry(
            "custom",
            &[("name", "audit"), ("layer", "x::L"), ("reads_session", "true")],
        )
    };
    // Canonical: custom ranks inside session anyway.
    assert_eq!(
        solve(false, vec![reader(), entry("session", &[])]).unwrap(),
        ["session", "audit"]
    );
    // As written, the other way round, is an error naming both.
    let error = solve(true, vec![reader(), entry("session", &[])]).unwrap_err();
    assert_eq!(
        messages(&error),
        ["S0702 `session` must be outside `audit`, but it is written inside it"]
    );
    // Asking to be outside the session it reads is a cycle.
    let outside = entry(
        "custom",
        &[
            ("name", "audit"),
            ("layer", "x::L"),
            ("reads_session", "true"),
            ("before", "session"),
        ],
    );
    let error = solve(false, vec![outside, entry("session", &[])]).unwrap_err();
    assert!(messages(&error)[0].contains("cycle"), "{:?}", messages(&error));
    // And reading a session the stack does not have is an error.
    let error = solve(false, vec![reader()]).unwrap_err();
    assert_eq!(
        messages(&error),
        ["S0702 `audit` reads the session, but the stack has no `session`"]
    );
}

#[test]
fn a_limit_keyed_on_an_identity_sits_just_inside_its_auth_layer() {
    let keyed = |key: &str| entry("rate_limit", &[("key", key)]);
    // Canonical: after jwt / api_key, before custom layers and timing; other
    // keys keep the rank of rate_limit.
    for (key, auth) in [("jwt:sub", "jwt"), ("api_key", "api_key")] {
        let written = vec![
            entry("timing", &[]),
            audit(),
            keyed(key),
            entry(auth, &[]),
            entry("session", &[]),
            entry("cors", &[]),
        ];
        assert_eq!(
            solve(false, written).unwrap(),
            ["cors", "session", auth, "rate_limit", "audit", "timing"],
            "{key}"
        );
    }
    let both = vec![keyed("jwt:sub"), entry("api_key", &[]), entry("jwt", &[])];
    assert_eq!(solve(false, both).unwrap(), ["jwt", "api_key", "rate_limit"]);
    let by_address = vec![entry("jwt", &[]), keyed("client_ip"), entry("session", &[])];
    assert_eq!(solve(false, by_address).unwrap(), ["rate_limit", "session", "jwt"]);
    // explain says why.
    let (compiled, _) = compile(&document(false, vec![keyed("jwt:sub"), entry("jwt", &[])]));
    let reason = &compiled.unwrap().plan.layers[1].reason;
    assert!(reason.contains("inside the auth layer that verifies it"), "{reason}");

    // As written, the auth layer must wrap the limit it feeds.
    let error = solve(true, vec![keyed("jwt:sub"), entry("jwt", &[])]).unwrap_err();
    assert_eq!(
        messages(&error),
        ["S0702 `jwt` must be outside `rate_limit`, but it is written inside it"]
    );
    let error = solve(true, vec![keyed("api_key"), entry("api_key", &[])]).unwrap_err();
    assert_eq!(
        messages(&error),
        ["S0702 `api_key` must be outside `rate_limit`, but it is written inside it"]
    );
    assert_eq!(
        solve(true, vec![entry("jwt", &[]), keyed("jwt:sub")]).unwrap(),
        ["jwt", "rate_limit"]
    );
}

#[test]
fn proxy_explains_its_place() {
    let (compiled, _) = compile(&document(false, vec![entry("trusted_host", &[]), entry("proxy", &[])]));
    let plan = compiled.unwrap().plan;
    assert_eq!(plan.layers[0].name, "proxy");
    assert_eq!(
        plan.layers[0].reason,
        "every layer that reads the client's address, scheme or host sees the resolved ones"
    );
}
