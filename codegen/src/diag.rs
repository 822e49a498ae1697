//! Diagnostics: written once, rendered twice.
//!
//! A [`Diagnostic`] carries a rule code, a message, a primary location, notes
//! at other locations and a fix. Its location is either a Rust span (the
//! attribute front door) or a byte range in a file (the TOML front door);
//! only the rendering differs: `compile_error!` for the macro,
//! `file:line:col` snippets for the CLI and build.rs.

use proc_macro2::Span;
use std::fmt;
use std::ops::Range;

/// Where a piece of the description came from.
#[derive(Clone, Debug)]
pub enum Loc {
    /// A token of the `#[strata::stack(...)]` attribute.
    Span(Span),
    /// A byte range in the description file.
    Bytes(Range<usize>),
}

impl Loc {
    /// The span to point a `compile_error!` at; file locations have none.
    pub fn span(&self) -> Span {
        match self {
            Loc::Span(span) => *span,
            Loc::Bytes(_) => Span::call_site(),
        }
    }
}

/// Whether two locations are the same token or range. A span has no
/// equality; its debug form names its source position (or its identity).
fn same_place(a: &Loc, b: &Loc) -> bool {
    match (a, b) {
        (Loc::Bytes(a), Loc::Bytes(b)) => a == b,
        (Loc::Span(a), Loc::Span(b)) => format!("{a:?}") == format!("{b:?}"),
        _ => false,
    }
}

/// Errors fail the build; warnings are reported and the stack is still built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
        })
    }
}

/// A secondary location with a short explanation ("`allow_credentials` is set here").
#[derive(Clone, Debug)]
pub struct Note {
    pub loc: Loc,
    pub message: String,
}

/// One finding about a stack description.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub level: Level,
    pub message: String,
    pub loc: Loc,
    pub notes: Vec<Note>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, loc: &Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            level: Level::Error,
            message: message.into(),
            loc: loc.clone(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, loc: &Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(code, loc, message)
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, loc: &Loc, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            loc: loc.clone(),
            message: message.into(),
        });
        self
    }

    /// The text a `compile_error!` shows: code, message and fix on one error.
    pub fn rustc_message(&self) -> String {
        let mut text = format!("{}: {}", self.code, self.message);
        if let Some(help) = &self.help {
            text.push_str("\nhelp: ");
            text.push_str(help);
        }
        text
    }
}

/// Every finding of one compilation, in the order they were found, so that
/// users see all their mistakes at once rather than one per build.
#[derive(Debug, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Keeps only the diagnostics for which `keep` says true.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.list.retain(keep);
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.list.push(diagnostic);
    }

    /// Adds the findings not already here: a scoped stack checks the whole
    /// app's layers once per branch, and each mistake is reported once.
    pub fn extend_unique(&mut self, other: Diagnostics) {
        for diagnostic in other.list {
            let seen = self.list.iter().any(|known| {
                known.code == diagnostic.code
                    && known.message == diagnostic.message
                    && known.help == diagnostic.help
                    && same_place(&known.loc, &diagnostic.loc)
            });
            if !seen {
                self.list.push(diagnostic);
            }
        }
    }

    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.level == Level::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.list.extend(other.list);
    }
}

/// The closest known name to `unknown`, for "did you mean" hints.
pub fn suggest<'a>(unknown: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Names are short; a long one is not a typo of a known name, and
    // comparing it would cost its length times every candidate's.
    if unknown.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    known
        .into_iter()
        .filter(|candidate| candidate.len() <= MAX_SUGGESTED_LEN)
        .filter_map(|candidate| {
            // A third of the longer name may differ, at least one edit:
            // `cros` → `cors`, `allow_orgins` → `allow_origins`, but not
            // `body_limit` → `rate_limit`.
            let allowed = (candidate.len().max(unknown.len()) / 3).max(1);
            if candidate.len().abs_diff(unknown.len()) > allowed {
                return None;
            }
            let distance = edit_distance(unknown, candidate);
            (distance <= allowed).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Longest name a "did you mean" compares.
const MAX_SUGGESTED_LEN: usize = 64;

/// Edits between two names (optimal string alignment: insertions,
/// deletions, substitutions and swaps of neighbours each count one, so a
/// transposed pair like `cros` is one edit from `cors`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_known_name() {
        let known = ["allow_origins", "allow_methods", "allow_headers", "max_age"];
        assert_eq!(suggest("allow_orgins", known), Some("allow_origins"));
        assert_eq!(suggest("max_ag", known), Some("max_age"));
        assert_eq!(suggest("completely_different", known), None);
        assert_eq!(suggest("cros", ["cors", "jwt"]), Some("cors"));
        // Too far to be a typo (issue 12: `[body_limit]` got "did you mean rate_limit").
        assert_eq!(suggest("body_limit", ["rate_limit", "block"]), None);
    }

    #[test]
    fn long_names_are_not_compared() {
        // Before the cap this was quadratic: two 50,000-character names took 2.6 s.
        let long = "x".repeat(200_000);
        assert_eq!(suggest(&long, [long.as_str(), "cors"]), None);
    }
}
