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

    #[tokio::test]
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
        // tower's own timeout, as a user writes it in `custom(layer = ...)`.
        let timeout = custom_layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(10)));
        let service = ServiceBuilder::new()
            .layer(IntoAxumBodyLayer::new())
            .layer(timeout)
            .service(slow);
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
}
