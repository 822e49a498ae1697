//! `allow_origin_regex` as a true full match (Python's `re.fullmatch`, which
//! Starlette uses).
//!
//! The pattern is parsed alone, so `a)|(.*` is a syntax error rather than a
//! way out of a `^(?:…)$` string wrapper, and the parsed tree is wrapped in
//! `\A` and `\z` before it is compiled. The anchors are part of the
//! automaton, so every alternative is tried against the whole origin:
//! `https://a\.test|https://a\.test:8443` admits `https://a.test:8443`, which
//! a leftmost-first search followed by an "ends at the end" check would miss.
//!
//! strata's compile-time check (rules S0104 and S0107 in `strata-codegen`)
//! builds the pattern the same way, with the same crates, configuration and
//! size limits, so a pattern that passes the check compiles here.

use std::fmt;
use std::sync::Arc;

use regex_automata::meta;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Hir, Look};

/// `regex::Regex::new`'s limit on the compiled program (10 MiB).
pub const NFA_SIZE_LIMIT: usize = 10 * (1 << 20);
/// `regex::Regex::new`'s lazy DFA cache capacity (2 MiB).
pub const HYBRID_CACHE_CAPACITY: usize = 2 * (1 << 20);

/// A compiled `allow_origin_regex`.
///
/// Cheap to clone: `axum::serve` clones the service per connection, and the
/// clones share one regex (and its pool of match caches) behind an `Arc`.
#[derive(Clone, Debug)]
pub struct OriginRegex {
    regex: Arc<meta::Regex>,
}

/// Why a pattern does not compile: its syntax, or a size limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginRegexError {
    message: String,
}

impl fmt::Display for OriginRegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OriginRegexError {}

impl OriginRegex {
    /// Parses `pattern` on its own and compiles it as a full match.
    pub fn new(pattern: &str) -> Result<Self, OriginRegexError> {
        let parsed = syntax::parse_with(pattern, &syntax::Config::new()).map_err(|error| OriginRegexError {
            message: error.to_string(),
        })?;
        let whole = Hir::concat(vec![Hir::look(Look::Start), parsed, Hir::look(Look::End)]);
        let config = meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .nfa_size_limit(Some(NFA_SIZE_LIMIT))
            .hybrid_cache_capacity(HYBRID_CACHE_CAPACITY);
        let regex = meta::Builder::new()
            .configure(config)
            .build_from_hir(&whole)
            .map_err(|error| OriginRegexError {
                message: error.to_string(),
            })?;
        Ok(Self { regex: Arc::new(regex) })
    }

    /// Whether the pattern matches all of `origin`.
    pub fn is_match(&self, origin: &str) -> bool {
        self.regex.is_match(Input::new(origin).anchored(Anchored::Yes))
    }
}
