//! What strata learns from the user's axum `Router`: whether a path matches
//! a route, without running any of the app's code.
//!
//! Two middlewares depend on routing: `redirect_slashes` asks whether a path
//! matches a route, and `access_log` and `metrics` label each request with
//! the route template it matched (`/users/{id}`, never `/users/42`). Neither
//! can see axum's routes: `Router` keeps them private, and only the router
//! knows which path matches.
//!
//! # Probes (`redirect_slashes`)
//!
//! strata asks the router itself, with a *probe*: a request carrying a
//! private `Probe` extension, sent to a clone of the router prepared by
//! [`RouteProbe::new`]:
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
//! The hook that gives `redirect_slashes` the router is emitted by strata
//! only when the annotated function returns an axum `Router` ([`Routes`]);
//! anything else is a compile error naming the middleware.
//!
//! # The matched route template (`access_log`, `metrics`)
//!
//! The layers that label by route sit outside the router, where no route
//! has matched yet; axum publishes the template (`MatchedPath`) only inside
//! it. So the outer layer puts a [`MatchedRoute`] slot into the request's
//! extensions, and strata wraps every route of the app's `Router` in
//! [`RecordRoute`] (with `Router::route_layer`, once, when the stack is
//! built): for every request that matched a route, it copies axum's
//! `MatchedPath` into the slot before the route's own layers run, and
//! records it on the request span. When the response comes back out, the
//! outer layer reads the slot; a request that matched no route (a `404`
//! fallback, or one answered by a layer before routing) leaves it empty:
//! `"unmatched"`. No `dyn`, no probe: one `Arc` per request, and the
//! template is axum's own reference-counted string.
//!
//! The hook is chosen by method resolution on the app's concrete type
//! ([`RouteHook`]): an axum `Router` gets the marks; any other service
//! passes through unchanged, and its requests are `"unmatched"`.
//!
//! A `nest_service` (say a `ServeDir` at `/assets`) publishes no
//! `MatchedPath` below its prefix: requests under it count as
//! `"unmatched"` too, as they would in any `MatchedPath`-based metrics.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use http::{Method, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::short_circuit::ShortCircuit;

/// What `access_log` and `metrics` say of a request that matched no route
/// template.
#[allow(dead_code)] // without `access_log` and `metrics`
pub(crate) const UNMATCHED: &str = "unmatched";

/// Where the route template of a request goes, once the router has matched
/// it; see the [module docs](self). A request extension, shared by the
/// layers that read it (cheap to clone).
#[derive(Clone, Debug, Default)]
pub struct MatchedRoute(Arc<RouteCell>);

#[derive(Debug, Default)]
struct RouteCell {
    template: OnceLock<MatchedPath>,
    /// The request span to record the template on, when `access_log` opened one.
    span: OnceLock<tracing::Span>,
}

impl MatchedRoute {
    /// The slot of `request`: the one an outer layer put there, or a new one.
    pub fn of<B>(request: &mut http::Request<B>) -> Self {
        if let Some(slot) = request.extensions().get::<MatchedRoute>() {
            return slot.clone();
        }
        let slot = MatchedRoute::default();
        request.extensions_mut().insert(slot.clone());
        slot
    }

    /// The template of the route the request matched (`/users/{id}`), once
    /// the router matched one.
    pub fn template(&self) -> Option<&str> {
        self.0.template.get().map(MatchedPath::as_str)
    }

    /// Records the template on `span` (its `route` field) when the router matches.
    pub fn record_on(&self, span: &tracing::Span) {
        if !span.is_disabled() {
            let _ = self.0.span.set(span.clone());
        }
    }

    fn matched(&self, path: &MatchedPath) {
        // The first match wins: a route reached again (a `redirect_slashes`
        // retry goes through the router once more) keeps its template.
        if self.0.template.set(path.clone()).is_ok()
            && let Some(span) = self.0.span.get()
        {
            span.record("route", path.as_str());
        }
    }
}

/// Wraps the app's inner service for [`RecordRoutes::record_routes`]: an axum
/// `Router` gets its routes marked with [`RecordRoute`], anything else is
/// returned as it is. Generated code calls `(&RouteHook::new(app)).record_routes()`
/// with both traits in scope; method resolution picks [`RecordRoutes`] for a
/// `Router` (no autoref needed) and [`NoRoutesToRecord`] otherwise.
pub struct RouteHook<T>(std::cell::Cell<Option<T>>);

impl<T> std::fmt::Debug for RouteHook<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteHook").finish_non_exhaustive()
    }
}

impl<T> RouteHook<T> {
    pub fn new(service: T) -> Self {
        Self(std::cell::Cell::new(Some(service)))
    }

    fn take(&self) -> T {
        match self.0.take() {
            Some(service) => service,
            // Generated code calls `record_routes` once, on a new hook.
            None => unreachable!("a RouteHook is used once"),
        }
    }
}

/// See [`RouteHook`]: an axum `Router`'s routes are marked.
pub trait RecordRoutes {
    fn record_routes(&self) -> Router;
}

impl RecordRoutes for RouteHook<Router> {
    fn record_routes(&self) -> Router {
        let router = self.take();
        // `route_layer` panics on a router without routes; nothing to mark there.
        if router.has_routes() {
            router.route_layer(RecordRouteLayer)
        } else {
            router
        }
    }
}

/// See [`RouteHook`]: any other service is returned unchanged.
pub trait NoRoutesToRecord<T> {
    fn record_routes(&self) -> T;
}

impl<T> NoRoutesToRecord<T> for &RouteHook<T> {
    fn record_routes(&self) -> T {
        self.take()
    }
}

/// `Router::route_layer` for [`RecordRoute`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordRouteLayer;

impl<S> Layer<S> for RecordRouteLayer {
    type Service = RecordRoute<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordRoute { inner }
    }
}

/// Wraps each route: copies axum's `MatchedPath` into the request's
/// [`MatchedRoute`] slot, when an outer layer put one there, and calls the
/// route. Adds no future of its own.
#[derive(Clone, Copy, Debug)]
pub struct RecordRoute<S> {
    inner: S,
}

impl<S> Service<Request> for RecordRoute<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = S::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let extensions = request.extensions();
        if let Some(slot) = extensions.get::<MatchedRoute>()
            && let Some(path) = extensions.get::<MatchedPath>()
        {
            slot.matched(path);
        }
        self.inner.call(request)
    }
}

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

/// Answers a probe at once — "matched" when `MATCHED`, else "unmatched" —
/// without calling what it wraps; any other request goes through unchanged.
/// [`MarkRoute`] and [`ProbeGuard`] are its two uses.
#[derive(Clone, Copy, Debug)]
pub struct AnswerProbes<S, const MATCHED: bool> {
    inner: S,
}

/// Wraps each route (with `Router::route_layer`): a probe is "matched".
pub type MarkRoute<S> = AnswerProbes<S, true>;

/// Wraps each fallback (and, under [`MarkRoute`], each route, with
/// `Router::layer`): a probe is "unmatched".
pub type ProbeGuard<S> = AnswerProbes<S, false>;

/// The layer of [`AnswerProbes`].
#[derive(Clone, Copy, Debug, Default)]
pub struct AnswerProbesLayer<const MATCHED: bool>;

/// `Router::route_layer` for [`MarkRoute`].
pub type MarkRouteLayer = AnswerProbesLayer<true>;

/// `Router::layer` for [`ProbeGuard`].
pub type ProbeGuardLayer = AnswerProbesLayer<false>;

impl<S, const MATCHED: bool> Layer<S> for AnswerProbesLayer<MATCHED> {
    type Service = AnswerProbes<S, MATCHED>;

    fn layer(&self, inner: S) -> Self::Service {
        AnswerProbes { inner }
    }
}

impl<S, const MATCHED: bool> Service<Request> for AnswerProbes<S, MATCHED>
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
            return ShortCircuit::answer(probe_answer(MATCHED));
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
        let router = router
            .layer(ProbeGuardLayer::default())
            .route_layer(MarkRouteLayer::default());
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
