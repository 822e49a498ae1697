//! What strata learns from the user's axum `Router`: whether a path matches
//! a route, without running any of the app's code.
//!
//! A middleware that depends on routing (`redirect_slashes` today; `metrics`,
//! which labels requests with the matched route template, tomorrow) cannot
//! see axum's routes: `Router` keeps them private, and only the router knows
//! which path matches. So strata asks the router itself, with a *probe*: a
//! request carrying a private [`Probe`] extension, sent to a clone of the
//! router prepared by [`RouteProbe::new`]:
//!
//! - every route (a handler, a `route_service`, a `nest_service`, a nested
//!   router's routes, and a method router's own `405` answer, so a path that
//!   exists for another method counts as matched, as Starlette's `PARTIAL`
//!   match does) is wrapped, outermost, in [`MarkRoute`] with
//!   `Router::route_layer`: it answers a probe at once, "matched", without
//!   calling what it wraps;
//! - every fallback (the router's, and a nested router's own) is wrapped in
//!   [`ProbeGuard`] with `Router::layer`: it answers a probe "unmatched",
//!   so no user fallback ever runs for a probe.
//!
//! The probe clone costs one `Router::clone` when the stack is built; a probe
//! costs what axum's own routing costs (a `matchit` lookup and axum's per-call
//! boxing), plus one small extension, and is sent only when a middleware asks.
//!
//! The hook that gives a middleware the router is emitted by strata only when
//! the annotated function returns an axum `Router` ([`Routes`]); anything
//! else is a compile error naming the middleware that needs it.
//!
//! For `metrics`, [`MarkRoute`] is the place to record the matched template:
//! it runs, for every request that matched a route, before the route's own
//! layers, with axum's `MatchedPath` already in the request's extensions.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use http::{Method, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::short_circuit::ShortCircuit;

/// The types whose routes strata can see: an axum `Router`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an axum `Router`, and strata's `redirect_slashes` must see the routes",
    label = "`redirect_slashes` asks the router whether a path matches a route",
    note = "make the annotated function return `axum::Router` (or `Result<axum::Router, E>`), or remove `redirect_slashes`"
)]
pub trait Routes {
    /// The router itself.
    fn into_router(self) -> Router;
}

impl Routes for Router {
    fn into_router(self) -> Router {
        self
    }
}

/// The request extension that makes a request a probe. Private: no client
/// and no other code can make one.
#[derive(Clone, Copy, Debug)]
struct Probe;

/// The response extension of a probe that reached a route.
#[derive(Clone, Copy, Debug)]
struct Matched;

fn is_probe<B>(request: &http::Request<B>) -> bool {
    request.extensions().get::<Probe>().is_some()
}

fn probe_answer(matched: bool) -> Response {
    let mut response = Response::new(Body::empty());
    if matched {
        response.extensions_mut().insert(Matched);
    } else {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// `Router::route_layer` for [`MarkRoute`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkRouteLayer;

impl<S> Layer<S> for MarkRouteLayer {
    type Service = MarkRoute<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MarkRoute { inner }
    }
}

/// Wraps each route: answers a probe "matched" without calling the route;
/// any other request goes to the route unchanged.
#[derive(Clone, Copy, Debug)]
pub struct MarkRoute<S> {
    inner: S,
}

impl<S> Service<Request> for MarkRoute<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ShortCircuit<S::Future, Body>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if is_probe(&request) {
            return ShortCircuit::answer(probe_answer(true));
        }
        ShortCircuit::inner(self.inner.call(request))
    }
}

/// `Router::layer` for [`ProbeGuard`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ProbeGuardLayer;

impl<S> Layer<S> for ProbeGuardLayer {
    type Service = ProbeGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ProbeGuard { inner }
    }
}

/// Wraps each fallback (and, under [`MarkRoute`], each route): answers a
/// probe "unmatched" without calling what it wraps.
#[derive(Clone, Copy, Debug)]
pub struct ProbeGuard<S> {
    inner: S,
}

impl<S> Service<Request> for ProbeGuard<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ShortCircuit<S::Future, Body>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if is_probe(&request) {
            return ShortCircuit::answer(probe_answer(false));
        }
        ShortCircuit::inner(self.inner.call(request))
    }
}

/// A clone of the app's router that answers probes; see the
/// [module docs](self).
#[derive(Clone, Debug)]
pub struct RouteProbe {
    router: Router,
}

impl RouteProbe {
    /// Prepares `router` for probes; `None` when it has no routes, so that
    /// nothing can match (and `Router::route_layer` would panic).
    pub fn new(router: Router) -> Option<Self> {
        if !router.has_routes() {
            return None;
        }
        // `layer` first, then `route_layer`: on a route, `MarkRoute` is
        // outside the guard and answers first; fallbacks get only the guard.
        let router = router.layer(ProbeGuardLayer).route_layer(MarkRouteLayer);
        Some(Self { router })
    }

    /// Whether a `method` request for `path` would reach a route (its
    /// handler, or its `405 Method Not Allowed`). Runs no handler, no
    /// fallback and none of the app's layers.
    pub fn matches(&mut self, method: &Method, path: &str) -> ProbeFuture {
        let Ok(uri) = Uri::try_from(path) else {
            return ProbeFuture { routing: None };
        };
        let mut request = Request::new(Body::empty());
        *request.method_mut() = method.clone();
        *request.uri_mut() = uri;
        request.extensions_mut().insert(Probe);
        // `Router` is always ready: `poll_ready` is a no-op there.
        let routing = Service::<Request>::call(&mut self.router, request);
        ProbeFuture { routing: Some(routing) }
    }
}

pin_project! {
    /// Resolves to whether the probed path matched a route.
    pub struct ProbeFuture {
        #[pin]
        routing: Option<axum::routing::future::RouteFuture<Infallible>>,
    }
}

impl std::fmt::Debug for ProbeFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeFuture").finish_non_exhaustive()
    }
}

impl Future for ProbeFuture {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let Some(routing) = self.project().routing.as_pin_mut() else {
            return Poll::Ready(false);
        };
        let response = match ready!(routing.poll(cx)) {
            Ok(response) => response,
            Err(never) => match never {},
        };
        Poll::Ready(response.extensions().get::<Matched>().is_some())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::routing::{any_service, get, post};
    use http::Method;

    use super::RouteProbe;

    /// Counts every call of the app's code: handlers, fallbacks, layers.
    fn counted(calls: &Arc<AtomicUsize>) -> Router {
        let count = |calls: &Arc<AtomicUsize>| {
            let calls = calls.clone();
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { "app" }
            }
        };
        let nested = Router::new()
            .route("/items/{id}", get(count(calls)))
            .fallback(count(calls));
        let counting_layer = {
            let calls = calls.clone();
            axum::middleware::from_fn(move |request: axum::extract::Request, next: axum::middleware::Next| {
                calls.fetch_add(1, Ordering::SeqCst);
                next.run(request)
            })
        };
        Router::new()
            .route("/users", get(count(calls)))
            .route("/dir/", post(count(calls)))
            .route_service(
                "/service",
                any_service(tower::service_fn(|_request: axum::extract::Request| async {
                    Ok::<axum::response::Response, std::convert::Infallible>(axum::response::Response::default())
                })),
            )
            .nest("/api", nested)
            .fallback(count(calls))
            .layer(counting_layer)
    }

    #[tokio::test]
    async fn probes_match_routes_like_the_router_and_run_no_app_code() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut probe = RouteProbe::new(counted(&calls)).expect("has routes");
        for (method, path, expected) in [
            (Method::GET, "/users", true),
            (Method::HEAD, "/users", true),
            // Another method: the route's 405, a match (Starlette's PARTIAL).
            (Method::DELETE, "/users", true),
            (Method::GET, "/dir/", true),
            (Method::GET, "/service", true),
            (Method::GET, "/api/items/7", true),
            (Method::GET, "/users/", false),
            (Method::GET, "/dir", false),
            (Method::GET, "/nope", false),
            // The nested router's own fallback: not a route.
            (Method::GET, "/api/other", false),
            (Method::GET, "not a path", false),
        ] {
            assert_eq!(probe.matches(&method, path).await, expected, "{method} {path}");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0, "no handler, fallback or layer ran");
    }

    #[tokio::test]
    async fn a_router_without_routes_cannot_be_probed() {
        assert!(RouteProbe::new(Router::new()).is_none());
        assert!(RouteProbe::new(Router::new().fallback(|| async { "fallback" })).is_none());
    }
}
