//! End to end over real sockets: `cors` as Starlette 1.10 answers, and the
//! `Vary` a shared cache needs. Each stack is compiled by `#[strata::stack]`,
//! served by `axum::serve` on loopback and spoken to by an HTTP/1.1 client.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use support::{Received, empty, request, send, serve};

const APP: &str = "https://app.example.com";
const PREVIEW: &str = "https://pr-42.preview.example.com";
/// Starlette 1.10's preflight `Vary`, token for token.
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";
const STARLETTE_METHODS: &str = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY";

fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { "hi" }))
        .route("/vary", get(|| async { ([("vary", "Accept-Encoding")], "varies") }))
        .route(
            "/vary-origin",
            get(|| async { ([("vary", "accept-language, origin")], "already") }),
        )
        .route("/denied", get(|| async { (StatusCode::FORBIDDEN, "no") }))
}

/// Explicit origins: a list and a tight preview regex, with credentials.
#[strata::stack(cors(
    allow_origins = ["https://app.example.com"],
    allow_origin_regex = "https://[a-z0-9-]+\\.preview\\.example\\.com",
    allow_credentials = true,
    allow_methods = ["GET", "POST"],
    allow_headers = ["authorization"],
))]
fn explicit() -> Router {
    routes()
}

/// Everything open, without credentials.
#[strata::stack(cors(allow_origins = ["*"], allow_methods = ["*"], allow_headers = ["*"]))]
fn open() -> Router {
    routes()
}

/// A page on the public web may reach this private-network API.
#[strata::stack(cors(allow_origins = ["https://app.example.com"], allow_private_network = true))]
fn private_network() -> Router {
    routes()
}

fn get_from(path: &str, origin: Option<&str>) -> support::Request {
    let mut builder = request("GET", path);
    if let Some(origin) = origin {
        builder = builder.header("origin", origin);
    }
    empty(builder)
}

fn preflight(origin: &str, method: &str, private_network: bool) -> support::Request {
    let mut builder = request("OPTIONS", "/")
        .header("origin", origin)
        .header("access-control-request-method", method);
    if private_network {
        builder = builder.header("access-control-request-private-network", "true");
    }
    empty(builder)
}

/// Every token of every `Vary` field, in order.
fn vary_tokens(response: &Received) -> Vec<String> {
    response
        .all("vary")
        .iter()
        .flat_map(|field| field.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .collect()
}

#[tokio::test]
async fn with_explicit_origins_every_response_varies_on_origin() {
    let address = serve(explicit()).await;
    for origin in [None, Some(APP), Some(PREVIEW), Some("https://evil.example.org")] {
        let response = send(address, get_from("/", origin)).await;
        assert_eq!(response.status, StatusCode::OK, "{origin:?}");
        assert_eq!(vary_tokens(&response), ["origin"], "{origin:?}");
        let echoed = origin.filter(|origin| *origin != "https://evil.example.org");
        assert_eq!(response.header("access-control-allow-origin"), echoed, "{origin:?}");
    }
    // An error from inside, for a refused origin, still varies.
    let refused = send(address, get_from("/denied", Some("https://evil.example.org"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(vary_tokens(&refused), ["origin"]);
}

#[tokio::test]
async fn vary_origin_is_appended_to_the_apps_vary_once() {
    let address = serve(explicit()).await;
    for origin in [None, Some(APP), Some("https://evil.example.org")] {
        let response = send(address, get_from("/vary", origin)).await;
        assert_eq!(vary_tokens(&response), ["accept-encoding", "origin"], "{origin:?}");
        let response = send(address, get_from("/vary-origin", origin)).await;
        assert_eq!(vary_tokens(&response), ["accept-language", "origin"], "{origin:?}");
    }
}

#[tokio::test]
async fn preflights_vary_on_every_request_header_they_read() {
    for address in [serve(explicit()).await, serve(open()).await] {
        let allowed = send(address, preflight(APP, "GET", false)).await;
        assert_eq!(allowed.status, StatusCode::OK);
        assert_eq!(allowed.all("vary"), [PREFLIGHT_VARY]);
        let refused = send(address, preflight(APP, "PROPFIND", false)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.all("vary"), [PREFLIGHT_VARY]);
    }
}

#[tokio::test]
async fn all_methods_is_starlettes_list_including_query() {
    let address = serve(open()).await;
    for method in ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"] {
        let response = send(address, preflight("https://anyone.test", method, false)).await;
        assert_eq!(response.status, StatusCode::OK, "{method}");
        assert_eq!(response.text(), "OK");
        assert_eq!(response.header("access-control-allow-methods"), Some(STARLETTE_METHODS));
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    }
    for method in ["CUSTOM", "PROPFIND", "get"] {
        let response = send(address, preflight("https://anyone.test", method, false)).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{method}");
        assert_eq!(response.text(), "Disallowed CORS method", "{method}");
        assert_eq!(response.header("access-control-allow-methods"), Some(STARLETTE_METHODS));
    }
}

#[tokio::test]
async fn a_wildcard_answers_star_also_to_a_request_with_cookies() {
    let address = serve(open()).await;
    let with_cookie = empty(
        request("GET", "/")
            .header("origin", "https://anyone.test")
            .header("cookie", "session=abc"),
    );
    let response = send(address, with_cookie).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(response.header("access-control-allow-credentials"), None);
    // Starlette 1.10 varies on Origin here too: with and without `Origin`
    // the answer differs (`*` or nothing).
    assert_eq!(vary_tokens(&response), ["origin"]);
    let same_origin = send(address, get_from("/", None)).await;
    assert_eq!(same_origin.header("access-control-allow-origin"), None);
    assert_eq!(vary_tokens(&same_origin), ["origin"]);
}

#[tokio::test]
async fn private_network_preflights_are_refused_unless_allowed() {
    let open = serve(open()).await;
    let refused = send(open, preflight("https://anyone.test", "GET", true)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.text(), "Disallowed CORS private-network");
    assert_eq!(refused.header("access-control-allow-private-network"), None);
    let both = send(open, preflight("https://anyone.test", "CUSTOM", true)).await;
    assert_eq!(both.text(), "Disallowed CORS method, private-network");
    // Without the request header nothing changes.
    assert_eq!(
        send(open, preflight("https://anyone.test", "GET", false)).await.status,
        StatusCode::OK
    );

    let allowing = serve(private_network()).await;
    let allowed = send(allowing, preflight(APP, "GET", true)).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.text(), "OK");
    assert_eq!(allowed.header("access-control-allow-private-network"), Some("true"));
    assert_eq!(allowed.header("access-control-allow-origin"), Some(APP));
    let foreign = send(allowing, preflight("https://evil.example.org", "GET", true)).await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(foreign.text(), "Disallowed CORS origin");
    let plain = send(allowing, preflight(APP, "GET", false)).await;
    assert_eq!(plain.header("access-control-allow-private-network"), None);
    // A simple request never gets it.
    let simple = send(
        allowing,
        empty(
            request("GET", "/")
                .header("origin", APP)
                .header("access-control-request-private-network", "true"),
        ),
    )
    .await;
    assert_eq!(simple.header("access-control-allow-private-network"), None);
    assert_eq!(simple.header("access-control-allow-origin"), Some(APP));
}

#[tokio::test]
async fn the_credentialed_regex_admits_its_previews_and_nothing_else() {
    let address = serve(explicit()).await;
    let allowed = send(address, preflight(PREVIEW, "POST", false)).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(PREVIEW));
    for lookalike in [
        "https://pr-42xpreview.example.com",
        "https://pr-42.previewxexample.com",
        "https://pr-42.preview.example.com.evil.invalid",
        "https://evil.invalid/https://pr-42.preview.example.com",
        "null",
    ] {
        let refused = send(address, preflight(lookalike, "POST", false)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{lookalike}");
        assert_eq!(refused.text(), "Disallowed CORS origin", "{lookalike}");
        assert_eq!(refused.header("access-control-allow-origin"), None, "{lookalike}");
    }
}

/// The compile-time check and the runtime build a pattern the same way: what
/// one refuses the other refuses, and they match the same origins.
#[test]
fn the_compile_time_check_and_the_runtime_agree_on_every_pattern() {
    use strata_codegen::middleware::cors::origin_regex::OriginRegex as Checked;
    use strata_runtime::cors::OriginRegex as Running;

    let origins = [
        "https://a.test",
        "https://a.test:8443",
        "https://axtest",
        "null",
        "https://evil.invalid",
        "",
    ];
    for pattern in [
        r"https://a\.test",
        r"https://a\.test|https://a\.test:8443",
        r"https://a.test",
        r"(?m)^https://a\.test$",
        r"(?i)HTTPS://A\.TEST",
        r".*",
        "a)|(.*",
        "(a",
        r"\w{2000}{2000}",
        r"[[:alpha:]",
        "",
    ] {
        let checked = Checked::new(pattern);
        let running = Running::new(pattern);
        assert_eq!(checked.is_ok(), running.is_ok(), "{pattern}");
        if let (Ok(checked), Ok(running)) = (checked, running) {
            for origin in origins {
                assert_eq!(checked.is_match(origin), running.is_match(origin), "{pattern} {origin}");
            }
        }
    }
}

/// A hand-written policy whose pattern would escape a `^(?:…)$` wrapper
/// does not start, rather than admit every origin with credentials.
#[test]
fn a_pattern_that_escapes_string_anchoring_refuses_to_start() {
    use strata_runtime::cors::{CorsLayer, CorsPolicy};
    static ESCAPING: CorsPolicy = CorsPolicy {
        allow_all_origins: false,
        origins: &[],
        origin_regex: Some("a)|(.*"),
        methods: &["GET"],
        allow_all_headers: false,
        headers: &["accept", "accept-language", "content-language", "content-type"],
        allow_credentials: true,
        allow_private_network: false,
        expose_headers: None,
        preflight_allow_methods: http::HeaderValue::from_static("GET"),
        preflight_allow_headers: None,
        max_age: http::HeaderValue::from_static("600"),
    };
    let started = std::panic::catch_unwind(|| CorsLayer::new(&ESCAPING));
    assert!(started.is_err());
}
