//! End to end over real sockets: `api_key`, its keys from the environment.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get};
use support::{empty, request, send, serve};

const KEYS_VARIABLE: &str = "STRATA_E2E_API_KEYS";
const KEY: &str = "sk_live_4f3c2a1b0e9d8c7b6a5f4e3d";

#[strata::stack(
    request_id,
    cors(allow_origins = ["https://app.example.com"]),
    api_key(keys_env = "STRATA_E2E_API_KEYS", public_paths = ["/health"]),
)]
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "secret data" }))
        .route("/health", get(|| async { "ok" }))
}

/// Handlers that answer every method (`any()`, `route_service`, the
/// fallback), each counting the requests that reached it.
fn catch_all_routes(hits: Arc<AtomicUsize>) -> Router {
    let counted = |hits: Arc<AtomicUsize>| {
        move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async { "handler ran" }
        }
    };
    let service_hits = hits.clone();
    let service = tower::service_fn(move |_request: axum::extract::Request| {
        service_hits.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, std::convert::Infallible>(axum::response::IntoResponse::into_response("handler ran")) }
    });
    Router::new()
        .route("/admin", any(counted(hits.clone())))
        .route_service("/service", service)
        .fallback(counted(hits))
}

#[strata::stack(
    cors(allow_origins = ["https://app.example.com"], allow_methods = ["GET", "DELETE"], allow_headers = ["x-api-key"]),
    api_key(keys_env = "STRATA_E2E_API_KEYS"),
)]
fn catch_all_app(hits: Arc<AtomicUsize>) -> Router {
    catch_all_routes(hits)
}

#[strata::stack(api_key(keys_env = "STRATA_E2E_SURELY_UNSET_KEYS"))]
fn unconfigured() -> Router {
    Router::new()
}

#[strata::stack(api_key(keys_env = "STRATA_E2E_SURELY_UNSET_KEYS"))]
fn unconfigured_fallible() -> Result<Router, strata::MissingEnv> {
    Ok(Router::new())
}

async fn start() -> std::net::SocketAddr {
    let stack = temp_env::with_var(KEYS_VARIABLE, Some(format!("old-key-0000, {KEY}")), app);
    serve(stack).await
}

#[tokio::test]
async fn a_configured_key_gets_in_and_so_does_the_old_one_during_rotation() {
    let address = start().await;
    for key in [KEY, "old-key-0000"] {
        let response = send(address, empty(request("GET", "/").header("x-api-key", key))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.text(), "secret data");
    }
}

#[tokio::test]
async fn attack_a_wrong_key_of_the_right_length_is_refused() {
    let address = start().await;
    // Same length, same prefix, last byte differs.
    let mut forged = KEY.to_string();
    forged.pop();
    forged.push('e');
    assert_eq!(forged.len(), KEY.len());
    let response = send(
        address,
        empty(
            request("GET", "/")
                .header("x-api-key", forged.as_str())
                .header("origin", "https://app.example.com"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"detail":"Invalid API key"}"#);
    // The 403 keeps its CORS headers, so the page can read it.
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
}

#[tokio::test]
async fn a_missing_key_is_refused_and_public_paths_need_none() {
    let address = start().await;
    let response = send(address, empty(request("GET", "/"))).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.text(), r#"{"detail":"Invalid API key"}"#);
    let response = send(address, empty(request("GET", "/health"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ok");
}

#[tokio::test]
async fn attack_options_without_a_key_never_reaches_a_catch_all_handler_while_cors_answers_preflights() {
    let hits = Arc::new(AtomicUsize::new(0));
    let stack = temp_env::with_var(KEYS_VARIABLE, Some(KEY), || catch_all_app(hits.clone()));
    let address = serve(stack).await;
    for path in ["/admin", "/service", "/not-routed"] {
        let response = send(address, empty(request("OPTIONS", path))).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "OPTIONS {path}");
        assert_eq!(response.text(), r#"{"detail":"Invalid API key"}"#);
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no handler may run without a key");
    // A browser's preflight (no key: browsers never send credentials on one)
    // is answered 200 by cors, which wraps api_key; the handler never sees it.
    let response = send(
        address,
        empty(
            request("OPTIONS", "/admin")
                .header("origin", "https://app.example.com")
                .header("access-control-request-method", "DELETE")
                .header("access-control-request-headers", "x-api-key"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "OK");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    // With the key, the handlers answer OPTIONS like any other method.
    for path in ["/admin", "/service", "/not-routed"] {
        let response = send(address, empty(request("OPTIONS", path).header("x-api-key", KEY))).await;
        assert_eq!(response.status, StatusCode::OK, "OPTIONS {path}");
        assert_eq!(response.text(), "handler ran");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[test]
fn a_missing_variable_stops_the_app_at_start_up_naming_it() {
    let panic = std::panic::catch_unwind(unconfigured)
        .err()
        .expect("app() must not build");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(
        message,
        "strata: environment variable `STRATA_E2E_SURELY_UNSET_KEYS` is not set (needed by `api_key.keys_env`)"
    );
    let error = unconfigured_fallible().err().expect("an Err, not a panic");
    assert_eq!(error.variable, "STRATA_E2E_SURELY_UNSET_KEYS");
}
