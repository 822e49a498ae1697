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
        IntoAxumBody { inner }
    }
}

/// Middleware answering `Response<axum::body::Body>`; see the [module docs](self).
#[derive(Clone, Copy, Debug)]
pub struct IntoAxumBody<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for IntoAxumBody<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<axum::body::Body>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        ResponseFuture {
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    /// Response future of [`IntoAxumBody`].
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<axum::body::Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().inner.poll(cx))?;
        Poll::Ready(Ok(response.map(axum::body::Body::new)))
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
