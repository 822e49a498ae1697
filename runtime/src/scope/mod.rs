//! Scopes: one stack, a different branch per path.
//!
//! `scope("/api/*", jwt(...))` compiles to a [`Switch`] at the first layer
//! where the branches differ: the layers every branch shares run once,
//! outside it; inside, each request goes down exactly one arm, chosen by its
//! path. What a client sees is what the branch's middlewares do: a request
//! to `/api/x` meets the `jwt` of `/api/*`, one to `/` does not.
//!
//! The choice follows the path-list rules of [`crate::paths`]: an exact
//! pattern ignores one trailing slash, `/api/*` matches `/api` and all below
//! `/api/`, never `/apix`, and matching is case-sensitive. The most specific
//! pattern wins: the longest, and at the same length the exact path before
//! the subtree. A path no pattern matches takes the whole app's branch.
//!
//! The switch is a concrete type: the arms are a type-level list
//! ([`Arm`], ending in [`LastArm`]) and the future is an enum of theirs, so
//! nothing is boxed. Like an axum `Router` calling a route, the switch is
//! always ready and each call readies a clone of its arm, so an arm that is
//! not ready (a `custom` limiter in one scope) never holds up the others.

mod future;
mod service;
#[cfg(test)]
mod tests;

pub use future::{ArmFuture, ReadyCall};
pub use service::{Arm, Arms, LastArm, Switch};

/// One scope pattern, compiled: an exact path (without its trailing slash)
/// or a subtree's prefix (without `/*`; `""` for `/*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub path: &'static str,
    pub subtree: bool,
    /// The branch the pattern selects (`1` for the first scope written).
    pub branch: u8,
}

impl Pattern {
    fn matches(&self, path: &str, trimmed: &str) -> bool {
        if self.subtree {
            self.path.is_empty()
                || trimmed == self.path
                || path.strip_prefix(self.path).is_some_and(|rest| rest.starts_with('/'))
        } else {
            trimmed == self.path
        }
    }
}

/// Every scope of a stack, most specific first: the first that matches wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scopes {
    pub patterns: &'static [Pattern],
}

impl Scopes {
    /// The branch `path` takes: its scope's number, or `0` for none.
    #[inline]
    pub fn branch(&self, path: &str) -> usize {
        let trimmed = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        self.patterns
            .iter()
            .find(|pattern| pattern.matches(path, trimmed))
            .map_or(0, |pattern| usize::from(pattern.branch))
    }
}
