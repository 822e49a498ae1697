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
//! A path that reads differently once percent-decoded and normalised
//! (`/%61dmin/x`, `//admin/x`, `/public/../admin/x`) is refused with `400`
//! `{"detail":"Ambiguous path"}` when the two readings take different
//! branches. The router matches the path as written, but a handler that
//! decodes it (tower-http's `ServeDir`, a proxy in front that normalises)
//! would serve `/admin/x` from a request the switch sent down the branch
//! without the admin scope's middlewares: the path-confusion bypass of
//! Spring Security's history, which its `StrictHttpFirewall` closes by
//! refusing such paths. A path whose readings agree passes untouched.
//!
//! The switch is a concrete type: the arms are a tuple (two to eight; a
//! type-level list, [`Arm`] ending in [`LastArm`], for more) and the future
//! is an enum of theirs ([`OneOf3`] and the like), with no `dyn`; only the
//! rare states (an arm not ready at once, the `400`) are boxed. The arms sit
//! behind one `Arc`, so the per-request
//! clone of the whole service (hyper clones it for every request) costs a
//! reference count for all of them. Like an axum `Router` calling a route,
//! the switch is always ready and readies a clone of the chosen arm only,
//! in the response future, so an arm that is not ready (a `custom` limiter
//! in one scope) never holds up the others, and reserves nothing for
//! requests that go elsewhere.

mod future;
mod service;
#[cfg(test)]
mod tests;
mod tuple;

pub use future::{ArmFuture, ReadyCall};
pub use service::{Arm, Arms, LastArm, Switch};
pub use tuple::{
    OneOf2, OneOf3, OneOf4, OneOf5, OneOf6, OneOf7, OneOf8, Waiting2, Waiting3, Waiting4, Waiting5, Waiting6, Waiting7,
    Waiting8,
};

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
    /// The path-list rules of [`crate::paths`], shared with `public_paths` and the like.
    #[inline]
    fn matches(&self, path: &str, trimmed: &str) -> bool {
        if self.subtree {
            crate::paths::in_subtree(path, trimmed, self.path)
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
    /// The branch `path` takes, or `None` when the path as written and the
    /// path decoded and normalised would take different branches.
    #[inline]
    pub fn branch_of(&self, path: &str) -> Option<usize> {
        let written = self.branch(path);
        if !needs_normalising(path) {
            return Some(written);
        }
        (self.branch(&normalised(path)) == written).then_some(written)
    }

    /// The branch `path`, as written, takes: its scope's number, or `0` for none.
    #[inline]
    pub fn branch(&self, path: &str) -> usize {
        let trimmed = crate::paths::without_trailing_slash(path);
        for pattern in self.patterns {
            if pattern.matches(path, trimmed) {
                return usize::from(pattern.branch);
            }
        }
        0
    }
}

/// Whether `path` might read differently decoded and normalised: it holds a
/// `%`, an empty segment, or a `.` / `..` segment.
#[inline]
fn needs_normalising(path: &str) -> bool {
    // Most paths hold no `%`, no `.` and no `//`: one tight pass says so,
    // and only the others are looked at segment by segment.
    let mut previous = 0;
    for &byte in path.as_bytes() {
        if byte == b'%' || byte == b'.' || (byte == b'/' && previous == b'/') {
            return has_escape_or_odd_segment(path.as_bytes());
        }
        previous = byte;
    }
    false
}

/// The precise check behind [`needs_normalising`].
fn has_escape_or_odd_segment(bytes: &[u8]) -> bool {
    let mut previous = b'/';
    for (at, &byte) in bytes.iter().enumerate() {
        match byte {
            b'%' => return true,
            b'/' if previous == b'/' && at > 0 => return true,
            b'.' if previous == b'/' => {
                let rest = &bytes[at + 1..];
                if rest.is_empty() || rest[0] == b'/' || (rest[0] == b'.' && (rest.len() == 1 || rest[1] == b'/')) {
                    return true;
                }
            }
            _ => {}
        }
        previous = byte;
    }
    false
}

/// `path` percent-decoded (invalid escapes kept as written), with empty and
/// `.` segments dropped and `..` resolved, never above the root.
fn normalised(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[at] == b'%'
            && let (Some(&high), Some(&low)) = (bytes.get(at + 1), bytes.get(at + 2))
            && let (Some(high), Some(low)) = (hex(high), hex(low))
        {
            decoded.push((high * 16 + low) as u8);
            at += 3;
            continue;
        }
        decoded.push(bytes[at]);
        at += 1;
    }
    let decoded = String::from_utf8_lossy(&decoded);
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(decoded.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || decoded.ends_with('/') {
        out.push('/');
    }
    out
}
