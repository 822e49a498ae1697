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
/// A header name or value strata would send, taken from the description,
/// that is not a valid one. Each middleware that sends such a header lists
/// the rule with its own summary.
pub const HEADER_VALUE: &str = "S0302";

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

/// Why `value` cannot be sent as a header value, or `None`. The test is the
/// one `HeaderValue::from_static` applies in the generated code (visible
/// ASCII, space and tab), so a value that passes here cannot panic there;
/// `HeaderValue::from_str` is laxer (it takes bytes 0x80–0xFF) and would let
/// a curly quote through.
pub fn header_value_problem(value: &str) -> Option<String> {
    let bad = value.chars().find(|&c| !(c == '\t' || (' '..='~').contains(&c)))?;
    Some(if bad.is_ascii() {
        format!("contains the control character U+{:04X}", bad as u32)
    } else {
        format!("contains '{bad}' (U+{:04X}); header values are ASCII", bad as u32)
    })
}

/// S0302 on `value` (the option `key`) when it cannot be sent as a header
/// value; `help` says what to write instead. Returns whether it fired, so a
/// rule about the value's meaning can stay quiet.
pub fn header_value(key: &str, value: &Spanned<String>, help: &str, diagnostics: &mut Diagnostics) -> bool {
    let Some(problem) = header_value_problem(&value.value) else {
        return false;
    };
    diagnostics.push(
        Diagnostic::error(
            HEADER_VALUE,
            &value.loc,
            format!("`{key}` cannot be sent in a header: it {problem}"),
        )
        .help(help.to_string()),
    );
    true
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
