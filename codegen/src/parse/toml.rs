//! The TOML front door: a `stack.toml` becomes the same
//! [`Document`] the attribute produces, every key and value with its byte
//! range in the file.
//!
//! ```toml
//! [stack]
//! order = "canonical"
//!
//! [cors]
//! allow_origins = ["https://app.example.com"]
//!
//! [[custom]]
//! name = "audit"
//! layer = "crate::audit::AuditLayer::new()"
//!
//! [scope."/admin/*".api_key]                        # only for paths under /admin
//! keys_env = "ADMIN_KEYS"
//!
//! [profile.dev]
//! trusted_host = false                                # disable a middleware
//! cors.allow_origins = ["http://localhost:3000"]      # override one key
//! ```
//!
//! Profiles are applied here, on the tree, before the model reads it: a
//! profile's table merges key by key into the base table of the same name,
//! `false` removes a middleware and `true` adds it with its defaults.

use crate::diag::{Diagnostic, Diagnostics, Loc, suggest};
use crate::rules::{UNKNOWN_OR_DUPLICATE, WRONG_VALUE};
use crate::tree::{Document, Entry, ScopeEntry, Spanned, Table, Value};
use toml::de::{DeTable, DeValue};

/// Parses `source` and applies `profile`; every syntax error and every
/// problem with the profile is reported, with its byte range.
pub fn parse(source: &str, profile: Option<&str>) -> (Document, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let (root, errors) = DeTable::parse_recoverable(source);
    // Recovery finds follow-on errors after the first on a line (an
    // unclosed array reads the next line as its elements); keep the first
    // error of each line, and nothing built from the broken tree.
    let mut lines_seen = Vec::new();
    for error in &errors {
        let range = error.span().unwrap_or(0..0);
        let line = source
            .get(..range.start)
            .map_or(0, |before| before.matches('\n').count());
        if lines_seen.contains(&line) {
            continue;
        }
        lines_seen.push(line);
        diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &Loc::Bytes(range),
                format!("TOML syntax: {}", error.message().trim()),
            )
            .help("fix the TOML syntax; strata reads TOML 1.0 (https://toml.io)"),
        );
    }
    if !errors.is_empty() {
        return (Document::default(), diagnostics);
    }
    let root = table(root.get_ref(), &mut diagnostics);

    let mut document = Document::default();
    let mut profiles: Option<Spanned<Value>> = None;
    for entry in root.entries {
        match entry.key.value.as_str() {
            "stack" => match entry.value.value {
                Value::Table(settings) => document.settings.extend(settings.entries),
                other => diagnostics.push(
                    Diagnostic::error(
                        WRONG_VALUE,
                        &entry.value.loc,
                        format!("`stack` must be a table, found {}", other.kind()),
                    )
                    .help("write [stack] and its settings below it"),
                ),
            },
            "profile" => profiles = Some(entry.value),
            "scope" => push_scopes(&mut document, entry, &mut diagnostics),
            _ => push_middleware(&mut document.middlewares, entry),
        }
    }
    if let Some(name) = profile {
        apply_profile(&mut document, profiles.as_ref(), name, &mut diagnostics);
        document.profile = Some(name.to_string());
    }
    (document, diagnostics)
}

/// `[[custom]]` is an array of tables: one middleware entry per element.
/// `name = true` is the TOML for the attribute's bare `name`; `false` leaves
/// it out.
fn push_middleware(middlewares: &mut Vec<Entry>, entry: Entry) {
    match entry.value.value {
        Value::Array(items) if items.iter().all(|item| matches!(item.value, Value::Table(_))) && !items.is_empty() => {
            for item in items {
                middlewares.push(Entry {
                    key: entry.key.clone(),
                    value: item,
                });
            }
        }
        Value::Bool(true) => middlewares.push(Entry {
            key: entry.key,
            value: Spanned::new(Value::Table(Table::default()), entry.value.loc),
        }),
        Value::Bool(false) => {}
        _ => middlewares.push(entry),
    }
}

/// `[scope."/api/*".jwt]`: the `scope` table maps each pattern to a table
/// of middlewares, read as the top level's are.
fn push_scopes(document: &mut Document, entry: Entry, diagnostics: &mut Diagnostics) {
    let Value::Table(patterns) = entry.value.value else {
        diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &entry.value.loc,
                format!(
                    "`scope` must be a table of path patterns, found {}",
                    entry.value.value.kind()
                ),
            )
            .help("write [scope.\"/api/*\".jwt] and the middleware's options below it"),
        );
        return;
    };
    for scope in patterns.entries {
        let Value::Table(table) = scope.value.value else {
            diagnostics.push(
                Diagnostic::error(
                    WRONG_VALUE,
                    &scope.value.loc,
                    format!(
                        "scope \"{}\" must be a table of middlewares, found {}",
                        scope.key.value,
                        scope.value.value.kind()
                    ),
                )
                .help(format!(
                    "write [scope.\"{}\".jwt] and the middleware's options below it",
                    scope.key.value
                )),
            );
            continue;
        };
        let mut middlewares = Vec::new();
        for middleware in table.entries {
            push_middleware(&mut middlewares, middleware);
        }
        document.scopes.push(ScopeEntry {
            key: scope.key.clone(),
            pattern: scope.key,
            middlewares,
            position: document.middlewares.len(),
        });
    }
}

fn apply_profile(
    document: &mut Document,
    profiles: Option<&Spanned<Value>>,
    name: &str,
    diagnostics: &mut Diagnostics,
) {
    let defined: Vec<&Entry> = match profiles.map(|p| &p.value) {
        Some(Value::Table(table)) => table.entries.iter().collect(),
        _ => Vec::new(),
    };
    let Some(profile) = defined.iter().find(|entry| entry.key.value == name) else {
        let names: Vec<&str> = defined.iter().map(|entry| entry.key.value.as_str()).collect();
        let loc = profiles.map_or(Loc::Bytes(0..0), |p| p.loc.clone());
        let mut error = Diagnostic::error(
            UNKNOWN_OR_DUPLICATE,
            &loc,
            format!("there is no profile `{name}` in this file"),
        );
        error = match suggest(name, names.iter().copied()) {
            Some(near) => error.help(format!("did you mean `{near}`?")),
            None if names.is_empty() => error.help(format!("add a [profile.{name}] table, or build without a profile")),
            None => error.help(format!("the profiles are: {}", names.join(", "))),
        };
        diagnostics.push(error);
        return;
    };
    let Value::Table(overrides) = &profile.value.value else {
        diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &profile.value.loc,
                format!("`profile.{name}` must be a table"),
            )
            .help(format!("write [profile.{name}] and the overrides below it")),
        );
        return;
    };
    for entry in &overrides.entries {
        if entry.key.value == "stack" {
            if let Value::Table(settings) = &entry.value.value {
                merge(&mut document.settings, &settings.entries);
            }
            continue;
        }
        if entry.key.value == "scope"
            && let Value::Table(patterns) = &entry.value.value
        {
            for scope in &patterns.entries {
                let Value::Table(patches) = &scope.value.value else {
                    continue;
                };
                let index = match document.scopes.iter().position(|s| s.pattern.value == scope.key.value) {
                    Some(index) => index,
                    None => {
                        document.scopes.push(ScopeEntry {
                            key: scope.key.clone(),
                            pattern: scope.key.clone(),
                            middlewares: Vec::new(),
                            position: document.middlewares.len(),
                        });
                        document.scopes.len() - 1
                    }
                };
                for patch in &patches.entries {
                    patch_middlewares(&mut document.scopes[index].middlewares, patch);
                }
            }
            continue;
        }
        patch_middlewares(&mut document.middlewares, entry);
    }
}

/// One profile entry applied to a list of middlewares: `false` removes the
/// middleware, `true` adds it with its defaults, a table patches its keys.
fn patch_middlewares(middlewares: &mut Vec<Entry>, entry: &Entry) {
    let existing = middlewares.iter().position(|m| m.key.value == entry.key.value);
    match (&entry.value.value, existing) {
        (Value::Bool(false), Some(_)) => middlewares.retain(|m| m.key.value != entry.key.value),
        (Value::Bool(false), None) => {}
        (Value::Bool(true), None) => middlewares.push(Entry {
            key: entry.key.clone(),
            value: Spanned::new(Value::Table(Table::default()), entry.value.loc.clone()),
        }),
        (Value::Bool(true), Some(_)) => {}
        (Value::Table(patch), Some(index)) => {
            if let Value::Table(base) = &mut middlewares[index].value.value {
                merge(&mut base.entries, &patch.entries);
            }
        }
        _ => push_middleware(middlewares, entry.clone()),
    }
}

/// Profile keys replace base keys of the same name, one level deep per
/// table, so `cors.allow_origins` replaces the list and keeps the other keys.
fn merge(base: &mut Vec<Entry>, patch: &[Entry]) {
    for entry in patch {
        match base.iter_mut().find(|b| b.key.value == entry.key.value) {
            Some(existing) => match (&mut existing.value.value, &entry.value.value) {
                (Value::Table(inner), Value::Table(patch)) => merge(&mut inner.entries, &patch.entries),
                _ => *existing = entry.clone(),
            },
            None => base.push(entry.clone()),
        }
    }
}

fn table(table: &DeTable<'_>, diagnostics: &mut Diagnostics) -> Table {
    let mut result = Table::default();
    for (key, value) in table.iter() {
        let Some(value) = self::value(value.get_ref(), value.span(), diagnostics) else {
            continue;
        };
        result.entries.push(Entry {
            key: Spanned::new(key.get_ref().to_string(), Loc::Bytes(key.span())),
            value,
        });
    }
    result
}

fn value(value: &DeValue<'_>, span: std::ops::Range<usize>, diagnostics: &mut Diagnostics) -> Option<Spanned<Value>> {
    let loc = Loc::Bytes(span);
    let value = match value {
        DeValue::String(text) => Value::Str(text.to_string()),
        DeValue::Boolean(flag) => Value::Bool(*flag),
        DeValue::Integer(integer) => {
            let digits = integer.as_str().replace('_', "");
            match i64::from_str_radix(&digits, integer.radix()) {
                Ok(number) => Value::Int(number),
                Err(_) => {
                    diagnostics.push(
                        Diagnostic::error(WRONG_VALUE, &loc, "this number does not fit in a 64-bit integer")
                            .help("use a smaller number"),
                    );
                    return None;
                }
            }
        }
        DeValue::Array(items) => Value::Array(
            items
                .iter()
                .filter_map(|item| self::value(item.get_ref(), item.span(), diagnostics))
                .collect(),
        ),
        DeValue::Table(inner) => Value::Table(table(inner, diagnostics)),
        // `inf` and `nan` parse too; the options that take numbers refuse them.
        DeValue::Float(float) => match float.as_str().replace('_', "").parse::<f64>() {
            Ok(number) => Value::Float(number),
            Err(_) => {
                diagnostics.push(
                    Diagnostic::error(WRONG_VALUE, &loc, "this is not a number strata can read")
                        .help("write a decimal number, e.g. 0.25"),
                );
                return None;
            }
        },
        DeValue::Datetime(_) => {
            diagnostics.push(
                Diagnostic::error(WRONG_VALUE, &loc, "strata has no option that takes a date")
                    .help("write a number, a string, a boolean, a list or a table"),
            );
            return None;
        }
    };
    Some(Spanned::new(value, loc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(document: &Document) -> Vec<&str> {
        document.middlewares.iter().map(|e| e.key.value.as_str()).collect()
    }

    const FILE: &str = r#"
[stack]
order = "canonical"

[trusted_host]
allowed_hosts = ["api.example.com"]

[cors]
allow_origins = ["https://app.example.com"]
max_age = 600

timing = true

[[custom]]
name = "a"
layer = "x::A::new()"

[[custom]]
name = "b"
layer = "x::B::new()"

[profile.dev]
trusted_host = false
cors.allow_origins = ["http://localhost:3000"]
request_id = true
"#;

    #[test]
    fn tables_keep_their_order_and_custom_arrays_become_entries() {
        let (document, diagnostics) = parse(FILE, None);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(document.settings.len(), 1);
        assert_eq!(names(&document), ["trusted_host", "cors", "custom", "custom"]);
    }

    #[test]
    fn a_profile_disables_overrides_and_adds() {
        let (document, diagnostics) = parse(FILE, Some("dev"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(names(&document), ["cors", "custom", "custom", "request_id"]);
        let Value::Table(cors) = &document.middlewares[0].value.value else {
            panic!()
        };
        let origins = cors.entries.iter().find(|e| e.key.value == "allow_origins").unwrap();
        let Value::Array(items) = &origins.value.value else {
            panic!()
        };
        assert!(matches!(&items[0].value, Value::Str(s) if s == "http://localhost:3000"));
        assert!(
            cors.entries.iter().any(|e| e.key.value == "max_age"),
            "other keys are kept"
        );
    }

    #[test]
    fn an_unknown_profile_is_named_with_a_suggestion() {
        let (_, diagnostics) = parse(FILE, Some("deev"));
        let diagnostic = diagnostics.iter().next().unwrap();
        assert_eq!(diagnostic.code, "S0701");
        assert_eq!(diagnostic.help.as_deref(), Some("did you mean `dev`?"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let (_, diagnostics) = parse("[cors]\nallow_origins = [\"a\"\nmax_age = 1\n", None);
        let diagnostic = diagnostics.iter().next().unwrap();
        assert!(diagnostic.message.starts_with("TOML syntax"), "{}", diagnostic.message);
        assert!(matches!(diagnostic.loc, Loc::Bytes(ref r) if r.start > 6));
    }

    #[test]
    fn values_carry_byte_ranges() {
        let source = "[cors]\nmax_age = 600\n";
        let (document, _) = parse(source, None);
        let Value::Table(cors) = &document.middlewares[0].value.value else {
            panic!()
        };
        let Loc::Bytes(range) = &cors.entries[0].value.loc else {
            panic!()
        };
        assert_eq!(&source[range.clone()], "600");
        let Loc::Bytes(range) = &cors.entries[0].key.loc else {
            panic!()
        };
        assert_eq!(&source[range.clone()], "max_age");
    }

    #[test]
    fn scopes_are_read_and_patched_by_profiles() {
        let source = r#"
[request_id]

[scope."/api/*".jwt]
secret_env = "JWT_SECRET"

[scope."/api/*".rate_limit]
requests = 100
per = "1m"

[cors]

[scope."/admin/*"]
api_key = { keys_env = "ADMIN_KEYS" }

[profile.dev.scope."/api/*"]
rate_limit = false
jwt.leeway = "5s"
"#;
        let (document, diagnostics) = parse(source, None);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(names(&document), ["request_id", "cors"]);
        let scopes: Vec<(&str, usize, Vec<&str>)> = document
            .scopes
            .iter()
            .map(|s| {
                let inside = s.middlewares.iter().map(|e| e.key.value.as_str()).collect();
                (s.pattern.value.as_str(), s.position, inside)
            })
            .collect();
        assert_eq!(
            scopes,
            // TOML gathers every `[scope.…]` table into one `scope` table, which
            // sits where the first is written.
            [
                ("/api/*", 1, vec!["jwt", "rate_limit"]),
                ("/admin/*", 1, vec!["api_key"])
            ]
        );
        let Loc::Bytes(range) = &document.scopes[0].pattern.loc else {
            panic!()
        };
        assert_eq!(&source[range.clone()], "\"/api/*\"");

        let (dev, diagnostics) = parse(source, Some("dev"));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let api = &dev.scopes[0];
        assert_eq!(api.middlewares.len(), 1, "rate_limit removed");
        let Value::Table(jwt) = &api.middlewares[0].value.value else {
            panic!()
        };
        let keys: Vec<&str> = jwt.entries.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(keys, ["secret_env", "leeway"]);
    }
}
