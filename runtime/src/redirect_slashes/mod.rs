//! `redirect_slashes`: `/users/` and `/users` name one resource, as in
//! Starlette's `Router(redirect_slashes=True)`.
//!
//! What a client sees:
//!
//! - A path that matches a route as written is served as written: a route
//!   declared as `/dir/` answers `/dir/`, a route `/users` answers `/users`.
//!   A path that matches a route for another method counts as matched (the
//!   client gets the route's `405`).
//! - A path that matches no route, whose other form does (the trailing
//!   slashes removed, `/users/` or `/users//` → `/users`; or one added,
//!   `/dir` → `/dir/`):
//!   - mode `redirect` (default): `307 Temporary Redirect`, empty body,
//!     `Location` the other form with the query kept (`/users/?page=2` →
//!     `/users?page=2`); 307 keeps the method and body, so a `POST` is
//!     re-sent as a `POST`. No handler runs.
//!   - mode `trim`: no redirect; the route of the other form answers, and its
//!     handler sees that path (query kept). axum's `OriginalUri` keeps what
//!     the client sent.
//! - Otherwise the app's own fallback answers (axum's default: `404`).
//!
//! `/` is never changed. A form that would start with `//` or `/\`
//! (`//evil.example/` → `//evil.example`) is never tried: a browser would
//! read that `Location` as another host.
//!
//! Where it acts: in the router, as Starlette's does. [`RedirectSlashes`]
//! installs [`SlashFallback`] as the router's fallback, so it runs only for
//! a request that matched no route, after every layer of the stack has seen
//! the request as written, and costs nothing on a request that matched. It
//! then asks a probe clone of the router ([`RouteProbe`]) whether the other
//! form matches; neither the probe nor the redirect runs any of the app's
//! handlers, layers or fallbacks. A nested router with its own fallback
//! keeps answering for its prefix: its fallback is the app's answer there.
//! The app's own `Router::layer` layers wrap its routes and its fallback,
//! so they see what the router forwards, not the redirect; strata's layers
//! see everything.

mod service;

#[cfg(test)]
mod tests;

use axum::Router;

use crate::route::{RouteProbe, Routes};
pub use service::{ResponseFuture, SlashFallback};

/// What to do when only the other form of a path matches a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlashMode {
    /// Answer `307` to the other form.
    Redirect,
    /// Serve the other form's route silently.
    Trim,
}

/// `redirect_slashes` for an axum `Router`; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedirectSlashes {
    mode: SlashMode,
}

impl RedirectSlashes {
    /// Redirects or serves the other form, per `mode`.
    pub const fn new(mode: SlashMode) -> Self {
        Self { mode }
    }

    /// The router with [`SlashFallback`] as its fallback, forwarding to the
    /// router's own fallback what it does not redirect. A router without
    /// routes is returned unchanged: no other form can match.
    pub fn attach<R: Routes>(self, router: R) -> Router {
        let router = router.into_router();
        let Some(probe) = RouteProbe::new(router.clone()) else {
            return router;
        };
        let fallback = SlashFallback::new(probe, router.clone(), self.mode);
        router.fallback_service(fallback)
    }
}

/// The other form of `path`: without its trailing slashes, or with one
/// added; `None` for `/`, and for a form that would start with `//` or `/\`.
fn other_form(path: &str) -> Option<String> {
    let other = match path.trim_end_matches('/') {
        "" => return None,
        trimmed if trimmed.len() < path.len() => trimmed.to_owned(),
        _ => format!("{path}/"),
    };
    if matches!(other.as_bytes().get(1), Some(b'/' | b'\\')) {
        return None;
    }
    Some(other)
}
