//! The rule catalogue: every check strata makes, with its stable code.
//!
//! Middleware rules live beside their middleware (`middleware::cors::DEF.rules`);
//! the stack-wide ones live here. [`catalogue`] lists them all, and
//! [`validate`] runs every check on a [`StackSpec`].

use crate::diag::{Diagnostic, Diagnostics, Level};
use crate::middleware::REGISTRY;
use crate::model::StackSpec;
use crate::tree::Spanned;

/// The same middleware twice; an unknown middleware or key.
pub const UNKNOWN_OR_DUPLICATE: &str = "S0701";
/// An order constraint broken, or a cycle among `custom` placements.
pub const ORDER: &str = "S0702";
/// A path pattern without a leading `/`.
pub const PATH_PATTERN: &str = "S0703";
/// A value of the wrong type or outside its allowed set, or a required key missing.
pub const WRONG_VALUE: &str = "S0704";

/// One check, as data.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub level: Level,
    pub summary: &'static str,
    /// `None` for rules reported while reading the description or ordering it.
    pub check: Option<fn(&StackSpec, &mut Diagnostics)>,
}

static STACK_RULES: &[Rule] = &[
    Rule {
        code: UNKNOWN_OR_DUPLICATE,
        level: Level::Error,
        summary: "the same middleware twice; an unknown middleware or key (with a suggestion)",
        check: None,
    },
    Rule {
        code: ORDER,
        level: Level::Error,
        summary: "an order constraint broken, or a cycle among `custom` placements",
        check: None,
    },
    Rule {
        code: PATH_PATTERN,
        level: Level::Error,
        summary: "a path pattern without a leading `/`",
        check: Some(check_path_patterns),
    },
    Rule {
        code: WRONG_VALUE,
        level: Level::Error,
        summary: "a value of the wrong type or outside its allowed set, or a required key missing",
        check: None,
    },
];

/// Every rule strata knows: the stack-wide ones, then each middleware's.
pub fn catalogue() -> impl Iterator<Item = &'static Rule> {
    STACK_RULES
        .iter()
        .chain(REGISTRY.iter().flat_map(|def| def.rules.iter()))
}

/// Runs every check, collecting every finding.
pub fn validate(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for rule in catalogue() {
        if let Some(check) = rule.check {
            check(spec, diagnostics);
        }
    }
}

/// Paths are matched against the request path, which always starts with `/`;
/// a pattern without one silently never matches, so a "public" path would be
/// protected and an "excluded" path logged.
fn check_path_patterns(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for layer in &spec.layers {
        for (key, list) in layer.config.path_lists() {
            for pattern in &list.value {
                if !pattern.value.starts_with('/') {
                    diagnostics.push(
                        Diagnostic::error(
                            PATH_PATTERN,
                            &pattern.loc,
                            format!(
                                "path pattern \"{}\" in `{}.{key}` does not start with `/`",
                                pattern.value,
                                layer.config.def().name
                            ),
                        )
                        .help(format!("write \"/{}\"", pattern.value.trim_start_matches('/'))),
                    );
                }
            }
        }
    }
}

/// Shared by every rule that takes a header name from the user.
pub fn header_name(code: &'static str, key: &str, header: &Spanned<String>, diagnostics: &mut Diagnostics) {
    if http::HeaderName::from_bytes(header.value.as_bytes()).is_err() {
        diagnostics.push(
            Diagnostic::error(
                code,
                &header.loc,
                format!("`{key}`: \"{}\" is not a valid header name", header.value),
            )
            .help("header names are letters, digits and `!#$%&'*+-.^_`|~`, e.g. \"x-request-id\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_per_rule_and_well_formed() {
        let mut seen = BTreeSet::new();
        for rule in catalogue() {
            assert!(rule.code.len() == 5 && rule.code.starts_with('S'), "{}", rule.code);
            // A code may cover several middlewares (S0704), never two levels.
            if !seen.insert((rule.code, rule.summary)) {
                panic!("rule listed twice: {}", rule.code);
            }
        }
    }
}
