//! End to end over real sockets: a stack from `#[strata::stack]`, served by
//! `axum::serve` on loopback, spoken to by an HTTP/1.1 client.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::BodyExt;
use std::io::Read;
use std::sync::Arc;
use support::{empty, request, send, send_streaming, serve};
use tokio::sync::Notify;

const APP_ORIGIN: &str = "https://app.example.com";

fn big_json() -> String {
    let items: Vec<String> = (0..60)
        .map(|i| format!("{{\"id\":{i},\"name\":\"item number {i}\"}}"))
        .collect();
    format!("[{}]", items.join(","))
}

#[strata::stack(
    trusted_host(allowed_hosts = ["localhost", "127.0.0.1", "*.example.com", "www.shop.test"]),
    cors(
        allow_origins = ["https://app.example.com"],
        allow_origin_regex = "https://[a-z0-9]+\\.preview\\.example\\.com",
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id"],
        max_age = 600,
    ),
    compression(minimum_size = 500),
    request_id,
    access_log(exclude_paths = ["/health"]),
    catch_panic,
    timing,
)]
fn app(release: Arc<Notify>) -> Router {
    Router::new()
        .route("/", get(|| async { "hi" }))
        .route(
            "/big",
            get(|| async { ([("content-type", "application/json")], big_json()) }),
        )
        .route("/small", get(|| async { "x".repeat(100) }))
        .route("/panic", get(explode))
        .route("/unauthorized", get(|| async { (StatusCode::UNAUTHORIZED, "no") }))
        .route(
            "/id",
            get(|id: strata::RequestId| async move { id.as_str().to_owned() }),
        )
        .route(
            "/stream",
            get(move || {
                let release = release.clone();
                async move {
                    let chunks = futures_util::stream::unfold(0u8, move |step| {
                        let release = release.clone();
                        async move {
                            match step {
                                0 => Some((Ok::<_, std::io::Error>(Bytes::from_static(b"first;")), 1)),
                                1 => {
                                    // The handler is not finished until the test says so.
                                    release.notified().await;
                                    Some((Ok(Bytes::from_static(b"last")), 2))
                                }
                                _ => None,
                            }
                        }
                    });
                    Body::from_stream(chunks)
                }
            }),
        )
}

async fn start() -> (std::net::SocketAddr, Arc<Notify>) {
    let release = Arc::new(Notify::new());
    (serve(app(release.clone())).await, release)
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> support::Request {
    let mut builder = request("OPTIONS", "/")
        .header("origin", origin)
        .header("access-control-request-method", method);
    if let Some(headers) = headers {
        builder = builder.header("access-control-request-headers", headers);
    }
    empty(builder)
}

#[tokio::test]
async fn an_allowed_preflight_is_answered_with_the_allow_headers() {
    let (address, _) = start().await;
    let response = send(
        address,
        preflight(APP_ORIGIN, "POST", Some("Authorization, content-type")),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "OK");
    assert_eq!(response.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert_eq!(response.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(response.header("access-control-allow-methods"), Some("GET, POST"));
    assert_eq!(response.header("access-control-max-age"), Some("600"));
    let allowed = response.header("access-control-allow-headers").unwrap();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert_eq!(
        response.all("vary"),
        [
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
        ]
    );
    // Answered by CORS itself: the app (which has no OPTIONS route) never saw it,
    // yet the request ID and timing layers outside and inside... only outside ran.
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn a_denied_preflight_is_a_400_naming_only_what_failed() {
    let (address, _) = start().await;
    let everything = send(address, preflight("https://evil.example.org", "DELETE", Some("x-evil"))).await;
    assert_eq!(everything.status, StatusCode::BAD_REQUEST);
    assert_eq!(everything.text(), "Disallowed CORS origin, method, headers");
    assert_eq!(everything.header("access-control-allow-origin"), None);

    let method_only = send(address, preflight(APP_ORIGIN, "DELETE", None)).await;
    assert_eq!(method_only.status, StatusCode::BAD_REQUEST);
    assert_eq!(method_only.text(), "Disallowed CORS method");

    let headers_only = send(address, preflight(APP_ORIGIN, "GET", Some("content-type, x-evil"))).await;
    assert_eq!(headers_only.text(), "Disallowed CORS headers");

    // Safelisted request headers are always allowed, even unlisted.
    let safelisted = send(
        address,
        preflight(APP_ORIGIN, "GET", Some("accept-language, content-language")),
    )
    .await;
    assert_eq!(safelisted.status, StatusCode::OK);
}

#[tokio::test]
async fn simple_responses_carry_credentials_expose_headers_and_vary() {
    let (address, _) = start().await;
    let response = send(address, empty(request("GET", "/").header("origin", APP_ORIGIN))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "hi");
    assert_eq!(response.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert_eq!(response.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(response.header("access-control-expose-headers"), Some("x-request-id"));
    assert!(response.all("vary").contains(&"Origin"));
}

#[tokio::test]
async fn a_disallowed_origin_gets_no_allow_origin_and_no_origin_gets_only_vary() {
    let (address, _) = start().await;
    let foreign = send(
        address,
        empty(request("GET", "/").header("origin", "https://evil.example.org")),
    )
    .await;
    assert_eq!(
        foreign.status,
        StatusCode::OK,
        "CORS is enforced by the browser, not by refusing"
    );
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    // Both answers depend on Origin, so a cache must key on it (Fetch §3.2.5).
    assert!(foreign.all("vary").contains(&"Origin"));

    let same_origin = send(address, empty(request("GET", "/"))).await;
    assert_eq!(same_origin.header("access-control-allow-origin"), None);
    assert_eq!(same_origin.header("access-control-allow-credentials"), None);
    assert!(same_origin.all("vary").contains(&"Origin"));
}

#[tokio::test]
async fn the_origin_regex_is_a_full_match() {
    let (address, _) = start().await;
    let preview = "https://pr42.preview.example.com";
    let allowed = send(address, empty(request("GET", "/").header("origin", preview))).await;
    assert_eq!(allowed.header("access-control-allow-origin"), Some(preview));

    for lookalike in [
        "https://pr42.preview.example.com.evil.org",
        "http://pr42.preview.example.com",
        "xhttps://pr42.preview.example.com",
    ] {
        let refused = send(address, empty(request("GET", "/").header("origin", lookalike))).await;
        assert_eq!(refused.header("access-control-allow-origin"), None, "{lookalike}");
    }
}

#[tokio::test]
async fn error_responses_from_inside_keep_their_cors_headers() {
    let (address, _) = start().await;
    let response = send(
        address,
        empty(request("GET", "/unauthorized").header("origin", APP_ORIGIN)),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert_eq!(response.header("access-control-allow-credentials"), Some("true"));
}

#[tokio::test]
async fn a_panic_becomes_a_500_with_cors_headers_and_the_request_id() {
    let (address, _) = start().await;
    let response = send(
        address,
        empty(
            request("GET", "/panic")
                .header("origin", APP_ORIGIN)
                .header("x-request-id", "trace-panic-1"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"detail":"Internal server error"}"#);
    assert_eq!(response.header("access-control-allow-origin"), Some(APP_ORIGIN));
    assert_eq!(response.header("x-request-id"), Some("trace-panic-1"));
    // The server survived: the next request is served.
    assert_eq!(send(address, empty(request("GET", "/"))).await.status, StatusCode::OK);
}

#[tokio::test]
async fn untrusted_hosts_get_400_and_trusted_ones_pass() {
    let (address, _) = start().await;
    let refused = send(address, empty(request("GET", "/").header("host", "evil.example.org"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.text(), "Invalid host header");
    // The rejection still went through request_id, which is outside.
    assert!(refused.header("x-request-id").is_some());

    for host in ["api.example.com", "a.b.example.com", "LOCALHOST:8080", "127.0.0.1:3000"] {
        let response = send(address, empty(request("GET", "/").header("host", host))).await;
        assert_eq!(response.status, StatusCode::OK, "{host}");
    }
    // A wildcard covers subdomains, not the apex.
    let apex = send(address, empty(request("GET", "/").header("host", "example.com"))).await;
    assert_eq!(apex.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_bare_domain_redirects_to_its_allowed_www_host() {
    let (address, _) = start().await;
    let response = send(
        address,
        empty(request("GET", "/cart?item=3").header("host", "shop.test")),
    )
    .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("//www.shop.test/cart?item=3"));
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).unwrap();
    text
}

#[tokio::test]
async fn large_bodies_are_gzipped_when_the_client_accepts_it() {
    let (address, _) = start().await;
    let response = send(address, empty(request("GET", "/big").header("accept-encoding", "gzip"))).await;
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert!(
        response
            .all("vary")
            .iter()
            .any(|v| v.eq_ignore_ascii_case("accept-encoding"))
    );
    assert!(response.body.len() < big_json().len());
    assert_eq!(gunzip(&response.body), big_json());
}

#[tokio::test]
async fn compression_is_skipped_when_not_accepted_or_too_small() {
    let (address, _) = start().await;
    let not_asked = send(address, empty(request("GET", "/big"))).await;
    assert_eq!(not_asked.header("content-encoding"), None);
    assert_eq!(not_asked.text(), big_json());

    let refused = send(
        address,
        empty(request("GET", "/big").header("accept-encoding", "gzip;q=0, identity")),
    )
    .await;
    assert_eq!(refused.header("content-encoding"), None);

    let small = send(
        address,
        empty(request("GET", "/small").header("accept-encoding", "gzip")),
    )
    .await;
    assert_eq!(small.header("content-encoding"), None);
    assert_eq!(small.body.len(), 100);
}

#[tokio::test]
async fn a_valid_request_id_is_kept_and_an_invalid_one_replaced() {
    let (address, _) = start().await;
    let kept = send(address, empty(request("GET", "/id").header("x-request-id", "abc-123"))).await;
    assert_eq!(kept.header("x-request-id"), Some("abc-123"));
    assert_eq!(kept.text(), "abc-123", "handlers see the same ID through the extractor");

    let generated = send(address, empty(request("GET", "/id"))).await;
    let id = generated.header("x-request-id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(id.matches('-').count(), 4);
    assert_eq!(generated.text(), id);

    let too_long = "a".repeat(129);
    for invalid in [too_long.as_str(), "has space"] {
        let replaced = send(address, empty(request("GET", "/id").header("x-request-id", invalid))).await;
        let id = replaced.header("x-request-id").unwrap();
        assert_ne!(id, invalid);
        assert_eq!(id.len(), 36);
    }
}

#[tokio::test]
async fn timing_is_set_on_the_head_of_a_streaming_response() {
    let (address, release) = start().await;
    let response = send_streaming(address, empty(request("GET", "/stream"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let seconds = response
        .headers()
        .get("x-process-time")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let (integer, decimals) = seconds.split_once('.').unwrap();
    assert!(integer.parse::<u64>().is_ok() && decimals.len() == 4, "{seconds}");

    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    // The head and the first chunk arrived while the handler is still
    // waiting to be released: nothing in the stack buffered the body.
    assert_eq!(&first[..], b"first;");
    release.notify_one();
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"last");
}

/// A handler with a bug: strata turns the panic into a 500.
async fn explode() -> &'static str {
    panic!("a handler bug")
}

#[tokio::test]
async fn two_host_headers_are_refused() {
    let (address, _) = start().await;
    let request = empty(
        request("GET", "/")
            .header("host", "localhost")
            .header("host", "evil.example.org"),
    );
    let response = send(address, request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}
