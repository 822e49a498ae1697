//! The JSON Schema of `stack.toml` (draft-07, what taplo and Even Better
//! TOML read), derived from the model itself: each middleware's `read`
//! function is run on an empty table and the options it asks for, with their
//! kinds and whether they are required, become the schema. A new option can
//! therefore never be missing from the schema.

use crate::diag::{Diagnostics, Loc};
use crate::middleware::{Def, REGISTRY};
use crate::model::{Kind, Reader};
use serde_json::{Map, Value, json};

fn kind(kind: Kind) -> Value {
    match kind {
        Kind::String => json!({ "type": "string" }),
        Kind::Strings => json!({ "type": "array", "items": { "type": "string" } }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::UInt => json!({ "type": "integer", "minimum": 0 }),
        Kind::StringOrUInt => json!({ "type": ["string", "integer"], "minimum": 0 }),
        Kind::Numbers => json!({ "type": "array", "items": { "type": "number" } }),
        Kind::Expr => json!({ "type": "string", "description": "a Rust expression that builds a tower Layer" }),
        Kind::Nested => json!({ "type": ["object", "boolean"] }),
    }
}

/// One middleware's table; in a profile nothing is required.
fn middleware_table(def: &Def, in_profile: bool) -> Value {
    let mut diagnostics = Diagnostics::default();
    let mut reader = Reader::new(def.name, &[], &mut diagnostics);
    let _ = (def.read)(&mut reader, &Loc::Bytes(0..0));
    let (options, required) = reader.options();
    let properties: Map<String, Value> = options.iter().map(|(key, k)| (key.to_string(), kind(*k))).collect();
    let mut table = json!({
        "type": "object",
        "description": def.why,
        "properties": properties,
        "additionalProperties": false,
    });
    if !in_profile && !required.is_empty() {
        table["required"] = json!(required);
    }
    table
}

/// A middleware entry: its table, or `true` (defaults) / `false` (left out);
/// `custom` is also an array of tables (`[[custom]]`).
fn middleware_entry(def: &Def, in_profile: bool) -> Value {
    let table = middleware_table(def, in_profile);
    let mut choices = vec![table.clone(), json!({ "type": "boolean" })];
    if def.name == "custom" {
        choices.push(json!({ "type": "array", "items": table }));
    }
    json!({ "anyOf": choices })
}

/// What a scope may hold: the middlewares that do not apply to the whole app.
fn scope_table(in_profile: bool) -> Value {
    let mut properties = Map::new();
    for def in REGISTRY.iter().filter(|def| def.whole_app.is_none()) {
        for name in std::iter::once(def.name).chain(def.aliases.iter().copied()) {
            properties.insert(name.to_string(), middleware_entry(def, in_profile));
        }
    }
    json!({
        "type": "object",
        "description": "[scope.\"/api/*\".jwt]: middlewares for the paths that match the pattern (an exact path, or a subtree ending in /*); the longest pattern wins, and a scope's entry replaces the whole app's of the same name",
        "propertyNames": { "pattern": "^(/[^*]*)?/\\*$|^/[^*]*$" },
        "additionalProperties": {
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        },
    })
}

fn middlewares(in_profile: bool) -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert("scope".into(), scope_table(in_profile));
    for def in REGISTRY {
        for name in std::iter::once(def.name).chain(def.aliases.iter().copied()) {
            properties.insert(name.to_string(), middleware_entry(def, in_profile));
        }
    }
    let stack = json!({
        "type": "object",
        "properties": { "order": { "enum": ["canonical", "as-written"] } },
        "additionalProperties": false,
    });
    properties.insert("stack".into(), stack);
    properties
}

/// The whole schema.
pub fn schema() -> Value {
    let mut properties = middlewares(false);
    properties.insert(
        "profile".into(),
        json!({
            "type": "object",
            "description": "[profile.NAME] tables override keys or disable middlewares (`name = false`) when that profile is selected",
            "additionalProperties": {
                "type": "object",
                "properties": middlewares(true),
                "additionalProperties": false,
            },
        }),
    );
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://strata.invalid/stack.schema.json",
        "title": "strata stack.toml",
        "description": "A strata middleware stack: one table per middleware, checked and ordered at compile time.",
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::schema;

    #[test]
    fn every_middleware_and_its_options_are_in_the_schema() {
        let schema = schema();
        let cors = &schema["properties"]["cors"]["anyOf"][0];
        assert_eq!(cors["properties"]["allow_origins"]["type"], "array");
        assert_eq!(cors["properties"]["max_age"]["type"], "integer");
        assert_eq!(cors["additionalProperties"], false);
        let trusted = &schema["properties"]["trusted_host"]["anyOf"][0];
        assert_eq!(trusted["required"][0], "allowed_hosts");
        assert!(schema["properties"]["gzip"].is_object(), "aliases are keys too");
        assert_eq!(schema["properties"]["custom"]["anyOf"][2]["type"], "array");
        let scoped = &schema["properties"]["scope"]["additionalProperties"]["properties"];
        assert!(scoped["jwt"].is_object() && scoped["cors"].is_object());
        assert!(scoped["request_id"].is_null(), "whole-app middlewares cannot be scoped");
    }
}
