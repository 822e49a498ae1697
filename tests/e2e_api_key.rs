//! End to end over real sockets: `api_key`, its keys from the environment.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
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
