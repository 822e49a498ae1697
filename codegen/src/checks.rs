//! What every rule is made of: the [`Rule`] record, the stack-wide codes,
//! and the validators several middlewares share. A leaf: the catalogue that
//! lists every rule is [`crate::rules`].

use crate::diag::{Diagnostic, Diagnostics, Level};
use crate::model::StackSpec;
use crate::tree::Spanned;

/// The same middleware twice; an unknown middleware or key.
pub const UNKNOWN_OR_DUPLICATE: &str = "S0701";
/// An order constraint broken, or a cycle among `custom` placements.
pub const ORDER: &str = "S0702";
/// A path pattern without a leading `/`.
pub const PATH_PATTERN: &str = "S0703";
/// A scope holds a middleware that applies to the whole app, two scopes
/// have the same pattern, or scopes nest.
pub const SCOPE: &str = "S1201";
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

/// Why `name` cannot be an environment variable's name, or `None`.
pub fn env_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("starts with a digit");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("is not a variable name (letters, digits and `_`)");
    }
    None
}

/// Every `*_env` key names an environment variable; the secret itself stays
/// out of the code.
pub fn check_env_name(key: &str, variable: &Spanned<String>, diagnostics: &mut Diagnostics) {
    if let Some(problem) = env_name_problem(&variable.value) {
        diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &variable.loc,
                format!("`{key}` names \"{}\", which {problem}", variable.value),
            )
            .help(format!(
                "`{key}` is the name of an environment variable, e.g. \"API_KEYS\"; the secret itself stays out of the code"
            )),
        );
    }
}

/// A duration as every duration option writes it (`rate_limit.per`,
/// `timeout.request`): a whole number and one unit, `"500ms"`, `"30s"`,
/// `"1m"`, `"1h"` or `"1d"`; in milliseconds, `None` when unparsable.
pub fn parse_duration(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    number.checked_mul(unit_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m"), Some(60_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("2h"), Some(7_200_000));
        assert_eq!(parse_duration("0s"), Some(0));
        for bad in ["", "m", "1", "1 m", "1min", "-1s", "1.5s", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
