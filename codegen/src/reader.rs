//! Typed access to one middleware's table: what every middleware's `read`
//! function uses. A leaf: it knows tables and diagnostics, no middleware.

use crate::checks::{PATH_PATTERN, UNKNOWN_OR_DUPLICATE, WRONG_VALUE};
use crate::diag::{Diagnostic, Diagnostics, Loc, suggest};
use crate::tree::{Entry, Spanned, Value};
use proc_macro2::TokenStream;

/// Typed access to one table's keys. Every key asked for is remembered, so
/// that [`Reader::finish`] can report the keys nobody asked for, with the
/// nearest known key as a suggestion.
#[derive(Debug)]
pub struct Reader<'a> {
    middleware: &'static str,
    entries: &'a [Entry],
    used: Vec<bool>,
    known: Vec<(&'static str, Kind)>,
    required: Vec<&'static str>,
    /// Required keys found missing, reported by [`Reader::finish`] unless an
    /// unknown key is a typo of them (one mistake, one error).
    missing: Vec<(&'static str, Diagnostic)>,
    pub diagnostics: &'a mut Diagnostics,
}

/// The type of an option, as the reader asked for it: what `strata schema`
/// publishes, derived from the same calls that read the options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Strings,
    Bool,
    UInt,
    /// A quantity written either as a string with a unit (`"2MB"`) or as a
    /// plain non-negative integer.
    StringOrUInt,
    /// A list of numbers, integers or not (`metrics.buckets`).
    Numbers,
    /// A Rust expression, written as a string in TOML.
    Expr,
    /// A nested table, or a boolean that switches it off or on.
    Nested,
}

impl<'a> Reader<'a> {
    pub fn new(middleware: &'static str, entries: &'a [Entry], diagnostics: &'a mut Diagnostics) -> Self {
        Reader {
            middleware,
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
            required: Vec::new(),
            missing: Vec::new(),
            diagnostics,
        }
    }

    fn take(&mut self, key: &'static str, kind: Kind) -> Option<&'a Entry> {
        self.known.push((key, kind));
        let mut found: Option<&'a Entry> = None;
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.key.value != key {
                continue;
            }
            self.used[index] = true;
            match found {
                None => found = Some(entry),
                Some(first) => self.diagnostics.push(
                    Diagnostic::error(
                        UNKNOWN_OR_DUPLICATE,
                        &entry.key.loc,
                        format!("`{}.{key}` is set twice", self.middleware),
                    )
                    .note(&first.key.loc, "first set here")
                    .help("keep one of the two"),
                ),
            }
        }
        found
    }

    fn wrong_type(&mut self, key: &str, expected: &str, found: &Spanned<Value>) {
        self.diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &found.loc,
                format!(
                    "`{}.{key}` expects {expected}, found {}",
                    self.middleware,
                    found.value.kind()
                ),
            )
            .help(format!("write {key} = {}", example_of(expected))),
        );
    }

    pub fn string(&mut self, key: &'static str) -> Option<Spanned<String>> {
        let entry = self.take(key, Kind::String)?;
        match &entry.value.value {
            Value::Str(text) => Some(Spanned::new(text.clone(), entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a string", &entry.value);
                None
            }
        }
    }

    pub fn strings(&mut self, key: &'static str) -> Option<Spanned<Vec<Spanned<String>>>> {
        let entry = self.take(key, Kind::Strings)?;
        let Value::Array(items) = &entry.value.value else {
            self.wrong_type(key, "a list of strings", &entry.value);
            return None;
        };
        let mut strings = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Value::Str(text) => strings.push(Spanned::new(text.clone(), item.loc.clone())),
                _ => self.wrong_type(key, "a list of strings", item),
            }
        }
        Some(Spanned::new(strings, entry.value.loc.clone()))
    }

    /// A list of numbers: integers and numbers with a fraction alike
    /// (`buckets = [0.1, 1, 2.5]`).
    pub fn numbers(&mut self, key: &'static str) -> Option<Spanned<Vec<Spanned<f64>>>> {
        let entry = self.take(key, Kind::Numbers)?;
        let Value::Array(items) = &entry.value.value else {
            self.wrong_type(key, "a list of numbers", &entry.value);
            return None;
        };
        let mut numbers = Vec::with_capacity(items.len());
        let mut all_numbers = true;
        for item in items {
            match &item.value {
                Value::Float(number) => numbers.push(Spanned::new(*number, item.loc.clone())),
                Value::Int(number) => numbers.push(Spanned::new(*number as f64, item.loc.clone())),
                _ => {
                    self.wrong_type(key, "a list of numbers", item);
                    all_numbers = false;
                }
            }
        }
        // A list with a wrong item was reported; checking what is left of
        // it would only add follow-on errors.
        all_numbers.then(|| Spanned::new(numbers, entry.value.loc.clone()))
    }

    /// A list of path patterns (`public_paths`, `exempt_paths`, ...). Paths
    /// are matched against the request path, which always starts with `/`; a
    /// pattern without one would silently never match, so a "public" path
    /// would stay protected and an "excluded" path logged (S0703).
    pub fn paths(&mut self, key: &'static str) -> Option<Spanned<Vec<Spanned<String>>>> {
        let list = self.strings(key)?;
        for pattern in &list.value {
            if !pattern.value.starts_with('/') {
                self.diagnostics.push(
                    Diagnostic::error(
                        PATH_PATTERN,
                        &pattern.loc,
                        format!(
                            "path pattern \"{}\" in `{}.{key}` does not start with `/`",
                            pattern.value, self.middleware
                        ),
                    )
                    .help(format!("write \"/{}\"", pattern.value.trim_start_matches('/'))),
                );
            }
        }
        Some(list)
    }

    /// The value as written, for options that accept more than one type
    /// (`hsts = false` or `hsts(max_age = ...)`); the caller reports wrong types.
    pub fn value(&mut self, key: &'static str) -> Option<&'a Spanned<Value>> {
        self.take(key, Kind::Nested).map(|entry| &entry.value)
    }

    /// A key that no longer exists, read only so that a rule can say where it
    /// went: it is left out of the options (`strata schema`, "did you mean").
    pub fn retired(&mut self, key: &'static str) -> Option<&'a Spanned<Value>> {
        let found = self.take(key, Kind::Nested);
        self.known.pop();
        found.map(|entry| &entry.value)
    }

    pub fn bool(&mut self, key: &'static str) -> Option<Spanned<bool>> {
        let entry = self.take(key, Kind::Bool)?;
        match &entry.value.value {
            Value::Bool(flag) => Some(Spanned::new(*flag, entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a boolean", &entry.value);
                None
            }
        }
    }

    pub fn uint(&mut self, key: &'static str) -> Option<Spanned<u64>> {
        let entry = self.take(key, Kind::UInt)?;
        match &entry.value.value {
            Value::Int(number) if *number >= 0 => Some(Spanned::new(number.unsigned_abs(), entry.value.loc.clone())),
            found => {
                // The number the user meant when there is one (`leeway = "5s"`,
                // `status = "503"`): a fixed example would be out of range for
                // some keys (`leeway` ≤ 300, `hops` ≤ 255, a `status`).
                let meant = match found {
                    Value::Str(text) => {
                        let digits: String = text.trim().chars().take_while(char::is_ascii_digit).collect();
                        digits.parse::<u64>().ok()
                    }
                    Value::Int(negative) => Some(negative.unsigned_abs()),
                    _ => None,
                };
                let help = match meant {
                    Some(number) => format!("write {key} = {number}"),
                    None => format!("write {key} as a whole number, without quotes"),
                };
                let error = Diagnostic::error(
                    WRONG_VALUE,
                    &entry.value.loc,
                    format!(
                        "`{}.{key}` expects a non-negative integer, found {}",
                        self.middleware,
                        entry.value.value.kind()
                    ),
                )
                .help(help);
                self.diagnostics.push(error);
                None
            }
        }
    }

    /// A quantity that may carry a unit (`max = "2MB"`) or be a plain
    /// integer (`max = 1048576`): the text as written, an integer in decimal.
    pub fn string_or_uint(&mut self, key: &'static str) -> Option<Spanned<String>> {
        let entry = self.take(key, Kind::StringOrUInt)?;
        match &entry.value.value {
            Value::Str(text) => Some(Spanned::new(text.clone(), entry.value.loc.clone())),
            Value::Int(number) if *number >= 0 => Some(Spanned::new(number.to_string(), entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a string or a non-negative integer", &entry.value);
                None
            }
        }
    }

    /// A Rust expression: written as one in the attribute, as a string in TOML.
    pub fn expr(&mut self, key: &'static str) -> Option<Spanned<TokenStream>> {
        let entry = self.take(key, Kind::Expr)?;
        match &entry.value.value {
            Value::Expr(tokens) => Some(Spanned::new(tokens.clone(), entry.value.loc.clone())),
            Value::Str(text) => match parse_expression(text) {
                Ok(tokens) => Some(Spanned::new(tokens, entry.value.loc.clone())),
                Err((message, limit)) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            WRONG_VALUE,
                            &entry.value.loc,
                            format!("`{}.{key}` is not a Rust expression: {message}", self.middleware),
                        )
                        .help(if limit {
                            crate::parse::limits::HELP
                        } else {
                            "write a Rust expression that builds a tower Layer, e.g. \"crate::audit::AuditLayer::new()\""
                        }),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, "a Rust expression", &entry.value);
                None
            }
        }
    }

    /// A required key: reports its absence at the middleware's own key.
    pub fn require<T>(&mut self, value: Option<T>, key: &'static str, at: &Loc, example: &str) -> Option<T> {
        self.required.push(key);
        if value.is_none() && !self.entries.iter().any(|e| e.key.value == key) {
            self.missing.push((
                key,
                Diagnostic::error(WRONG_VALUE, at, format!("`{}` needs `{key}`", self.middleware))
                    .help(format!("add {key} = {example}")),
            ));
        }
        value
    }

    /// The options read so far, with their kinds, and which are required.
    pub fn options(&self) -> (&[(&'static str, Kind)], &[&'static str]) {
        (&self.known, &self.required)
    }

    /// Reports every key that no one asked for, and every required key
    /// missing, except one the user misspelled: `requets = 10` is one
    /// mistake, reported once, as an unknown key with its suggestion.
    pub fn finish(mut self) {
        let mut misspelled = Vec::new();
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let key = entry.key.value.as_str();
            let mut error = Diagnostic::error(
                UNKNOWN_OR_DUPLICATE,
                &entry.key.loc,
                format!("unknown key `{key}` in `{}`", self.middleware),
            );
            error = match suggest(key, self.known.iter().map(|(known, _)| *known)) {
                Some(near) if self.missing.iter().any(|(required, _)| *required == near) => {
                    misspelled.push(near);
                    error.help(format!("did you mean `{near}`? `{}` needs it", self.middleware))
                }
                Some(near) => error.help(format!("did you mean `{near}`?")),
                None if self.known.is_empty() => error.help(format!("`{}` takes no options", self.middleware)),
                None => error.help(format!(
                    "`{}` knows: {}",
                    self.middleware,
                    self.known
                        .iter()
                        .map(|(known, _)| *known)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diagnostics.push(error);
        }
        for (key, error) in std::mem::take(&mut self.missing) {
            if !misspelled.contains(&key) {
                self.diagnostics.push(error);
            }
        }
    }
}

fn example_of(expected: &str) -> &'static str {
    match expected {
        "a string" => "\"...\"",
        "a list of strings" => "[\"...\"]",
        "a boolean" => "true",
        "a non-negative integer" => "600",
        "a string or a non-negative integer" => "\"2MB\"",
        "a list of numbers" => "[0.1, 0.5, 1]",
        _ => "...",
    }
}

/// A Rust expression written as a string (TOML): lexed (without
/// recursion), then checked as the attribute's are ([`crate::parse::expr`]).
/// Inside the macro (`file = "stack.toml"`) rustc parses it where it is
/// emitted; elsewhere (`strata check`, build.rs, `strata gen`) `syn` parses
/// it here, on a stack of its own, so that the error is located in the
/// file. The error's message, and whether it is a size limit.
fn parse_expression(text: &str) -> Result<TokenStream, (String, bool)> {
    use crate::parse::{expr, limits};
    // Lexed without recursion (`syn::parse_str` would build a buffer that
    // recurses per group).
    let tokens: TokenStream = text
        .parse()
        .map_err(|error: proc_macro2::LexError| (error.to_string(), false))?;
    let trees: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    expr::check(&trees).map_err(|problem| match problem.limit {
        true => (format!("it {}", problem.message), true),
        false => (problem.message, false),
    })?;
    if !limits::in_proc_macro() {
        limits::on_big_stack(|| {
            syn::parse_str::<syn::Expr>(text)
                .map(drop)
                .map_err(|error| error.to_string())
        })
        .map_err(|message| (message, false))?;
    }
    Ok(tokens)
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    fn messages(text: &str) -> Vec<String> {
        let (_, diagnostics) = crate::compile_toml(text, None);
        diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    }

    #[test]
    fn a_misspelled_required_key_is_one_error() {
        let found = messages("[rate_limit]\nrequets = 10\nper = \"1m\"\n");
        assert_eq!(found, ["S0701: unknown key `requets` in `rate_limit`"]);
        let (_, diagnostics) = crate::compile_toml("[rate_limit]\nrequets = 10\nper = \"1m\"\n", None);
        assert_eq!(
            diagnostics.iter().next().and_then(|d| d.help.as_deref()),
            Some("did you mean `requests`? `rate_limit` needs it")
        );
    }

    #[test]
    fn the_help_for_a_whole_number_is_the_number_meant_never_a_fixed_example() {
        let help = |text: &str| {
            let (_, diagnostics) = crate::compile_toml(text, None);
            diagnostics.iter().filter_map(|d| d.help.clone()).collect::<Vec<_>>()
        };
        // A fixed `600` was S0602 for `leeway` (at most 300) and no status at all.
        assert_eq!(
            help("[jwt]\nsecret_env = \"J\"\nleeway = \"5s\"\n"),
            ["write leeway = 5"]
        );
        assert_eq!(help("[timeout]\nstatus = \"504\"\n"), ["write status = 504"]);
        assert_eq!(help("[compression]\nlevel = -6\n"), ["write level = 6"]);
        assert_eq!(
            help("[cors]\nmax_age = true\n"),
            ["write max_age as a whole number, without quotes"]
        );
    }

    #[test]
    fn a_required_key_left_out_is_still_reported() {
        let found = messages("[rate_limit]\nper = \"1m\"\nburst = 3\n");
        assert!(
            found.contains(&"S0704: `rate_limit` needs `requests`".to_string()),
            "{found:?}"
        );
        assert!(found.iter().any(|m| m.contains("unknown key `burst`")), "{found:?}");
    }
}
