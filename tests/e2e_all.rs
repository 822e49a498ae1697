//! Every middleware in one stack, written in reverse canonical order: it
//! compiles to one concrete service, and a request passes through them all.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use support::{empty, request, send, serve};

#[strata::stack(
    timing,
    custom(name = "noop", layer = tower::layer::util::Identity::new()),
    api_key(keys_env = "STRATA_E2E_ALL_KEYS", public_paths = ["/public"]),
    jwt(secret_env = "STRATA_E2E_ALL_JWT", public_paths = ["/public"]),
    session(secret_env = "STRATA_E2E_ALL_SESSION"),
    body_limit(max = "1MB"),
    decompression,
    redirect_slashes,
    rate_limit(requests = 100, per = "1m"),
    block(user_agent_prefixes = ["BadBot"]),
    concurrency_limit(max_in_flight = 64),
    timeout(request = "10s", request_body = "5s"),
    catch_panic,
    compression,
    cors(allow_origins = ["https://app.example.com"]),
    security_headers,
    https_redirect,
    trusted_host(allowed_hosts = ["localhost"]),
    metrics,
    access_log,
    trace_context,
    request_id,
    proxy(trusted_proxies = ["127.0.0.1"]),
)]
fn app() -> Router {
    Router::new().route("/public", get(|| async { "public" })).route(
        "/private",
        get(|claims: strata::Claims, session: strata::Session| async move {
            session.insert("seen", true).unwrap();
            format!("hello {}", claims.subject().unwrap_or("?"))
        }),
    )
}

const JWT_SECRET: &str = "all-all-all-all-all-all-all-all-all-all";

async fn start() -> std::net::SocketAddr {
    let stack = temp_env::with_vars(
        [
            ("STRATA_E2E_ALL_KEYS", Some("key-1")),
            ("STRATA_E2E_ALL_JWT", Some(JWT_SECRET)),
            ("STRATA_E2E_ALL_SESSION", Some("all-session-all-session-all-session")),
        ],
        app,
    );
    serve(stack).await
}

#[tokio::test]
async fn a_request_passes_through_every_layer() {
    let address = start().await;
    let exp = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() + 60;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({"sub": "ann", "exp": exp}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let response = send(
        address,
        empty(
            request("GET", "/private")
                .header("x-forwarded-proto", "https")
                .header("x-api-key", "key-1")
                .header("authorization", format!("Bearer {token}"))
                .header("origin", "https://app.example.com"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "hello ann");
    for header in [
        "x-request-id",
        "x-process-time",
        "x-ratelimit-remaining",
        "strict-transport-security",
        "access-control-allow-origin",
        "set-cookie",
    ] {
        assert!(response.header(header).is_some(), "{header}");
    }
}

#[tokio::test]
async fn each_gate_answers_in_canonical_order() {
    let address = start().await;
    // No HTTPS: the redirect comes before anything inside it.
    let response = send(
        address,
        empty(request("GET", "/private").header("user-agent", "BadBot")),
    )
    .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    let secure = |path: &str| request("GET", path).header("x-forwarded-proto", "https");
    // Blocked before the limits, the session and auth.
    let response = send(address, empty(secure("/private").header("user-agent", "BadBot"))).await;
    assert_eq!(response.status, StatusCode::GONE);
    // Missing token: jwt answers before api_key (inside it) is asked.
    let response = send(address, empty(secure("/private"))).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    // Public paths pass both.
    let response = send(address, empty(secure("/public"))).await;
    assert_eq!(response.text(), "public");
}

/// The middlewares a `#[strata::stack(...)]` attribute in `source` names.
fn stack_entries(source: &str) -> Vec<String> {
    let Some(start) = source.find("#[strata::stack(") else {
        return Vec::new();
    };
    let attribute = &source[start + "#[strata::stack(".len()..];
    let attribute = &attribute[..attribute.find("\n)]").unwrap_or(attribute.len())];
    attribute
        .lines()
        .filter(|line| line.starts_with("    ") && !line.starts_with("     "))
        .map(|line| {
            let entry = line.trim();
            let end = entry.find(['(', ',']).unwrap_or(entry.len());
            entry[..end].to_string()
        })
        .collect()
}

/// The "every middleware" stacks stay complete: a middleware added to the
/// registry without being added to them fails here, naming it.
#[test]
fn every_registered_middleware_is_in_the_every_middleware_stacks() {
    for (file, source, left_out) in [
        ("tests/e2e_all.rs", include_str!("e2e_all.rs"), &[][..]),
        // No catch_panic there: a panic must not be hidden as a 500.
        (
            "tests/hostile_requests.rs",
            include_str!("hostile_requests.rs"),
            &["catch_panic", "custom"][..],
        ),
        // The fuzzed stack: a panic must reach the fuzzer.
        (
            "fuzz/entries.rs",
            include_str!("../fuzz/entries.rs"),
            &["catch_panic"][..],
        ),
    ] {
        let entries = stack_entries(source);
        for def in strata_codegen::middleware::REGISTRY {
            if left_out.contains(&def.name) {
                continue;
            }
            assert!(
                entries
                    .iter()
                    .any(|entry| entry == def.name || def.aliases.contains(&entry.as_str())),
                "{file}: the every-middleware stack lacks `{}` (has {entries:?})",
                def.name
            );
        }
    }
}
