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

use super::{CorsLayer, CorsPolicy, OriginRegex};
use crate::test_util::{body_string, header_values, ok_service, unreachable_service};

const APP: &str = "https://app.example.com";
/// Starlette 1.10's preflight `Vary`.
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";
const REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
const ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";
/// What the generator writes for `allow_methods = ["*"]`: Starlette's list.
const STARLETTE_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"];

/// Like `allow_origins = [app, b]`, a preview regex, credentials, two methods.
static LISTED: CorsPolicy = CorsPolicy {
    allow_all_origins: false,
    origins: &["https://app.example.com", "https://b.example.com"],
    origin_regex: Some(r"https://[a-z0-9]+\.preview\.example\.com"),
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
    allow_private_network: false,
    expose_headers: Some(HeaderValue::from_static("x-request-id")),
    preflight_allow_methods: HeaderValue::from_static("GET, POST"),
    preflight_allow_headers: Some(HeaderValue::from_static(
        "accept, accept-language, authorization, content-language, content-type, x-custom",
    )),
    max_age: HeaderValue::from_static("600"),
};

/// Like `allow_origins = ["*"], allow_headers = ["*"]`, no credentials.
static WILDCARD: CorsPolicy = wildcard(&["GET"], "GET", None, false);

/// The wildcard policy, varied. (`..OTHER` does not work in a `static`: the
/// replaced `HeaderValue` fields would need a compile-time destructor.)
const fn wildcard(
    methods: &'static [&'static str],
    allow_methods: &'static str,
    origin_regex: Option<&'static str>,
    allow_private_network: bool,
) -> CorsPolicy {
    CorsPolicy {
        allow_all_origins: true,
        origins: &[],
        origin_regex,
        methods,
        allow_all_headers: true,
        headers: &["accept", "accept-language", "content-language", "content-type"],
        allow_credentials: false,
        allow_private_network,
        expose_headers: None,
        preflight_allow_methods: HeaderValue::from_static(allow_methods),
        preflight_allow_headers: None,
        max_age: HeaderValue::from_static("600"),
    }
}

/// `allow_methods = ["*"]` as the generator writes it.
static ALL_METHODS: CorsPolicy = wildcard(
    STARLETTE_METHODS,
    "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY",
    None,
    false,
);

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

fn private_network_preflight(origin: &str, method: &str, headers: Option<&str>) -> Request<Body> {
    let mut request = preflight(origin, method, headers);
    request
        .headers_mut()
        .insert(REQUEST_PRIVATE_NETWORK, HeaderValue::from_static("true"));
    request
}

async fn answer(policy: &'static CorsPolicy, request: Request<Body>) -> Response<Body> {
    let service = CorsLayer::new(policy).layer(unreachable_service());
    service.oneshot(request).await.expect("infallible")
}

async fn simple(policy: &'static CorsPolicy, request: Request<Body>) -> Response<Body> {
    let service = CorsLayer::new(policy).layer(ok_service());
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
    with_vary(&["Accept-Encoding"], StatusCode::UNAUTHORIZED)
}

/// An inner service answering `status` with these `Vary` fields (and a stale
/// CORS header the layer must overwrite).
fn with_vary(
    vary: &'static [&'static str],
    status: StatusCode,
) -> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future = impl Send> + Clone
{
    service_fn(move |_request: Request<Body>| async move {
        let mut response = Response::new(Body::from(r#"{"detail":"Missing token"}"#));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        for value in vary {
            headers.append(VARY, HeaderValue::from_static(value));
        }
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("stale"));
        Ok(response)
    })
}

#[tokio::test]
async fn requests_without_origin_get_only_vary_origin() {
    for policy in [&LISTED, &WILDCARD] {
        let response = simple(policy, Request::new(Body::empty())).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().len(), 1, "{:?}", response.headers());
        assert_eq!(header_values(&response, "vary"), ["Origin"]);
        assert_eq!(body_string(response).await, "inner");
    }
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
    assert_eq!(header_values(&response, "vary"), [PREFLIGHT_VARY]);
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET, POST");
    assert_eq!(headers[ACCESS_CONTROL_MAX_AGE], "600");
    assert_eq!(
        headers[ACCESS_CONTROL_ALLOW_HEADERS],
        "accept, accept-language, authorization, content-language, content-type, x-custom"
    );
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert!(!headers.contains_key(ACCESS_CONTROL_EXPOSE_HEADERS));
    assert!(!headers.contains_key(ALLOW_PRIVATE_NETWORK));
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
        assert_eq!(header_values(&response, "vary"), [PREFLIGHT_VARY]);
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

/// Every combination of the four parts a preflight can fail on gets
/// Starlette's body: `"Disallowed CORS " + ", ".join(failures)`.
#[tokio::test]
async fn every_combination_of_failures_is_named_in_starlettes_order() {
    for failed in 0..16u8 {
        let [origin, method, headers, private_network] = [1, 2, 4, 8].map(|bit| failed & bit != 0);
        let mut request = preflight(
            if origin { "https://evil.com" } else { APP },
            if method { "DELETE" } else { "GET" },
            Some(if headers { "x-other" } else { "x-custom" }),
        );
        if private_network {
            request
                .headers_mut()
                .insert(REQUEST_PRIVATE_NETWORK, HeaderValue::from_static("true"));
        }
        let names: Vec<&str> = [
            (origin, "origin"),
            (method, "method"),
            (headers, "headers"),
            (private_network, "private-network"),
        ]
        .into_iter()
        .filter_map(|(failed, name)| failed.then_some(name))
        .collect();
        let expected = if names.is_empty() {
            "OK".to_owned()
        } else {
            format!("Disallowed CORS {}", names.join(", "))
        };
        let response = answer(&LISTED, request).await;
        let status = if names.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(response.status(), status, "{expected}");
        assert_eq!(body_string(response).await, expected);
    }
}

#[tokio::test]
async fn private_network_preflights_need_allow_private_network() {
    static PRIVATE: CorsPolicy = wildcard(&["GET"], "GET", None, true);

    // Allowed: the answer says so, only when asked.
    let response = answer(&PRIVATE, private_network_preflight("https://a.test", "GET", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[ALLOW_PRIVATE_NETWORK], "true");
    assert_eq!(header_values(&response, "vary"), [PREFLIGHT_VARY]);
    assert_eq!(body_string(response).await, "OK");
    let response = answer(&PRIVATE, preflight("https://a.test", "GET", None)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key(ALLOW_PRIVATE_NETWORK));

    // Starlette tests the header's presence, not its value.
    let mut request = preflight("https://a.test", "GET", None);
    request
        .headers_mut()
        .insert(REQUEST_PRIVATE_NETWORK, HeaderValue::from_static("false"));
    let response = answer(&WILDCARD, request).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_string(response).await, "Disallowed CORS private-network");

    // Not allowed: a 400 without the allow header.
    let response = answer(&WILDCARD, private_network_preflight("https://a.test", "GET", None)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(!response.headers().contains_key(ALLOW_PRIVATE_NETWORK));
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(body_string(response).await, "Disallowed CORS private-network");

    // Allowed but something else failed: the header stays, as in Starlette.
    let response = answer(&PRIVATE, private_network_preflight("https://a.test", "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[ALLOW_PRIVATE_NETWORK], "true");
    assert_eq!(body_string(response).await, "Disallowed CORS method");

    // A simple request never gets it.
    let mut request = get_from("https://a.test");
    request
        .headers_mut()
        .insert(REQUEST_PRIVATE_NETWORK, HeaderValue::from_static("true"));
    let response = simple(&PRIVATE, request).await;
    assert!(!response.headers().contains_key(ALLOW_PRIVATE_NETWORK));
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
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

#[test]
fn every_alternative_is_tried_against_the_whole_origin() {
    // A leftmost-first search stops at the first branch ("https://a.test")
    // and an "ends at the end" check after it would refuse the port; the
    // anchors in the automaton try the second branch too, as `re.fullmatch`.
    let regex = OriginRegex::new(r"https://a\.test|https://a\.test:8443").expect("compiles");
    assert!(regex.is_match("https://a.test"));
    assert!(regex.is_match("https://a.test:8443"));
    assert!(!regex.is_match("https://a.test:8444"));
    // `^`/`$` written by the user, and multi-line mode, change nothing: the
    // origin has no line breaks and the outer anchors are absolute.
    let regex = OriginRegex::new(r"(?m)^https://b\.test$").expect("compiles");
    assert!(regex.is_match("https://b.test"));
    assert!(!regex.is_match("https://b.test.evil.com"));
}

#[test]
fn a_pattern_that_would_escape_a_string_wrapper_does_not_compile() {
    // `^(?:a)|(.*)$` would match anything; parsed alone it is unbalanced.
    let error = OriginRegex::new("a)|(.*").expect_err("unbalanced");
    assert!(error.to_string().contains("unopened group"), "{error}");
    assert!(OriginRegex::new("(a").is_err());
    // The size limit of `regex::Regex::new` applies.
    assert!(OriginRegex::new(r"\w{2000}{2000}").is_err());
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
    assert_eq!(header_values(&response, "vary"), [PREFLIGHT_VARY]);
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_HEADERS], "X-Anything, x-else");
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_METHODS], "GET");
    assert!(!headers.contains_key(ACCESS_CONTROL_ALLOW_CREDENTIALS));

    let response = answer(&WILDCARD, preflight("https://anyone.test", "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(!response.headers().contains_key(ACCESS_CONTROL_ALLOW_HEADERS));
    assert_eq!(body_string(response).await, "Disallowed CORS method");
}

#[tokio::test]
async fn all_methods_is_starlettes_list_and_nothing_else() {
    for method in STARLETTE_METHODS {
        let response = answer(&ALL_METHODS, preflight("https://a.test", method, None)).await;
        assert_eq!(response.status(), StatusCode::OK, "{method}");
        assert_eq!(
            response.headers()[ACCESS_CONTROL_ALLOW_METHODS],
            "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"
        );
    }
    for method in ["CUSTOM", "PROPFIND", "get", "Query"] {
        let response = answer(&ALL_METHODS, preflight("https://a.test", method, None)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{method}");
        assert_eq!(body_string(response).await, "Disallowed CORS method", "{method}");
    }
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
async fn disallowed_origin_gets_no_allow_origin_but_vary_origin() {
    let response = simple(&LISTED, get_from("https://evil.com")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert!(!headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    // A cache keyed without Origin would hand this CORS-less copy to the
    // allowed origin (Fetch §3.2.5).
    assert_eq!(header_values(&response, "vary"), ["Origin"]);
    // Starlette sends its simple headers whatever the origin.
    assert_eq!(headers[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(headers[ACCESS_CONTROL_EXPOSE_HEADERS], "x-request-id");
}

#[tokio::test]
async fn vary_origin_is_appended_once_and_never_replaces() {
    for (inner, expected) in [
        (&[][..], &["Origin"][..]),
        (&["Accept-Encoding"], &["Accept-Encoding", "Origin"]),
        (
            &["Accept-Encoding", "Accept-Language"],
            &["Accept-Encoding", "Accept-Language", "Origin"],
        ),
        // Already there, in any case or position: not repeated.
        (&["origin"], &["origin"]),
        (&["Accept-Encoding,Origin"], &["Accept-Encoding,Origin"]),
        (&["Accept-Encoding", " ORIGIN "], &["Accept-Encoding", " ORIGIN "]),
        // `*` already varies on everything.
        (&["*"], &["*"]),
        // A token that merely contains the word is another header.
        (&["X-Origin-Hint"], &["X-Origin-Hint", "Origin"]),
    ] {
        for request in [get_from(APP), get_from("https://evil.com"), Request::new(Body::empty())] {
            let service = CorsLayer::new(&LISTED).layer(with_vary(inner, StatusCode::OK));
            let response = service.oneshot(request).await.expect("infallible");
            assert_eq!(header_values(&response, "vary"), expected, "{inner:?}");
        }
    }
}

#[tokio::test]
async fn wildcard_simple_responses_use_star_also_with_cookies() {
    let response = simple(&WILDCARD, get_from("https://anyone.test")).await;
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(header_values(&response, "vary"), ["Origin"]);

    // Starlette ≥ 1.0: without credentials a cookie changes nothing.
    let mut request = get_from("https://anyone.test");
    request
        .headers_mut()
        .insert(COOKIE, HeaderValue::from_static("session=1"));
    let response = simple(&WILDCARD, request).await;
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(header_values(&response, "vary"), ["Origin"]);
}

#[tokio::test]
async fn a_hand_written_wildcard_with_credentials_echoes_the_origin() {
    // strata refuses to generate this (S0101); the runtime still behaves as
    // Starlette does for a hand-written policy.
    static STAR_WITH_CREDENTIALS: CorsPolicy = CorsPolicy {
        allow_all_origins: true,
        origins: &[],
        origin_regex: None,
        methods: &["GET"],
        allow_all_headers: false,
        headers: &["accept", "accept-language", "content-language", "content-type"],
        allow_credentials: true,
        allow_private_network: false,
        expose_headers: None,
        preflight_allow_methods: HeaderValue::from_static("GET"),
        preflight_allow_headers: None,
        max_age: HeaderValue::from_static("600"),
    };
    let response = simple(&STAR_WITH_CREDENTIALS, get_from("https://anyone.test")).await;
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "https://anyone.test");
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
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
    let response = simple(&LISTED, request).await;
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
    assert_eq!(header_values(&response, "vary"), ["Origin"]);
    assert_eq!(body_string(response).await, "inner");
}

#[test]
#[should_panic(expected = "strata: cors allow_origin_regex")]
fn an_invalid_regex_fails_at_start_up() {
    static BAD: CorsPolicy = wildcard(&["GET"], "GET", Some("(unclosed"), false);
    let _ = CorsLayer::new(&BAD);
}

/// 70 bytes: longer than the 64-byte buffer `allows_header` lowercases on
/// the stack, so it takes the byte-by-byte path.
const LONG_HEADER: &str = "x-a-header-name-longer-than-sixty-four-bytes-for-the-slow-path-000000";

static LONG_HEADERS: CorsPolicy = CorsPolicy {
    allow_all_origins: false,
    origins: &["https://app.example.com"],
    origin_regex: None,
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
    allow_private_network: false,
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
