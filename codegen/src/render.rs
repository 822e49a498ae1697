//! Rendering diagnostics about a file: `file:line:col`, the source line and a
//! caret under the key or value, the rule code, the message and the fix —
//! what `strata check`, `strata gen` and build.rs print. The macro renders the
//! same [`Diagnostic`]s as `compile_error!`s instead (see `emit`).

use crate::diag::{Diagnostic, Diagnostics, Loc};
use std::fmt::Write as _;

/// A description file: its name as the user should see it, and its text.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// A 1-based line and column (in characters), and the line's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position<'a> {
    pub line: usize,
    pub column: usize,
    pub line_text: &'a str,
    /// Columns the caret covers (at least one).
    pub width: usize,
}

impl<'a> Source<'a> {
    /// Where a byte range starts; a range past the end points at the end.
    pub fn position(&self, loc: &Loc) -> Position<'a> {
        let range = match loc {
            Loc::Bytes(range) => range.clone(),
            Loc::Span(_) => 0..0,
        };
        let start = floor_char_boundary(self.text, range.start.min(self.text.len()));
        let end = floor_char_boundary(self.text, range.end.clamp(start, self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let width = self.text[start..end.min(line_end)].chars().count().max(1);
        Position {
            line,
            column,
            line_text: self.text[line_start..line_end].trim_end_matches('\r'),
            width,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A span of a Rust file parsed outside the compiler (`strata explain
/// src/main.rs` parses it with `syn`) as a byte range of that file, so the
/// file's diagnostics render like a stack.toml's.
pub fn span_to_bytes(loc: &Loc) -> Loc {
    match loc {
        Loc::Span(span) => Loc::Bytes(span.byte_range()),
        bytes => bytes.clone(),
    }
}

/// Every location of `diagnostics` through [`span_to_bytes`].
pub fn spans_to_bytes(diagnostics: Diagnostics) -> Diagnostics {
    let mut converted = Diagnostics::default();
    for mut diagnostic in diagnostics.into_vec() {
        diagnostic.loc = span_to_bytes(&diagnostic.loc);
        for note in &mut diagnostic.notes {
            note.loc = span_to_bytes(&note.loc);
        }
        converted.push(diagnostic);
    }
    converted
}

/// Diagnostics in file order, as a reader goes through the file.
pub fn in_file_order(diagnostics: &Diagnostics) -> Vec<&Diagnostic> {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    ordered.sort_by_key(|diagnostic| match &diagnostic.loc {
        Loc::Bytes(range) => range.start,
        Loc::Span(_) => 0,
    });
    ordered
}

/// Every diagnostic, cargo-style, followed by a one-line summary.
pub fn human(source: Source<'_>, diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    for diagnostic in in_file_order(diagnostics) {
        out.push_str(&human_one(source, diagnostic));
        out.push('\n');
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.level == crate::diag::Level::Error)
        .count();
    let warnings = diagnostics.iter().count() - errors;
    let _ = writeln!(out, "{}: {errors} error(s), {warnings} warning(s)", source.name);
    out
}

fn human_one(source: Source<'_>, diagnostic: &Diagnostic) -> String {
    let mut out = format!("{}[{}]: ", diagnostic.level, diagnostic.code);
    out.push_str(&located(source, diagnostic));
    out
}

/// `FILE:LINE:COL: message`, then `note: FILE:LINE:COL: note` lines: a file
/// diagnostic inside one rustc error (the macro's `file = ...`), which
/// rustc indents under its own `error:` line and follows with the
/// attribute's snippet. A snippet of the file inside it would be indented
/// twice and show two `-->` arrows.
pub fn inline(source: Source<'_>, diagnostic: &Diagnostic) -> String {
    let at = |loc: &Loc| {
        let position = source.position(loc);
        format!("{}:{}:{}", source.name, position.line, position.column)
    };
    let mut out = format!("{}: {}", at(&diagnostic.loc), diagnostic.message);
    for note in &diagnostic.notes {
        let _ = write!(out, "\nnote: {}: {}", at(&note.loc), note.message);
    }
    out
}

/// One diagnostic without its level prefix: the message, the snippet, the
/// notes and the fix.
fn located(source: Source<'_>, diagnostic: &Diagnostic) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", diagnostic.message);
    snippet(&mut out, source, &diagnostic.loc, None);
    for note in &diagnostic.notes {
        snippet(&mut out, source, &note.loc, Some(&note.message));
    }
    if let Some(help) = &diagnostic.help {
        let gutter = " ".repeat(source.position(&diagnostic.loc).line.to_string().len());
        let _ = writeln!(out, "{gutter} = help: {help}");
    }
    out
}

fn snippet(out: &mut String, source: Source<'_>, loc: &Loc, label: Option<&str>) {
    let position = source.position(loc);
    let gutter = " ".repeat(position.line.to_string().len());
    let _ = writeln!(out, "{gutter}--> {}:{}:{}", source.name, position.line, position.column);
    let _ = writeln!(out, "{gutter} |");
    let _ = writeln!(out, "{} | {}", position.line, position.line_text);
    let padding: String = position
        .line_text
        .chars()
        .take(position.column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat(position.width);
    match label {
        Some(label) => {
            let _ = writeln!(out, "{gutter} | {padding}{carets} {label}");
        }
        None => {
            let _ = writeln!(out, "{gutter} | {padding}{carets}");
        }
    }
}

#[cfg(feature = "generate")]
/// One JSON record per diagnostic: file, line, column, code, level, message,
/// help and notes (each with its own line and column).
pub fn json(source: Source<'_>, diagnostics: &Diagnostics) -> serde_json::Value {
    let records: Vec<serde_json::Value> = in_file_order(diagnostics)
        .into_iter()
        .map(|diagnostic| {
            let position = source.position(&diagnostic.loc);
            let notes: Vec<serde_json::Value> = diagnostic
                .notes
                .iter()
                .map(|note| {
                    let at = source.position(&note.loc);
                    serde_json::json!({ "line": at.line, "column": at.column, "message": note.message })
                })
                .collect();
            serde_json::json!({
                "file": source.name,
                "line": position.line,
                "column": position.column,
                "code": diagnostic.code,
                "level": diagnostic.level.to_string(),
                "message": diagnostic.message,
                "help": diagnostic.help,
                "notes": notes,
            })
        })
        .collect();
    serde_json::Value::Array(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = Source {
            name: "stack.toml",
            text: "[cors]\n# é\nallow_origins = [\"*\"]\n",
        };
        let start = source.text.find("\"*\"").unwrap();
        let position = source.position(&Loc::Bytes(start..start + 3));
        assert_eq!(position.line, 3);
        assert_eq!(position.column, 18);
        assert_eq!(position.width, 3);
        assert_eq!(position.line_text, "allow_origins = [\"*\"]");
    }

    #[test]
    fn out_of_range_locations_do_not_panic() {
        let source = Source { name: "x", text: "é" };
        #[allow(clippy::reversed_empty_ranges)]
        for range in [0..0, 1..1, 5..9, 2..1] {
            let _ = source.position(&Loc::Bytes(range));
        }
    }
}
