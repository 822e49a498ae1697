//! `custom`: the check that a user's `custom(layer = ...)` value is a tower
//! `Layer`, with an error message that says so on the user's own tokens, and
//! what a client sees when a custom layer's service fails.
//!
//! The generated code passes the expression through [`custom_layer`]; a value
//! that is not a layer fails there, with strata's message, instead of deep
//! inside `ServiceBuilder` with a page of nested types.
//!
//! A custom layer's service may fail (tower's `TimeoutLayer` and
//! `LoadShedLayer` return errors instead of responses). strata turns the
//! error into a response (see [`error_response`]), so such a layer works as
//! written, without the `HandleErrorLayer` plain tower needs:
//!
//! | the error | the client gets |
//! | --- | --- |
//! | `tower::timeout::error::Elapsed` | 503 `{"detail":"Request timed out"}` |
//! | `tower::load_shed::error::Overloaded` | 503 `{"detail":"Server busy"}`, `Retry-After: 1` |
//! | anything else | 500 `{"detail":"Internal server error"}`, and an `error` event in the log with the error's text |

use std::convert::Infallible;
use std::future::{Ready, ready};

use axum::BoxError;
use http::{HeaderValue, StatusCode};
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

/// A stand-in for "the rest of the stack": an axum-shaped service, so that
/// layers generic over the service they wrap (almost all) are recognised.
#[derive(Clone, Copy, Debug)]
pub struct Probe;

impl Service<axum::extract::Request> for Probe {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: axum::extract::Request) -> Self::Future {
        ready(Ok(axum::response::Response::default()))
    }
}

/// Implemented by every value usable as `custom(layer = ...)`: a tower
/// `Layer` whose service's error strata can turn into a response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a strata `custom` layer: it must be a tower `Layer` whose service fails, if at all, with an error type",
    label = "`custom(layer = ...)` needs a value that implements `tower::Layer<S>`, whose service's error converts into `Box<dyn std::error::Error + Send + Sync>`",
    note = "write an expression that builds a layer, e.g. `tower::limit::ConcurrencyLimitLayer::new(64)`"
)]
pub trait CustomLayer {}

impl<L> CustomLayer for L
where
    L: Layer<Probe>,
    L::Service: Service<axum::extract::Request>,
    <L::Service as Service<axum::extract::Request>>::Error: CustomError,
{
}

/// Implemented by the errors strata can turn into a response (see
/// [`error_response`]).
#[diagnostic::on_unimplemented(
    message = "the service of this `custom` layer fails with `{Self}`, which is not an error type",
    label = "strata turns a custom layer's errors into 500/503 responses, so they must convert into `Box<dyn std::error::Error + Send + Sync>`",
    note = "map the error first, e.g. with `tower::util::MapErrLayer` into a `std::io::Error`"
)]
pub trait CustomError {}

impl<E: Into<BoxError>> CustomError for E {}

/// Returns `layer` unchanged; only there to check its type.
pub fn custom_layer<L: CustomLayer>(layer: L) -> L {
    layer
}

/// Where a `custom` layer goes in the stack: alone when its service answers
/// as an axum app does, `Response<axum::body::Body>` and never an error
/// (`SetResponseHeaderLayer`, `axum::middleware::from_fn`, most layers that
/// only look at requests or headers): there is nothing to convert, and an
/// [`IntoAxumBody`](crate::body::IntoAxumBody) around it would only add a
/// service, a future and a check per request; else under an
/// [`IntoAxumBodyLayer`](crate::body::IntoAxumBodyLayer), which turns its
/// body into axum's and its errors into responses ([`error_response`]).
///
/// The choice is made at compile time, by method resolution on the layer's
/// concrete type, as generated code calls it: `(&Placement::new(layer)).place()`
/// with [`PlaceAlone`] and [`PlaceConverted`] in scope. [`PlaceAlone`] is
/// implemented for `Placement<L>` only when `L`'s service around [`Probe`]
/// is axum-shaped, and is found first (no autoref); otherwise the lookup
/// goes on to [`PlaceConverted`], implemented for `&Placement<L>`.
///
/// A layer is judged around [`Probe`], an axum-shaped service. What it
/// really wraps is axum-shaped too: strata's own layers keep the shape of
/// what they wrap, the other custom layers are placed this way, and the app
/// is brought to that shape first ([`AppShape`]).
pub struct Placement<L>(std::cell::Cell<Option<L>>);

impl<L> std::fmt::Debug for Placement<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Placement").finish_non_exhaustive()
    }
}

impl<L> Placement<L> {
    pub fn new(layer: L) -> Self {
        Self(std::cell::Cell::new(Some(layer)))
    }

    fn take(&self) -> L {
        match self.0.take() {
            Some(layer) => layer,
            // Generated code calls `place` once, on a new placement.
            None => unreachable!("a Placement is used once"),
        }
    }
}

/// See [`Placement`]: a layer whose service is axum-shaped goes alone.
pub trait PlaceAlone {
    type Placed;
    fn place(&self) -> Self::Placed;
}

impl<L> PlaceAlone for Placement<L>
where
    L: Layer<Probe>,
    L::Service: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>,
{
    type Placed = L;

    fn place(&self) -> L {
        self.take()
    }
}

/// See [`Placement`]: any other layer goes under an `IntoAxumBodyLayer`.
pub trait PlaceConverted {
    type Placed;
    fn place(&self) -> Self::Placed;
}

impl<L> PlaceConverted for &Placement<L> {
    type Placed = tower_layer::Stack<L, crate::body::IntoAxumBodyLayer>;

    fn place(&self) -> Self::Placed {
        tower_layer::Stack::new(self.take(), crate::body::IntoAxumBodyLayer::new())
    }
}

/// The app of a stack with `custom` layers, brought to axum's shape
/// (`Response<axum::body::Body>`, never an error) so that each custom layer
/// is judged by what it really wraps ([`Placement`]): an axum `Router`
/// stays as it is; any other service goes under an
/// [`IntoAxumBody`](crate::body::IntoAxumBody). Chosen like [`Placement`]:
/// `(&AppShape::new(app)).shaped()` with [`AxumShaped`] and [`ConvertedApp`]
/// in scope.
pub struct AppShape<S>(std::cell::Cell<Option<S>>);

impl<S> std::fmt::Debug for AppShape<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppShape").finish_non_exhaustive()
    }
}

impl<S> AppShape<S> {
    pub fn new(app: S) -> Self {
        Self(std::cell::Cell::new(Some(app)))
    }

    fn take(&self) -> S {
        match self.0.take() {
            Some(app) => app,
            // Generated code calls `shaped` once, on a new value.
            None => unreachable!("an AppShape is used once"),
        }
    }
}

/// See [`AppShape`]: an axum-shaped app stays as it is.
pub trait AxumShaped {
    type App;
    fn shaped(&self) -> Self::App;
}

impl<S> AxumShaped for AppShape<S>
where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>,
{
    type App = S;

    fn shaped(&self) -> S {
        self.take()
    }
}

/// See [`AppShape`]: any other app goes under an `IntoAxumBody`.
pub trait ConvertedApp {
    type App;
    fn shaped(&self) -> Self::App;
}

impl<S> ConvertedApp for &AppShape<S> {
    type App = crate::body::IntoAxumBody<S>;

    fn shaped(&self) -> Self::App {
        crate::body::IntoAxumBodyLayer::new().layer(self.take())
    }
}

/// What a client sees when a custom layer's service fails; see the
/// [module docs](self).
pub fn error_response(error: BoxError) -> axum::response::Response {
    use crate::response::{APPLICATION_JSON, fixed};
    if error.is::<tower::timeout::error::Elapsed>() {
        return fixed(
            StatusCode::SERVICE_UNAVAILABLE,
            APPLICATION_JSON,
            r#"{"detail":"Request timed out"}"#,
        );
    }
    if error.is::<tower::load_shed::error::Overloaded>() {
        let mut response = fixed(
            StatusCode::SERVICE_UNAVAILABLE,
            APPLICATION_JSON,
            r#"{"detail":"Server busy"}"#,
        );
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    tracing::error!(error = %error, "a custom layer failed; answering 500");
    fixed(
        StatusCode::INTERNAL_SERVER_ERROR,
        APPLICATION_JSON,
        r#"{"detail":"Internal server error"}"#,
    )
}

#[cfg(test)]
mod tests {
    use super::custom_layer;

    #[test]
    fn any_tower_layer_passes_through() {
        let layer = custom_layer(tower_layer::Identity::new());
        let _: tower_layer::Identity = layer;
    }

    // The placement is called as generated code calls it: both traits in
    // scope, a borrow that only the fallback needs.
    #[tokio::test]
    #[allow(unused_imports, clippy::needless_borrow)]
    async fn failing_custom_services_answer_with_a_status() {
        use std::time::Duration;

        use http::{Request, StatusCode};
        use tower::{ServiceBuilder, ServiceExt, service_fn};

        use tower_layer::Layer;

        use crate::body::IntoAxumBodyLayer;

        let slow = service_fn(|_request: Request<axum::body::Body>| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::empty()))
        });
        // tower's own timeout, as a user writes it in `custom(layer = ...)`,
        // placed as generated code places it: it fails, so under an
        // `IntoAxumBodyLayer`.
        use super::{PlaceAlone as _, PlaceConverted as _, Placement};
        let timeout: tower_layer::Stack<tower::timeout::TimeoutLayer, IntoAxumBodyLayer> = (&Placement::new(
            custom_layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(10))),
        ))
            .place();
        let service = ServiceBuilder::new().layer(timeout).service(slow);
        let response = service.oneshot(Request::new(axum::body::Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            crate::test_util::body_string(response).await,
            r#"{"detail":"Request timed out"}"#
        );

        let failing = service_fn(|_request: Request<axum::body::Body>| async {
            Err::<axum::response::Response, _>(std::io::Error::other("database down"))
        });
        let service = IntoAxumBodyLayer::new().layer(failing);
        let response = service.oneshot(Request::new(axum::body::Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// A layer whose service answers as axum does goes alone: no
    /// `IntoAxumBody` (its service, future and check per request) around it.
    #[tokio::test]
    #[allow(unused_imports, clippy::needless_borrow)]
    async fn axum_shaped_custom_layers_are_placed_alone() {
        use http::{HeaderValue, Request, StatusCode};
        use tower::{ServiceBuilder, ServiceExt, service_fn};

        use super::{PlaceAlone as _, PlaceConverted as _, Placement};

        // The types are the assertion: a wrong choice does not compile.
        let _: tower_layer::Identity = (&Placement::new(custom_layer(tower_layer::Identity::new()))).place();
        let tag = tower::util::MapResponseLayer::new(|mut response: axum::response::Response| {
            response
                .headers_mut()
                .insert("x-tag", HeaderValue::from_static("tagged"));
            response
        });
        let tag = (&Placement::new(custom_layer(tag))).place();
        let _: &tower::util::MapResponseLayer<_> = &tag;

        let app = service_fn(|_request: Request<axum::body::Body>| async {
            Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::from("hi")))
        });
        let response = ServiceBuilder::new()
            .layer(tag)
            .service(app)
            .oneshot(Request::new(axum::body::Body::empty()))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-tag"], "tagged");
        assert_eq!(crate::test_util::body_string(response).await, "hi");
    }

    /// The app of a stack with custom layers is brought to axum's shape: a
    /// `Router` as it is, a service that fails under an `IntoAxumBody`, so
    /// that its errors are answers (500) like a custom layer's.
    #[tokio::test]
    #[allow(unused_imports, clippy::needless_borrow)]
    async fn the_app_is_brought_to_axum_shape() {
        use http::{Request, StatusCode};
        use tower::{ServiceExt, service_fn};

        use super::{AppShape, AxumShaped as _, ConvertedApp as _};

        let router = axum::Router::new().route("/", axum::routing::get(|| async { "home" }));
        let router: axum::Router = (&AppShape::new(router)).shaped();
        let response = router
            .oneshot(Request::get("/").body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(crate::test_util::body_string(response).await, "home");

        let failing = service_fn(|_request: Request<axum::body::Body>| async {
            Err::<axum::response::Response, _>(std::io::Error::other("database down"))
        });
        let failing: crate::body::IntoAxumBody<_> = (&AppShape::new(failing)).shaped();
        let response = failing.oneshot(Request::new(axum::body::Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
