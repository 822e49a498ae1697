use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{RequestId, RequestIdLayer};
use crate::test_util::body_string;

const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Echoes the `RequestId` extension as the body, every request header value
/// it saw in `x-seen`, and tries to overwrite the response header, which the
/// middleware must replace.
async fn echo_id(request: Request<Body>) -> Result<Response<Body>, Infallible> {
    let id = request
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    let seen: Vec<&str> = request
        .headers()
        .get_all(HEADER)
        .iter()
        .map(|v| v.to_str().unwrap_or("<not ascii>"))
        .collect();
    let seen = HeaderValue::from_str(&seen.join(" | ")).expect("visible ASCII");
    let mut response = Response::new(Body::from(id));
    response.headers_mut().insert("x-seen", seen);
    response
        .headers_mut()
        .insert(HEADER, HeaderValue::from_static("set-by-handler"));
    Ok(response)
}

/// The response's ID header and the extension the handler saw; asserts the
/// handler saw exactly that ID in the request header too.
async fn run(incoming: Option<&[u8]>) -> (String, String) {
    run_all(incoming.as_slice()).await
}

async fn run_all(incoming: &[&[u8]]) -> (String, String) {
    let mut request = Request::new(Body::empty());
    for value in incoming {
        request
            .headers_mut()
            .append(HEADER, HeaderValue::from_bytes(value).expect("valid test header"));
    }
    let service = RequestIdLayer::new(HEADER).layer(service_fn(echo_id));
    let response = service.oneshot(request).await.expect("infallible");
    let header = response.headers()[HEADER].to_str().expect("ascii").to_owned();
    assert_eq!(response.headers().get_all(HEADER).iter().count(), 1);
    let seen_by_handler = response.headers()["x-seen"].to_str().expect("ascii").to_owned();
    let extension = body_string(response).await;
    assert_eq!(seen_by_handler, extension, "the request header is the extension's ID");
    (header, extension)
}

fn is_uuid_v4(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|uuid| uuid.get_version_num() == 4)
        && text.len() == 36
        && text == text.to_ascii_lowercase()
}

#[tokio::test]
async fn valid_incoming_id_is_kept_in_extension_and_response() {
    let (header, seen) = run(Some(b"abc-123_XYZ.~!")).await;
    assert_eq!(header, "abc-123_XYZ.~!");
    assert_eq!(seen, "abc-123_XYZ.~!");

    let longest = "a".repeat(128);
    let (header, _) = run(Some(longest.as_bytes())).await;
    assert_eq!(header, longest);
}

#[tokio::test]
async fn missing_id_gets_a_uuid() {
    let (header, seen) = run(None).await;
    assert!(is_uuid_v4(&header), "{header}");
    assert_eq!(header, seen);
}

#[tokio::test]
async fn invalid_incoming_ids_are_replaced() {
    let too_long = "a".repeat(129);
    for bad in [
        b"".as_slice(),
        b"has space",
        b"tab\there",
        b"caf\xe9",
        too_long.as_bytes(),
    ] {
        let (header, seen) = run(Some(bad)).await;
        assert!(is_uuid_v4(&header), "{bad:?} gave {header}");
        assert_eq!(header, seen);
    }
}

#[tokio::test]
async fn a_second_copy_of_the_header_is_dropped_from_the_request() {
    let (header, seen) = run_all(&[b"first-id", b"second-id"]).await;
    assert_eq!((header.as_str(), seen.as_str()), ("first-id", "first-id"));
    let (header, seen) = run_all(&[b"bad id", b"second-id"]).await;
    assert!(is_uuid_v4(&header), "{header}");
    assert_eq!(header, seen);
}

#[tokio::test]
async fn generated_ids_differ() {
    let (first, _) = run(None).await;
    let (second, _) = run(None).await;
    assert_ne!(first, second);
}

#[tokio::test]
async fn extractor_reads_the_extension_or_rejects_with_500() {
    let (mut parts, ()) = Request::new(()).into_parts();
    let rejection = <RequestId as FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .expect_err("no middleware ran");
    assert_eq!(rejection.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(rejection.1, "strata: no request_id middleware in the stack");
    let optional = <RequestId as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .expect("infallible");
    assert_eq!(optional, None);

    let id = RequestId::generate();
    parts.extensions.insert(id.clone());
    let extracted = <RequestId as FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .expect("middleware ran");
    assert_eq!(extracted, id);
    assert_eq!(extracted.as_str(), id.to_string());
}

#[test]
fn ids_made_without_randomness_are_still_unique() {
    let ids: std::collections::HashSet<[u8; 16]> = (0..1000).map(|_| super::unique_without_randomness()).collect();
    assert_eq!(ids.len(), 1000);
}
