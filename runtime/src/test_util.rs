//! Helpers shared by the unit tests.

use std::convert::Infallible;

use axum::body::Body;
use http::{Request, Response};
use http_body_util::BodyExt;
use tower::service_fn;
use tower_service::Service;

/// An inner service answering `200` with body `inner`, counting nothing.
pub(crate) fn ok_service() -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
    service_fn(|_request: Request<Body>| async { Ok(Response::new(Body::from("inner"))) })
}

/// An inner service that must never be called.
pub(crate) fn unreachable_service() -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone
{
    service_fn(|request: Request<Body>| async move { panic!("inner service called for {}", request.uri()) })
}

/// The whole body as a string.
pub(crate) async fn body_string<B>(response: Response<B>) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let bytes = response.into_body().collect().await.expect("body collects").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("body is UTF-8")
}

/// Every value of `name` on `response`, as strings.
pub(crate) fn header_values<B>(response: &Response<B>, name: &str) -> Vec<String> {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|value| value.to_str().expect("visible ASCII").to_owned())
        .collect()
}

/// A streaming body that never yields a frame and never ends: any middleware
/// that waits for the body hangs on it.
#[derive(Debug)]
pub(crate) struct PendingBody;

impl http_body::Body for PendingBody {
    type Data = bytes::Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

/// One `tracing` event as the tests see it.
#[derive(Clone, Debug)]
pub(crate) struct CapturedEvent {
    pub(crate) target: String,
    pub(crate) level: tracing::Level,
    /// Field name → value (`message` included); strings unquoted.
    pub(crate) fields: std::collections::BTreeMap<String, String>,
    /// The spans the event happened in, outermost first: name and fields
    /// as recorded so far.
    pub(crate) spans: Vec<(String, std::collections::BTreeMap<String, String>)>,
}

impl CapturedEvent {
    pub(crate) fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A field of the innermost span named `span` around the event.
    pub(crate) fn span_field(&self, span: &str, name: &str) -> Option<&str> {
        self.spans
            .iter()
            .rev()
            .find(|(found, _)| found == span)
            .and_then(|(_, fields)| fields.get(name))
            .map(String::as_str)
    }
}

/// Records every event emitted on this thread while the guard lives.
/// `#[tokio::test]` runs on one thread, so the events of the service under
/// test land here and nowhere else.
///
/// One global subscriber, installed once, routes events to the capturing
/// thread. (Per-test `set_default` subscribers race with tracing's global
/// callsite-interest cache when tests run in parallel and lose events.)
#[derive(Clone, Debug, Default)]
pub(crate) struct CapturedEvents(std::sync::Arc<std::sync::Mutex<Vec<CapturedEvent>>>);

thread_local! {
    static SINK: std::cell::RefCell<Option<CapturedEvents>> = const { std::cell::RefCell::new(None) };
}

/// Stops capturing on this thread when dropped.
pub(crate) struct CaptureGuard {
    previous: Option<CapturedEvents>,
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SINK.with(|sink| *sink.borrow_mut() = previous);
    }
}

impl CapturedEvents {
    pub(crate) fn start() -> (Self, CaptureGuard) {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            use tracing_subscriber::layer::SubscriberExt;
            let subscriber = tracing_subscriber::registry().with(RouteToCapturingThread);
            tracing::subscriber::set_global_default(subscriber).expect("first global subscriber");
        });
        let captured = Self::default();
        let previous = SINK.with(|sink| sink.replace(Some(captured.clone())));
        (captured, CaptureGuard { previous })
    }

    pub(crate) fn events(&self) -> Vec<CapturedEvent> {
        self.0.lock().expect("not poisoned").clone()
    }
}

struct RouteToCapturingThread;

/// The fields of a span, kept in its extensions.
struct SpanFields(std::collections::BTreeMap<String, String>);

impl<S> tracing_subscriber::Layer<S> for RouteToCapturingThread
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attributes: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = FieldsToStrings::default();
        attributes.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields.0));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(stored)) = extensions.get_mut::<SpanFields>() {
            let mut fields = FieldsToStrings(std::mem::take(stored));
            values.record(&mut fields);
            *stored = fields.0;
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        SINK.with(|sink| {
            let Some(captured) = &*sink.borrow() else {
                return;
            };
            let mut fields = FieldsToStrings::default();
            event.record(&mut fields);
            let spans = ctx
                .event_scope(event)
                .map(|scope| {
                    scope
                        .from_root()
                        .map(|span| {
                            let fields = span
                                .extensions()
                                .get::<SpanFields>()
                                .map(|SpanFields(fields)| fields.clone())
                                .unwrap_or_default();
                            (span.name().to_owned(), fields)
                        })
                        .collect()
                })
                .unwrap_or_default();
            captured.0.lock().expect("not poisoned").push(CapturedEvent {
                target: event.metadata().target().to_owned(),
                level: *event.metadata().level(),
                fields: fields.0,
                spans,
            });
        });
    }
}

#[derive(Default)]
struct FieldsToStrings(std::collections::BTreeMap<String, String>);

impl tracing::field::Visit for FieldsToStrings {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// A body of unknown size, as chunked transfer encoding gives: `chunks` one
/// by one, then the end — or, [`stalling`](Self::stalling), nothing ever
/// again (a client that stopped sending).
#[derive(Debug)]
pub(crate) struct ChunkedBody {
    chunks: std::collections::VecDeque<bytes::Bytes>,
    stall_at_end: bool,
}

impl ChunkedBody {
    pub(crate) fn new(chunks: impl IntoIterator<Item = bytes::Bytes>) -> Self {
        Self {
            chunks: chunks.into_iter().collect(),
            stall_at_end: false,
        }
    }

    pub(crate) fn stalling(chunks: impl IntoIterator<Item = bytes::Bytes>) -> Self {
        Self {
            stall_at_end: true,
            ..Self::new(chunks)
        }
    }
}

impl http_body::Body for ChunkedBody {
    type Data = bytes::Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.chunks.pop_front() {
            Some(chunk) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk)))),
            None if self.stall_at_end => std::task::Poll::Pending,
            None => std::task::Poll::Ready(None),
        }
    }
}
