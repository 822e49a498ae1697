//! `timing`: tell the client how long the app took to produce the response head.
//!
//! What a client sees: the configured header (`x-process-time` by default)
//! holding seconds with four decimals (`0.0123`), replacing any value the inner
//! service set; with `server_timing`, also `Server-Timing: app;dur=12.345`
//! (milliseconds, three decimals) appended next to any existing entries, which
//! browsers show in their network panels.
//!
//! The clock starts when the request enters this layer and stops when the
//! inner service yields the response head. Nothing waits for the body, so a
//! streaming response streams; its header measures time to first byte.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

/// `Server-Timing` (W3C Server Timing), not among `http`'s named headers.
pub const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// Layer applying [`Timing`]; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct TimingLayer {
    header: HeaderName,
    server_timing: bool,
}

impl TimingLayer {
    /// A layer writing seconds into `header`, and `Server-Timing` when `server_timing`.
    pub const fn new(header: HeaderName, server_timing: bool) -> Self {
        Self { header, server_timing }
    }
}

impl<S> Layer<S> for TimingLayer {
    type Service = Timing<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timing {
            inner,
            layer: self.clone(),
        }
    }
}

/// Middleware that times the inner service; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Timing<S> {
    inner: S,
    layer: TimingLayer,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Timing<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let start = Instant::now();
        ResponseFuture {
            inner: self.inner.call(request),
            start,
            header: self.layer.header.clone(),
            server_timing: self.layer.server_timing,
        }
    }
}

pin_project! {
    /// Response future of [`Timing`]: the inner future, whose response head
    /// gets the timing headers.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
        header: HeaderName,
        server_timing: bool,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx))?;
        let elapsed = this.start.elapsed();
        let headers = response.headers_mut();
        if let Some(seconds) = formatted(format_args!("{:.4}", elapsed.as_secs_f64())) {
            headers.insert(this.header.clone(), seconds);
        }
        if *this.server_timing
            && let Some(entry) = formatted(format_args!("app;dur={:.3}", millis(elapsed)))
        {
            headers.append(SERVER_TIMING, entry);
        }
        Poll::Ready(Ok(response))
    }
}

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// Formatted numbers are always valid header values; `None` is unreachable.
fn formatted(args: std::fmt::Arguments<'_>) -> Option<HeaderValue> {
    HeaderValue::try_from(args.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use http::{HeaderName, HeaderValue, Request, Response};
    use tower::{ServiceExt, service_fn};
    use tower_layer::Layer;

    use super::{SERVER_TIMING, TimingLayer};
    use crate::test_util::{PendingBody, body_string, header_values};

    const HEADER: HeaderName = HeaderName::from_static("x-process-time");

    fn seconds(value: &str) -> f64 {
        let (_, decimals) = value.split_once('.').expect("has decimals");
        assert_eq!(decimals.len(), 4, "{value}");
        value.parse().expect("a number")
    }

    #[tokio::test]
    async fn sets_seconds_with_four_decimals() {
        let inner = service_fn(|_request: Request<Body>| async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            Ok::<_, std::convert::Infallible>(Response::new(Body::from("slow")))
        });
        let service = TimingLayer::new(HEADER, false).layer(inner);
        let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
        let value = seconds(response.headers()[HEADER].to_str().expect("ascii"));
        assert!((0.03..1.0).contains(&value), "{value}");
        assert!(!response.headers().contains_key(SERVER_TIMING));
        assert_eq!(body_string(response).await, "slow");
    }

    #[tokio::test]
    async fn server_timing_is_appended() {
        let inner = service_fn(|_request: Request<Body>| async {
            let mut response = Response::new(Body::empty());
            let headers = response.headers_mut();
            headers.insert(SERVER_TIMING, HeaderValue::from_static("db;dur=1"));
            headers.insert(HEADER, HeaderValue::from_static("handler-value"));
            Ok::<_, std::convert::Infallible>(response)
        });
        let service = TimingLayer::new(HEADER, true).layer(inner);
        let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
        seconds(response.headers()[HEADER].to_str().expect("ascii"));
        let entries = header_values(&response, "server-timing");
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0], "db;dur=1");
        let ms = entries[1].strip_prefix("app;dur=").expect("app entry");
        assert_eq!(ms.split_once('.').expect("decimals").1.len(), 3, "{ms}");
    }

    #[tokio::test]
    async fn does_not_wait_for_the_body() {
        // A body that never ends: the head must still come back with the header.
        let inner = service_fn(|_request: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(Response::new(Body::new(PendingBody)))
        });
        let service = TimingLayer::new(HEADER, false).layer(inner);
        let response = tokio::time::timeout(Duration::from_secs(5), service.oneshot(Request::new(Body::empty())))
            .await
            .expect("head arrives without the body")
            .expect("infallible");
        assert!(response.headers().contains_key(HEADER));
    }
}
