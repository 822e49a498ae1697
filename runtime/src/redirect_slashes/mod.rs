//! `redirect_slashes`: one URL per resource, whatever the trailing slash.
//!
//! What a client sees for a path with trailing slashes (`/users/`):
//!
//! - mode `redirect` (default): `307 Temporary Redirect`, empty body,
//!   `Location: /users` with the query kept (`/users/?page=2` →
//!   `/users?page=2`); 307 keeps the method and body, so a `POST` is re-sent
//!   as a `POST`. The inner service is not called.
//! - mode `trim`: no redirect; the inner service sees `/users` (query kept).
//!
//! `/` stays `/`. A path that would become scheme-relative once trimmed
//! (`//evil.example/` → `//evil.example`, or `/\evil.example/`) is never
//! redirected: a browser would read the `Location` as another host. It
//! passes to the inner service unchanged, which usually answers 404.

mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use layer::RedirectSlashesLayer;
pub use service::RedirectSlashes;

/// The response future: the inner service's, or the redirect made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// What to do with a trailing slash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlashMode {
    /// Answer `307` to the path without it.
    Redirect,
    /// Rewrite the request path silently.
    Trim,
}

/// The path without its trailing slashes, or `None` when it has none, is
/// `/`, or would start with `//` or `/\` once trimmed.
fn trimmed(path: &str) -> Option<&str> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len() || trimmed.is_empty() {
        return None;
    }
    let second = trimmed.as_bytes().get(1);
    if matches!(second, Some(b'/' | b'\\')) {
        return None;
    }
    Some(trimmed)
}
