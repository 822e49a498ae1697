//! The request span and W3C trace context over a real socket, seen the way
//! an operator sees them: a JSON log subscriber (tracing-subscriber's own
//! formatter) and OpenTelemetry's SDK with its in-memory exporter, through
//! `tracing-opentelemetry` (the facade's `otel` feature, on in dev-deps).
//!
//! One global subscriber for the binary: every test tells its own requests
//! apart by their request ID.

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use serde_json::Value;
use support::{empty, request, send, serve};
use tracing_subscriber::layer::SubscriberExt;

#[strata::stack(request_id, trace_context, access_log)]
fn app() -> Router {
    Router::new()
        .route(
            "/users/{id}",
            get(|Path(id): Path<u32>, trace: strata::TraceContext| async move {
                tracing::info!(target: "app", user = id, "handled");
                format!(
                    "{} {} {}",
                    trace.trace_id(),
                    trace.span_id(),
                    trace.parent_id().map(|id| id.to_string()).unwrap_or_default()
                )
            }),
        )
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// What the global subscriber collects.
struct Collected {
    json: Arc<Mutex<Vec<u8>>>,
    exporter: InMemorySpanExporter,
    provider: SdkTracerProvider,
}

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn collected() -> &'static Collected {
    static COLLECTED: OnceLock<Collected> = OnceLock::new();
    COLLECTED.get_or_init(|| {
        let json = Arc::new(Mutex::new(Vec::new()));
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let writer = Buffer(json.clone());
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(move || writer.clone()),
            )
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("strata-e2e")));
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        Collected {
            json,
            exporter,
            provider,
        }
    })
}

/// Every JSON log line so far.
fn json_lines() -> Vec<Value> {
    let bytes = collected().json.lock().unwrap().clone();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The log line of `target` whose request span (or own fields) has `request_id`.
fn line_of(target: &str, request_id: &str) -> Value {
    json_lines()
        .into_iter()
        .find(|line| line["target"] == target && line["span"]["request_id"] == request_id)
        .unwrap_or_else(|| panic!("no {target} line for {request_id}: {:#?}", json_lines()))
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn a_handlers_event_carries_the_request_and_trace_ids() {
    collected();
    let address = serve(app()).await;

    // Continued: the caller's trace, a new span of ours.
    let response = send(
        address,
        empty(
            request("GET", "/users/7?api_key=querysecret")
                .header("x-request-id", "json-continued")
                .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
                .header("authorization", "Bearer tokensecret")
                .header("cookie", "session=cookiesecret")
                .header("x-api-key", "keysecret"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    let seen: Vec<&str> = response.text().split(' ').collect();
    assert_eq!(seen[0], TRACE, "the trace is continued");
    assert!(is_hex(seen[1], 16) && seen[1] != PARENT, "a new span ID: {seen:?}");
    assert_eq!(seen[2], PARENT);

    let handled = line_of("app", "json-continued");
    assert_eq!(handled["fields"]["message"], "handled");
    assert_eq!(handled["fields"]["user"], 7);
    let span = &handled["span"];
    assert_eq!(span["name"], "request");
    assert_eq!(span["trace_id"], TRACE);
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/users/{id}");
    assert_eq!(span["client_ip"], "127.0.0.1");

    let access = line_of("strata::access", "json-continued");
    let fields = &access["fields"];
    assert_eq!(fields["request_id"], "json-continued");
    assert_eq!(fields["trace_id"], TRACE);
    assert_eq!(fields["route"], "/users/{id}");
    assert_eq!(fields["path"], "/users/7");
    assert_eq!(fields["status"], 200);
    let duration = fields["duration_ms"].as_f64().expect("a number");
    assert!(duration > 0.0 && (duration * 1000.0 - (duration * 1000.0).round()).abs() < 1e-6);

    // New: no traceparent, a new trace that the logs and the handler agree on.
    let response = send(
        address,
        empty(request("GET", "/users/8").header("x-request-id", "json-new")),
    )
    .await;
    let seen: Vec<&str> = response.text().split(' ').collect();
    assert!(is_hex(seen[0], 32) && seen[0] != TRACE, "{seen:?}");
    assert_eq!(seen[2], "", "no parent");
    assert_eq!(line_of("app", "json-new")["span"]["trace_id"], seen[0]);
    assert_eq!(line_of("strata::access", "json-new")["fields"]["trace_id"], seen[0]);

    // A path that matches no route.
    send(
        address,
        empty(request("GET", "/nowhere").header("x-request-id", "json-404")),
    )
    .await;
    assert_eq!(line_of("strata::access", "json-404")["fields"]["route"], "unmatched");

    let everything = String::from_utf8(collected().json.lock().unwrap().clone()).unwrap();
    for secret in ["tokensecret", "Bearer", "cookiesecret", "keysecret", "querysecret"] {
        assert!(!everything.contains(secret), "{secret} reached the log");
    }
}

/// The exported span of the request `request_id`, once it has ended.
async fn exported(request_id: &str) -> SpanData {
    for _ in 0..100 {
        collected().provider.force_flush().unwrap();
        let spans = collected().exporter.get_finished_spans().unwrap();
        if let Some(span) = spans.into_iter().find(|span| {
            span.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "request_id" && kv.value.as_str() == request_id)
        }) {
            return span;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no span exported for {request_id}");
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.as_str().into_owned())
}

#[tokio::test]
async fn the_request_span_is_exported_as_a_server_span_under_the_callers_span() {
    collected();
    let address = serve(app()).await;
    let response = send(
        address,
        empty(
            request("GET", "/users/3")
                .header("x-request-id", "otel-continued")
                .header("traceparent", format!("00-{TRACE}-{PARENT}-01"))
                .header("tracestate", "congo=t61rcWkgMzE"),
        ),
    )
    .await;
    let seen: Vec<String> = response.text().split(' ').map(str::to_owned).collect();

    let span = exported("otel-continued").await;
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.span_context.trace_id().to_string(), TRACE);
    assert_eq!(span.parent_span_id.to_string(), PARENT, "child of the incoming span");
    assert!(span.parent_span_is_remote);
    assert_eq!(
        span.span_context.span_id().to_string(),
        seen[1],
        "what the handler propagates names the exported span"
    );
    assert!(span.span_context.is_sampled());
    assert_eq!(span.span_context.trace_state().header(), "congo=t61rcWkgMzE");
    assert_eq!(span.name, "GET");
    assert_eq!(attribute(&span, "route").as_deref(), Some("/users/{id}"));
    assert_eq!(attribute(&span, "trace_id").as_deref(), Some(TRACE));
    assert_eq!(span.status, Status::Unset);
    // The access-log event rides on the span.
    assert!(span.events.iter().any(|event| event.name == "request"));

    // A new trace: the SDK's IDs are the ones the handler sees.
    let response = send(
        address,
        empty(request("GET", "/users/4").header("x-request-id", "otel-new")),
    )
    .await;
    let seen: Vec<String> = response.text().split(' ').map(str::to_owned).collect();
    let span = exported("otel-new").await;
    assert_eq!(span.span_context.trace_id().to_string(), seen[0]);
    assert_eq!(span.span_context.span_id().to_string(), seen[1]);
    assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID);

    // A 5xx marks the span as an error.
    send(
        address,
        empty(request("GET", "/fail").header("x-request-id", "otel-fail")),
    )
    .await;
    let span = exported("otel-fail").await;
    assert!(matches!(span.status, Status::Error { .. }), "{:?}", span.status);
}
