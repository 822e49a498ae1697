//! `body_limit`: a request body over `max` is a 413, whether its
//! `Content-Length` says so up front or it streams past the limit.

use super::{Config, Def};
use crate::checks::Rule;
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::{Cx, Lowered, private};
use crate::model::StackSpec;
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::quote;

/// Shared with `timeout` and `concurrency_limit`.
pub const BAD_GUARD_VALUE: &str = "S1001";

/// `"2MB"`, Loco's default and axum's order of magnitude.
pub const DEFAULT_MAX: u64 = 2_000_000;

pub static DEF: Def = Def {
    name: "body_limit",
    aliases: &[],
    rank: 116,
    why: "the body limit counts the bytes the handler will read, inflated ones included, before the session and auth read anything",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &["cors"],
    wrapped_by_why: "a guard's error response (408, 413, 415, 503, 504) must carry CORS headers, or the browser hides it from the page",
    example: "",
    read,
    rules: &[Rule {
        code: BAD_GUARD_VALUE,
        level: Level::Error,
        summary: "`body_limit`: a zero or unparsable `max`",
        check: Some(check_values),
    }],
};

#[derive(Clone, Debug)]
pub struct BodyLimit {
    pub max: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::BodyLimit(BodyLimit {
        max: reader.string_or_uint("max"),
    })
}

/// A size in bytes: a plain integer (`"1048576"`, or `1048576` unquoted), or
/// a whole number and a unit, SI units in powers of 1000 (`B`, `KB`, `MB`,
/// `GB`) and IEC units in powers of 1024 (`KiB`, `MiB`, `GiB`), the unit's
/// case ignored, one space allowed before it. `None` when unparsable or over
/// `u64`.
pub fn parse_size(text: &str) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return None;
    }
    let number: u64 = number.parse().ok()?;
    let unit = match unit.strip_prefix(' ') {
        Some("") => return None,
        Some(unit) => unit,
        None => unit,
    }
    .to_ascii_lowercase();
    let multiplier: u64 = match unit.as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(multiplier)
}

impl BodyLimit {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let max = self.max.as_ref().and_then(|m| parse_size(&m.value)).unwrap_or(DEFAULT_MAX);
        Lowered::layer(quote!(#private::runtime::body_limit::BodyLimitLayer::new(#max)))
    }
}

/// A zero limit refuses every body; an unparsable one cannot mean anything.
fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<BodyLimit>() {
        let Some(max) = &config.max else { continue };
        let message = match parse_size(&max.value) {
            Some(0) => "`body_limit.max` is zero: every request body would be refused".to_string(),
            Some(_) => continue,
            None => format!("`body_limit.max = \"{}\"` is not a size", max.value),
        };
        diagnostics.push(
            Diagnostic::error(BAD_GUARD_VALUE, &max.loc, message)
                .help("write bytes (1048576) or a whole number and a unit: \"512KB\", \"2MB\", \"1MiB\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        for (text, bytes) in [
            ("2MB", 2_000_000),
            ("512KB", 512_000),
            ("1MiB", 1_048_576),
            ("1 MiB", 1_048_576),
            ("3kib", 3_072),
            ("1GB", 1_000_000_000),
            ("2GiB", 2_147_483_648),
            ("1048576", 1_048_576),
            ("10B", 10),
            ("0", 0),
        ] {
            assert_eq!(parse_size(text), Some(bytes), "{text}");
        }
        for bad in ["", "MB", "2 ", "2  MB", "1.5MB", "-1", "2TB", "2 M", "99999999999999999999", "20000000000GB"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
