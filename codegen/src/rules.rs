//! The rule catalogue: every check strata makes, with its stable code.
//!
//! Middleware rules live beside their middleware (`middleware::cors::DEF.rules`);
//! the stack-wide ones live here. [`catalogue`] lists them all, and
//! [`validate`] runs every check on a [`StackSpec`].

use crate::diag::{Diagnostics, Level};
use crate::middleware::REGISTRY;
use crate::model::StackSpec;

// The record, the codes and the shared validators live in a leaf module;
// re-exported here, where the middleware modules have always found them.
pub use crate::checks::{
    HEADER_VALUE, ORDER, PATH_PATTERN, Rule, SCOPE, UNKNOWN_OR_DUPLICATE, WRONG_VALUE, header_name, header_value,
    header_value_problem,
};

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
        summary: "a path pattern without a leading `/`; a scope pattern no request path can match (`*` not last, whitespace, control characters, `?`, `#`)",
        // Reported while reading, by `Reader::paths`.
        check: None,
    },
    Rule {
        code: SCOPE,
        level: Level::Error,
        summary: "a scope holds a middleware that applies to the whole app, two scopes have the same pattern, or scopes nest",
        // Reported while reading, by `model::read`.
        check: None,
    },
    Rule {
        code: WRONG_VALUE,
        level: Level::Error,
        summary: "a value of the wrong type or outside its allowed set, or a required key missing",
        check: None,
    },
];

/// Every rule strata knows: the stack-wide ones, each middleware's, and
/// the production audit's (S13xx, `strata check --deploy` only: no `check`).
pub fn catalogue() -> impl Iterator<Item = &'static Rule> {
    STACK_RULES
        .iter()
        .chain(REGISTRY.iter().flat_map(|def| def.rules.iter()))
        .chain(crate::audit::RULES.iter())
}

/// Runs every check, collecting every finding.
pub fn validate(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for rule in catalogue() {
        if let Some(check) = rule.check {
            check(spec, diagnostics);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn header_values_are_what_from_static_accepts() {
        for good in ["default-src 'self'", "a\tb", " ~", ""] {
            assert_eq!(header_value_problem(good), None, "{good:?}");
            let _ = http::HeaderValue::from_static(Box::leak(good.to_string().into_boxed_str()));
        }
        for bad in ["default-src ’self’", "a\nb", "a\rb", "\u{7f}", "caf\u{e9}", "\0"] {
            assert!(header_value_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(
            header_value_problem("default-src ’self’").as_deref(),
            Some("contains '’' (U+2019); header values are ASCII")
        );
        assert_eq!(
            header_value_problem("a\nb").as_deref(),
            Some("contains the control character U+000A")
        );
    }

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
