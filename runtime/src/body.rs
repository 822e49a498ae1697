//! `IntoAxumBody`: turn any response body into `axum::body::Body`.
//!
//! strata places it after user `custom` layers, whose response body type is
//! whatever they chose, so the stack still answers `Response<axum::body::Body>`
//! as `axum::serve` requires. The client sees no difference: status, headers
//! and body bytes pass through unchanged and the body still streams.
//!
//! `axum::body::Body::new` does not re-box a body that already is an axum
//! `Body`, so the layer costs nothing when the inner service answers axum
//! bodies; any other body is boxed once per response.
//!
//! It is also where a custom layer's errors end: the stack around it answers
//! every request (`Error = Infallible`), so a layer whose service can fail
//! (tower's `TimeoutLayer`, `LoadShedLayer`, a `tower::util::MapErr` …) has
//! its error turned into a response, as [`crate::custom::error_response`]
//! describes: 503 for tower's timeout and load shedding, 500 (logged) for
//! anything else. An `Infallible` error costs nothing: that branch is never
//! taken.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::BoxError;
use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

/// Layer applying [`IntoAxumBody`]; see the [module docs](self).
#[derive(Clone, Copy, Debug, Default)]
pub struct IntoAxumBodyLayer;

impl IntoAxumBodyLayer {
    /// The layer.
    pub const fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for IntoAxumBodyLayer {
    type Service = IntoAxumBody<S>;

    fn layer(&self, inner: S) -> Self::Service {
        IntoAxumBody { inner, not_ready: None }
    }
}

/// Middleware answering `Response<axum::body::Body>`; see the [module docs](self).
#[derive(Debug)]
pub struct IntoAxumBody<S> {
    inner: S,
    /// The inner service reported an error when asked to be ready; the next
    /// call answers it instead of calling the service.
    not_ready: Option<BoxError>,
}

impl<S: Clone> Clone for IntoAxumBody<S> {
    fn clone(&self) -> Self {
        IntoAxumBody {
            inner: self.inner.clone(),
            not_ready: None,
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for IntoAxumBody<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: Into<BoxError>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<axum::body::Body>;
    type Error = Infallible;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        if self.not_ready.is_none()
            && let Err(error) = ready!(self.inner.poll_ready(cx))
        {
            self.not_ready = Some(error.into());
        }
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        match self.not_ready.take() {
            Some(error) => ResponseFuture::Failed { error: Some(error) },
            None => ResponseFuture::Inner {
                inner: self.inner.call(request),
            },
        }
    }
}

pin_project! {
    /// Response future of [`IntoAxumBody`].
    #[project = Projected]
    #[derive(Debug)]
    pub enum ResponseFuture<F> {
        Inner {
            #[pin]
            inner: F,
        },
        Failed {
            error: Option<BoxError>,
        },
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<axum::body::Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Projected::Inner { inner } => Poll::Ready(Ok(match ready!(inner.poll(cx)) {
                Ok(response) => response.map(axum::body::Body::new),
                Err(error) => crate::custom::error_response(error.into()),
            })),
            Projected::Failed { error } => Poll::Ready(Ok(crate::custom::error_response(
                error.take().unwrap_or_else(|| "polled after completion".into()),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderValue, Request, Response, StatusCode};
    use http_body_util::Full;
    use tower::{ServiceExt, service_fn};
    use tower_layer::Layer;

    use super::IntoAxumBodyLayer;
    use crate::test_util::body_string;

    #[tokio::test]
    async fn converts_any_body_keeping_status_headers_and_bytes() {
        let inner = service_fn(|_request: Request<()>| async {
            let mut response = Response::new(Full::new(bytes::Bytes::from_static(b"custom body")));
            *response.status_mut() = StatusCode::ACCEPTED;
            response.headers_mut().insert("x-custom", HeaderValue::from_static("1"));
            Ok::<_, std::convert::Infallible>(response)
        });
        let service = IntoAxumBodyLayer::new().layer(inner);
        let response: Response<axum::body::Body> = service.oneshot(Request::new(())).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert_eq!(response.headers()["x-custom"], "1");
        assert_eq!(body_string(response).await, "custom body");
    }
}
