use std::convert::Infallible;

use axum::body::Body;
use http::{HeaderMap, HeaderValue, Request, Response};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::parse::{Parent, traceparent};
use super::{SpanId, TRACEPARENT, TRACESTATE, TraceContext, TraceContextLayer, TraceId};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

fn valid() -> String {
    format!("00-{TRACE}-{PARENT}-01")
}

fn parsed(text: &str) -> Option<Parent> {
    traceparent(text.as_bytes())
}

#[test]
fn a_version_00_traceparent_is_read() {
    let parent = parsed(&valid()).expect("valid");
    assert_eq!(parent.trace_id.to_string(), TRACE);
    assert_eq!(parent.parent_id.to_string(), PARENT);
    assert!(parent.sampled);
    let unsampled = parsed(&format!("00-{TRACE}-{PARENT}-00")).expect("valid");
    assert!(!unsampled.sampled);
    // Flags other than `sampled` are ignored, not refused.
    let other_flags = parsed(&format!("00-{TRACE}-{PARENT}-fe")).expect("valid");
    assert!(!other_flags.sampled);
    assert!(parsed(&format!("00-{TRACE}-{PARENT}-03")).expect("valid").sampled);
}

#[test]
fn malformed_traceparents_are_refused() {
    let zeros_trace = format!("00-{}-{PARENT}-01", "0".repeat(32));
    let zeros_parent = format!("00-{TRACE}-{}-01", "0".repeat(16));
    let upper = format!("00-{}-{PARENT}-01", TRACE.to_uppercase());
    let upper_flags = format!("00-{TRACE}-{PARENT}-0A");
    let version_ff = format!("ff-{TRACE}-{PARENT}-01");
    let version_upper = format!("0A-{TRACE}-{PARENT}-01");
    let longer_00 = format!("00-{TRACE}-{PARENT}-01-extra");
    let trailing = format!("{}x", valid());
    let short_trace = format!("00-{}-{PARENT}-01", &TRACE[1..]);
    let underscore = format!("00_{TRACE}-{PARENT}-01");
    let missing_flags = format!("00-{TRACE}-{PARENT}-");
    let bad_flags = format!("00-{TRACE}-{PARENT}-0g");
    let spaces = format!(" {}", &valid()[1..]);
    let future_no_dash = format!("01-{TRACE}-{PARENT}-01x");
    for bad in [
        "",
        "00",
        zeros_trace.as_str(),
        zeros_parent.as_str(),
        upper.as_str(),
        upper_flags.as_str(),
        version_ff.as_str(),
        version_upper.as_str(),
        longer_00.as_str(),
        trailing.as_str(),
        short_trace.as_str(),
        underscore.as_str(),
        missing_flags.as_str(),
        bad_flags.as_str(),
        spaces.as_str(),
        future_no_dash.as_str(),
    ] {
        assert_eq!(parsed(bad), None, "{bad:?}");
    }
}

#[test]
fn a_later_version_is_read_by_the_version_00_rules() {
    for future in [
        format!("01-{TRACE}-{PARENT}-01"),
        format!("cc-{TRACE}-{PARENT}-01-what-the-future-adds"),
        format!("fe-{TRACE}-{PARENT}-01-"),
    ] {
        let parent = parsed(&future).unwrap_or_else(|| panic!("{future} is readable"));
        assert_eq!(parent.trace_id.to_string(), TRACE);
        assert_eq!(parent.parent_id.to_string(), PARENT);
    }
}

fn headers(pairs: &[(&http::HeaderName, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_str(value).expect("valid header"));
    }
    map
}

#[test]
fn a_valid_parent_is_continued_with_a_new_span() {
    let parent = valid();
    let context = TraceContext::from_headers(&headers(&[(&TRACEPARENT, &parent)]), false);
    assert_eq!(context.trace_id().to_string(), TRACE);
    assert_eq!(context.parent_id().map(|id| id.to_string()).as_deref(), Some(PARENT));
    assert_ne!(context.span_id().to_string(), PARENT);
    assert_ne!(context.span_id().to_bytes(), [0; 8]);
    // The caller's decision, not the layer's (`false` here).
    assert!(context.sampled());
    let traceparent = context.traceparent();
    assert_eq!(traceparent, format!("00-{TRACE}-{}-01", context.span_id()));
    let again = parsed(&traceparent).expect("what strata sends is valid");
    assert_eq!(again.parent_id, context.span_id());
}

#[test]
fn no_parent_two_parents_or_a_bad_one_start_a_new_trace() {
    let parent = valid();
    for (map, why) in [
        (HeaderMap::new(), "none"),
        (headers(&[(&TRACEPARENT, &parent), (&TRACEPARENT, &parent)]), "two"),
        (headers(&[(&TRACEPARENT, "00-garbage")]), "malformed"),
    ] {
        for sample_new in [true, false] {
            let context = TraceContext::from_headers(&map, sample_new);
            assert_ne!(context.trace_id().to_string(), TRACE, "{why}");
            assert_eq!(context.trace_id().to_string().len(), 32);
            assert_ne!(context.trace_id().to_bytes(), [0; 16]);
            assert_eq!(context.parent_id(), None, "{why}");
            assert_eq!(context.sampled(), sample_new, "{why}");
            let flags = if sample_new { "01" } else { "00" };
            assert!(context.traceparent().ends_with(flags));
            assert!(parsed(&context.traceparent()).is_some());
        }
    }
}

#[test]
fn new_ids_differ() {
    let map = HeaderMap::new();
    let a = TraceContext::from_headers(&map, true);
    let b = TraceContext::from_headers(&map, true);
    assert_ne!(a.trace_id(), b.trace_id());
    assert_ne!(a.span_id(), b.span_id());
    assert_eq!(TraceId([0xab; 16]).to_string(), "ab".repeat(16));
    assert_eq!(SpanId([0x01; 8]).to_string(), "01".repeat(8));
}

#[test]
fn tracestate_is_passed_on_only_when_well_formed_and_continued() {
    let parent = valid();
    let state = |pairs: &[(&http::HeaderName, &str)]| TraceContext::from_headers(&headers(pairs), true);

    let kept = state(&[
        (&TRACEPARENT, &parent),
        (&TRACESTATE, "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"),
    ]);
    assert_eq!(kept.tracestate(), Some("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"));

    let joined = state(&[
        (&TRACEPARENT, &parent),
        (&TRACESTATE, "a=1"),
        (&TRACESTATE, "tenant@sys=2"),
    ]);
    assert_eq!(joined.tracestate(), Some("a=1,tenant@sys=2"));

    let empty_members = state(&[(&TRACEPARENT, &parent), (&TRACESTATE, "a=1,,b=2")]);
    assert_eq!(empty_members.tracestate(), Some("a=1,,b=2"));

    let too_many = (0..33).map(|i| format!("k{i}=v")).collect::<Vec<_>>().join(",");
    let value_too_long = format!("a={}", "x".repeat(257));
    let list_too_long = (0..10)
        .map(|i| format!("k{i}={}", "x".repeat(60)))
        .collect::<Vec<_>>()
        .join(",");
    for bad in [
        "noequals",
        "UPPER=1",
        "a=1,a=2",
        "a=",
        "a=has,comma",
        "1abc=v",
        "a=b=c",
        "tenant@=v",
        "@sys=v",
        too_many.as_str(),
        value_too_long.as_str(),
        list_too_long.as_str(),
    ] {
        let dropped = state(&[(&TRACEPARENT, &parent), (&TRACESTATE, bad)]);
        assert_eq!(dropped.tracestate(), None, "{bad:?}");
        assert_eq!(
            dropped.trace_id().to_string(),
            TRACE,
            "a bad tracestate keeps the trace"
        );
    }

    let no_parent = state(&[(&TRACESTATE, "a=1")]);
    assert_eq!(no_parent.tracestate(), None);
}

#[tokio::test]
async fn handlers_get_the_context_in_extensions_and_as_an_extractor() {
    let inner = service_fn(|request: Request<Body>| async move {
        let from_extensions = request.extensions().get::<TraceContext>().cloned().expect("inserted");
        let (mut parts, _) = request.into_parts();
        let extracted = <TraceContext as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
            .await
            .expect("extracted");
        assert_eq!(from_extensions, extracted);
        // The incoming header is left as it came.
        let header = parts
            .headers
            .get(TRACEPARENT)
            .map(|value| value.to_str().unwrap().to_owned());
        Ok::<_, Infallible>(Response::new(Body::from(format!(
            "{} {} {:?}",
            extracted.trace_id(),
            extracted.traceparent(),
            header
        ))))
    });
    let service = TraceContextLayer::new(true).layer(inner);
    let request = Request::builder()
        .header(TRACEPARENT, valid())
        .body(Body::empty())
        .expect("valid request");
    let response = service.oneshot(request).await.expect("infallible");
    let body = crate::test_util::body_string(response).await;
    assert!(body.starts_with(&format!("{TRACE} 00-{TRACE}-")), "{body}");
    assert!(body.ends_with(&format!("Some(\"{}\")", valid())), "{body}");
}

#[tokio::test]
async fn without_the_layer_the_extractor_refuses_loudly() {
    let (mut parts, _) = Request::new(Body::empty()).into_parts();
    let rejection = <TraceContext as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .expect_err("no layer");
    assert_eq!(rejection.0, http::StatusCode::INTERNAL_SERVER_ERROR);
    let optional =
        <TraceContext as axum::extract::OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &()).await;
    assert_eq!(optional, Ok(None));
}
