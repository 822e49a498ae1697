use std::convert::Infallible;

use axum::body::Body;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, CONTENT_TYPE, COOKIE, ORIGIN, VARY,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{CorsLayer, CorsPolicy};
use crate::test_util::{body_string, header_values, ok_service, unreachable_service};

const APP: &str = "https://app.example.com";

/// Like `allow_origins = [app, b]`, a preview regex, credentials, two methods.
static LISTED: CorsPolicy = CorsPolicy {
    allow_all_origins: false,
    origins: &["https://app.example.com", "https://b.example.com"],
    origin_regex: Some(r"https://[a-z0-9]+\.preview\.example\.com"),
    allow_all_methods: false,
    methods: &["GET", "POST"],
    allow_all_headers: false,
    headers: &[
        "accept",
        "accept-language",
        "authorization",
        "content-language",
        "content-type",
        "x-custom",
    ],
    allow_credentials: true,
    expose_headers: Some(HeaderValue::from_static("x-request-id")),
    preflight_allow_methods: HeaderValue::from_static("GET, POST"),
    preflight_allow_headers: Some(HeaderValue::from_static(
        "accept, accept-language, authorization, content-language, content-type, x-custom",
    )),
    max_age: HeaderValue::from_static("600"),
};

/// Like `allow_origins = ["*"], allow_headers = ["*"]`, no credentials.
static WILDCARD: CorsPolicy = wildcard(false, "GET", None);

/// The wildcard policy, varied. (`..OTHER` does not work in a `static`: the
/// replaced `HeaderValue` fields would need a compile-time destructor.)
const fn wildcard(
    allow_all_methods: bool,
    allow_methods: &'static str,
    origin_regex: Option<&'static str>,
) -> CorsPolicy {
    CorsPolicy {
        allow_all_origins: true,
        origins: &[],
        origin_regex,
        allow_all_methods,
        methods: &["GET"],
        allow_all_headers: true,
        headers: &["accept", "accept-language", "content-language", "content-type"],
        allow_credentials: false,
        expose_headers: None,
        preflight_allow_methods: HeaderValue::from_static(allow_methods),
        preflight_allow_headers: None,
        max_age: HeaderValue::from_static("600"),
    }
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api")
        .header(ORIGIN, origin)
        .header(ACCESS_CONTROL_REQUEST_METHOD, method);
    if let Some(headers) = headers {
        builder = builder.header(ACCESS_CONTROL_REQUEST_HEADERS, headers);
    }
    builder.body(Body::empty()).expect("valid request")
}

async fn answer(policy: &'static CorsPolicy, request: Request<Body>) -> Response<Body> {
    let service = CorsLayer::new(policy).layer(unreachable_service());
    service.oneshot(request).await.expect("infallible")
}

fn get_from(origin: &str) -> Request<Body> {
    Request::builder()
        .uri("/api")
        .header(ORIGIN, origin)
        .body(Body::empty())
        .expect("valid request")
}

/// An inner service answering `401` with its own `Vary` and a stale CORS header.
fn unauthorized()
-> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    service_fn(|_request: Request<Body>| async {
        let mut response = Response::new(Body::from(r#"{"detail":"Missing token"}"#));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        let headers = response.headers_mut();
        headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("stale"));
        Ok(response)
    })
}

#[tokio::test]
async fn requests_without_origin_are_untouched() {
    let service = CorsLayer::new(&LISTED).layer(ok_service());
    let response = service.oneshot(Request::new(Body::empty())).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().is_empty(), "{:?}", response.headers());
    assert_eq!(body_string(response).await, "inner");
}

#[tokio::test]
async fn allowed_preflight_is_answered_here() {
    let response = answer(
        &LISTED,
        preflight(APP, "POST", Some("Authorization , X-Custom,content-type")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
    assert_eq!(header_values(&response, "vary"), ["Origin"]);
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
    assert_eq!(headers[ACCESS_CONTROL_MAX_AGE], "600");
    assert_eq!(
        headers[ACCESS_CONTROL_ALLOW_HEADERS],
        "accept, accept-language, authorization, content-language, content-type, x-custom"
    );
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert!(!headers.contains_key(ACCESS_CONTROL_EXPOSE_HEADERS));
    assert_eq!(body_string(response).await, "OK");
}

#[tokio::test]
async fn refused_preflights_name_only_what_failed() {
    let cases = [
        (preflight(APP, "DELETE", None), "Disallowed CORS method", true),
        (
            preflight("https://evil.com", "GET", None),
            "Disallowed CORS origin",
            false,
        ),
        (preflight(APP, "GET", Some("x-other")), "Disallowed CORS headers", true),
        (
            preflight(APP, "GET", Some("x-custom,,accept")),
            "Disallowed CORS headers",
            true,
        ),
        (
            preflight("https://evil.com", "GET", Some("x-custom, x-other, x-third")),
            "Disallowed CORS origin, headers",
            false,
        ),
        (
            preflight("https://evil.com", "get", Some("x-other")),
            "Disallowed CORS origin, method, headers",
            false,
        ),
    ];
    for (request, expected, origin_echoed) in cases {
        let response = answer(&LISTED, request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{expected}");
        let headers = response.headers();
        assert_eq!(headers[CONTENT_TYPE], "text/plain; charset=utf-8");
        assert_eq!(headers[VARY], "Origin");
        assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
        assert_eq!(headers[ACCESS_CONTROL_MAX_AGE], "600");
        assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(
            headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
            origin_echoed,
            "{expected}"
        );
        assert_eq!(body_string(response).await, expected);
    }
}

#[tokio::test]
async fn origin_regex_is_a_full_match() {
    for (origin, allowed) in [
        ("https://pr42.preview.example.com", true),
        ("https://pr42.preview.example.com.evil.com", false),
        ("xhttps://pr42.preview.example.com", false),
        ("https://a.b.preview.example.com", false),
        ("https://b.example.com", true),
        ("https://B.example.com", false),
        ("https://app.example.com/", false),
    ] {
        let response = answer(&LISTED, preflight(origin, "GET", None)).await;
        let status = if allowed {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(response.status(), status, "{origin}");
    }
}

#[tokio::test]
async fn non_ascii_origin_is_not_allowed() {
    let mut request = preflight(APP, "GET", None);
    request.headers_mut().insert(
        ORIGIN,
        HeaderValue::from_bytes(b"https://caf\xe9.example.com").expect("obs-text header"),
    );
    let response = answer(&LISTED, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(!response.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    assert_eq!(body_string(response).await, "Disallowed CORS origin");
}

#[tokio::test]
async fn wildcard_preflight_uses_star_and_echoes_requested_headers() {
    let response = answer(
        &WILDCARD,
        preflight("https://anyone.test", "GET", Some("X-Anything, x-else")),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(!headers.contains_key(VARY));
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_HEADERS], "X-Anything, x-else");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET");
    assert!(!headers.contains_key(ACCESS_CONTROL_ALLOW_CREDENTIALS));

    let response = answer(&WILDCARD, preflight("https://anyone.test", "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(!response.headers().contains_key(ACCESS_CONTROL_ALLOW_HEADERS));
    assert_eq!(body_string(response).await, "Disallowed CORS method");
}

#[tokio::test]
async fn allow_all_methods_accepts_any_method() {
    static ALL_METHODS: CorsPolicy = wildcard(true, "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT", None);
    let response = answer(&ALL_METHODS, preflight("https://a.test", "PROPFIND", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn inner_error_responses_get_cors_headers_and_keep_their_vary() {
    let service = CorsLayer::new(&LISTED).layer(unauthorized());
    let response = service.oneshot(get_from(APP)).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let headers = response.headers();
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(headers[ACCESS_CONTROL_EXPOSE_HEADERS], "x-request-id");
    assert_eq!(header_values(&response, "vary"), ["Accept-Encoding", "Origin"]);
    assert_eq!(body_string(response).await, r#"{"detail":"Missing token"}"#);
}

#[tokio::test]
async fn disallowed_origin_gets_no_allow_origin() {
    let service = CorsLayer::new(&LISTED).layer(ok_service());
    let response = service.oneshot(get_from("https://evil.com")).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(!headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    assert!(!headers.contains_key(VARY));
    // Starlette sends its simple headers whatever the origin.
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(headers[ACCESS_CONTROL_EXPOSE_HEADERS], "x-request-id");
}

#[tokio::test]
async fn wildcard_simple_responses_use_star_unless_cookies_are_sent() {
    let service = CorsLayer::new(&WILDCARD).layer(ok_service());
    let response = service
        .oneshot(get_from("https://anyone.test"))
        .await
        .expect("infallible");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(!response.headers().contains_key(VARY));

    let mut request = get_from("https://anyone.test");
    request
        .headers_mut()
        .insert(COOKIE, HeaderValue::from_static("session=1"));
    let service = CorsLayer::new(&WILDCARD).layer(ok_service());
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://anyone.test");
    assert_eq!(header_values(&response, "vary"), ["Origin"]);
}

#[tokio::test]
async fn options_without_request_method_is_a_simple_request() {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api")
        .header(ORIGIN, APP)
        .body(Body::empty())
        .expect("valid request");
    let service = CorsLayer::new(&LISTED).layer(ok_service());
    let response = service.oneshot(request).await.expect("infallible");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
    assert_eq!(body_string(response).await, "inner");
}

#[test]
#[should_panic(expected = "strata: cors allow_origin_regex")]
fn an_invalid_regex_fails_at_start_up() {
    static BAD: CorsPolicy = wildcard(false, "GET", Some("(unclosed"));
    let _ = CorsLayer::new(&BAD);
}

/// 70 bytes: longer than the 64-byte buffer `allows_header` lowercases on
/// the stack, so it takes the byte-by-byte path.
const LONG_HEADER: &str = "x-a-header-name-longer-than-sixty-four-bytes-for-the-slow-path-000000";

static LONG_HEADERS: CorsPolicy = CorsPolicy {
    allow_all_origins: false,
    origins: &["https://app.example.com"],
    origin_regex: None,
    allow_all_methods: false,
    methods: &["GET"],
    allow_all_headers: false,
    headers: &[
        "accept",
        "accept-language",
        "content-language",
        "content-type",
        LONG_HEADER,
    ],
    allow_credentials: false,
    expose_headers: None,
    preflight_allow_methods: HeaderValue::from_static("GET"),
    preflight_allow_headers: None,
    max_age: HeaderValue::from_static("600"),
};

#[tokio::test]
async fn header_names_of_any_length_are_compared_ignoring_case() {
    assert!(LONG_HEADERS.headers.is_sorted());
    let shouting = LONG_HEADER.to_ascii_uppercase();
    let almost = format!("{}1", &LONG_HEADER[..LONG_HEADER.len() - 1]);
    for (requested, allowed) in [
        (format!("{LONG_HEADER}, Content-Type"), true),
        (format!("{shouting},accept"), true),
        (almost, false),
        (format!("{LONG_HEADER}x"), false),
    ] {
        let response = answer(&LONG_HEADERS, preflight(APP, "GET", Some(&requested))).await;
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(response.status(), expected, "{requested}");
    }
}
