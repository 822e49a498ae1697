//! Path lists: `public_paths`, `exempt_paths`, `exclude_paths`.
//!
//! An entry matches the request path exactly, case-sensitively, ignoring one
//! trailing slash on the request path (`/health/` matches `/health`). An entry
//! written `/docs/*` matches `/docs` and everything under `/docs/`, never
//! `/docsx`; `/*` matches every path.

/// A compiled path list. The generator stores exact entries without their
/// trailing slash and subtree entries (`/docs/*`) as their prefix (`/docs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathList {
    /// Paths matched exactly (after dropping one trailing slash from the request path).
    pub exact: &'static [&'static str],
    /// Prefixes of `/*` entries, without the `/*`; `""` stands for `/*`.
    pub subtrees: &'static [&'static str],
}

impl PathList {
    /// The list that matches nothing.
    pub const EMPTY: PathList = PathList {
        exact: &[],
        subtrees: &[],
    };

    /// Whether `path` (the URI path, without query) is in the list.
    pub fn matches(&self, path: &str) -> bool {
        let trimmed = without_trailing_slash(path);
        self.exact.contains(&trimmed) || self.subtrees.iter().any(|prefix| in_subtree(path, trimmed, prefix))
    }
}

/// Drops one trailing slash, except from `/` itself, which must stay a path.
#[inline]
pub(crate) fn without_trailing_slash(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    }
}

/// `prefix` itself (with the trailing-slash rule) or anything below `prefix/`.
/// Checking for the `/` after the prefix is what keeps `/docsx` out of `/docs/*`.
#[inline]
pub(crate) fn in_subtree(path: &str, trimmed: &str, prefix: &str) -> bool {
    prefix.is_empty() || trimmed == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::PathList;

    const LIST: PathList = PathList {
        exact: &["/health", "/", "/Login"],
        subtrees: &["/docs", "/static/v1"],
    };

    #[test]
    fn exact_entries_ignore_one_trailing_slash() {
        assert!(LIST.matches("/health"));
        assert!(LIST.matches("/health/"));
        assert!(!LIST.matches("/health//"));
        assert!(!LIST.matches("/healthz"));
        assert!(!LIST.matches("/health/x"));
    }

    #[test]
    fn root_stays_root() {
        assert!(LIST.matches("/"));
        let no_root = PathList {
            exact: &["/health"],
            subtrees: &[],
        };
        assert!(!no_root.matches("/"));
        assert!(!no_root.matches(""));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(LIST.matches("/Login"));
        assert!(!LIST.matches("/login"));
        assert!(!LIST.matches("/HEALTH"));
        assert!(!LIST.matches("/DOCS/a"));
    }

    #[test]
    fn subtrees_match_prefix_and_below_but_not_siblings() {
        assert!(LIST.matches("/docs"));
        assert!(LIST.matches("/docs/"));
        assert!(LIST.matches("/docs/a"));
        assert!(LIST.matches("/docs/a/b/"));
        assert!(!LIST.matches("/docsx"));
        assert!(!LIST.matches("/doc"));
        assert!(LIST.matches("/static/v1/app.js"));
        assert!(!LIST.matches("/static/v10/app.js"));
        assert!(!LIST.matches("/static"));
    }

    #[test]
    fn root_subtree_matches_everything() {
        let all = PathList {
            exact: &[],
            subtrees: &[""],
        };
        for path in ["/", "/a", "/a/b/", ""] {
            assert!(all.matches(path), "{path}");
        }
    }

    #[test]
    fn empty_matches_nothing() {
        for path in ["/", "/a", ""] {
            assert!(!PathList::EMPTY.matches(path), "{path}");
        }
    }
}
