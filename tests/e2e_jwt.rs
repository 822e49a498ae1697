//! End to end over real sockets: `jwt`, with an HMAC secret from the
//! environment and with an RSA public key file, and the attacks on both.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{any, get};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use support::{empty, request, send, serve};

const SECRET_VARIABLE: &str = "STRATA_E2E_JWT_SECRET";
const SECRET: &str = "e2e-secret-e2e-secret-e2e-secret-0123";
const RSA_PRIVATE: &[u8] = include_bytes!("fixtures/jwt_rs256_private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("fixtures/jwt_rs256_public.pem");

async fn whoami(claims: strata::Claims) -> String {
    format!(
        "{} admin={}",
        claims.subject().unwrap_or("?"),
        claims.get::<bool>("admin").unwrap_or(false)
    )
}

async fn maybe(claims: Option<strata::Claims>) -> String {
    claims.map_or("anonymous".into(), |c| c.subject().unwrap_or("?").to_string())
}

#[strata::stack(
    cors(allow_origins = ["https://app.example.com"], allow_headers = ["authorization"]),
    jwt(secret_env = "STRATA_E2E_JWT_SECRET", public_paths = ["/health", "/docs/*"], leeway = 5),
)]
fn hs256_app() -> Router {
    Router::new()
        .route("/me", get(whoami))
        .route("/health", get(maybe))
        .route("/docs/index", get(|| async { "docs" }))
}

const AUDIENCE: &str = "orders-api";
const ISSUER: &str = "https://id.example.com";

#[strata::stack(jwt(
    public_key_file = "tests/fixtures/jwt_rs256_public.pem",
    algorithms = ["RS256"],
    audience = "orders-api",
    issuer = "https://id.example.com",
))]
fn rs256_app() -> Router {
    Router::new().route("/me", get(whoami))
}

#[strata::stack(jwt(
    secret_env = "STRATA_E2E_JWT_SECRET",
    audience = "orders-api",
    issuer = "https://id.example.com"
))]
fn hs256_audience_app() -> Router {
    Router::new().route("/me", get(whoami))
}

/// An identity provider's key without `audience`: S0603 warns (allowed
/// here), and every token that names an audience is refused.
mod rs256_without_audience {
    #![allow(deprecated)]
    use super::*;

    #[strata::stack(jwt(public_key_file = "tests/fixtures/jwt_rs256_public.pem", algorithms = ["RS256"]))]
    pub fn app() -> Router {
        Router::new().route("/me", get(whoami))
    }
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

#[strata::stack(jwt(secret_env = "STRATA_E2E_JWT_SECRET"))]
fn catch_all_app(hits: Arc<AtomicUsize>) -> Router {
    catch_all_routes(hits)
}

#[strata::stack(
    cors(allow_origins = ["https://app.example.com"], allow_methods = ["GET", "DELETE"], allow_headers = ["authorization"]),
    jwt(secret_env = "STRATA_E2E_JWT_SECRET"),
)]
fn catch_all_app_with_cors(hits: Arc<AtomicUsize>) -> Router {
    catch_all_routes(hits)
}

#[strata::stack(jwt(secret_env = "STRATA_E2E_SURELY_UNSET_JWT_SECRET"))]
fn unconfigured() -> Router {
    Router::new()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn hs256(claims: serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn rs256(claims: serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
    )
    .unwrap()
}

async fn start_hs256() -> std::net::SocketAddr {
    serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), hs256_app)).await
}

async fn get_me(address: std::net::SocketAddr, token: &str) -> support::Received {
    send(
        address,
        empty(
            request("GET", "/me")
                .header("authorization", format!("Bearer {token}"))
                .header("origin", "https://app.example.com"),
        ),
    )
    .await
}

fn assert_invalid(response: &support::Received) {
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.text(), r#"{"detail":"Invalid token"}"#);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(response.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_valid_token_reaches_the_handler_with_its_claims() {
    let address = start_hs256().await;
    let response = get_me(address, &hs256(json!({"sub": "ann", "admin": true, "exp": now() + 60}))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ann admin=true");
}

#[tokio::test]
async fn a_missing_token_is_401_with_cors_headers() {
    let address = start_hs256().await;
    let response = send(
        address,
        empty(request("GET", "/me").header("origin", "https://app.example.com")),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.text(), r#"{"detail":"Missing token"}"#);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
}

#[tokio::test]
async fn attack_an_expired_token_is_refused() {
    let address = start_hs256().await;
    // Expired a minute ago: well past the 5 s leeway.
    let response = get_me(address, &hs256(json!({"sub": "ann", "exp": now() - 60}))).await;
    assert_invalid(&response);
    // Within the leeway it still passes.
    let response = get_me(address, &hs256(json!({"sub": "ann", "exp": now() - 2}))).await;
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn attack_alg_none_is_refused() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = engine.encode(json!({"sub": "admin", "admin": true, "exp": now() + 60}).to_string());
    let address = start_hs256().await;
    for token in [format!("{header}.{payload}."), format!("{header}.{payload}.AAAA")] {
        assert_invalid(&get_me(address, &token).await);
    }
}

#[tokio::test]
async fn attack_algorithm_confusion_hs256_signed_with_the_public_key_against_rs256() {
    let address = serve(rs256_app()).await;
    // The legitimate RS256 token works...
    let claims = json!({"sub": "ann", "exp": now() + 60, "aud": AUDIENCE, "iss": ISSUER});
    let response = get_me(address, &rs256(claims)).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "ann admin=false");
    // ...and the forged one, HMAC-signed with the (public) RSA key, does not.
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "admin", "admin": true, "exp": now() + 60, "aud": AUDIENCE, "iss": ISSUER}),
        &EncodingKey::from_secret(RSA_PUBLIC),
    )
    .unwrap();
    assert_invalid(&get_me(address, &forged).await);
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let address = start_hs256().await;
    let token = hs256(json!({"sub": "ann", "admin": false, "exp": now() + 60}));
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    parts[1] = engine.encode(json!({"sub": "ann", "admin": true, "exp": now() + 60}).to_string());
    assert_invalid(&get_me(address, &parts.join(".")).await);
}

#[tokio::test]
async fn public_paths_and_preflights_pass_without_a_token() {
    let address = start_hs256().await;
    let response = send(address, empty(request("GET", "/health"))).await;
    assert_eq!(response.text(), "anonymous");
    let response = send(address, empty(request("GET", "/docs/index"))).await;
    assert_eq!(response.text(), "docs");
    let response = send(
        address,
        empty(
            request("OPTIONS", "/me")
                .header("origin", "https://app.example.com")
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
}

#[test]
fn a_missing_secret_stops_the_app_at_start_up_naming_it() {
    let panic = std::panic::catch_unwind(unconfigured)
        .err()
        .expect("app() must not build");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("`STRATA_E2E_SURELY_UNSET_JWT_SECRET`"), "{message}");
}

#[test]
fn a_short_secret_stops_the_app_at_start_up_without_echoing_it() {
    let panic = std::panic::catch_unwind(|| temp_env::with_var(SECRET_VARIABLE, Some("hunter2"), hs256_app))
        .err()
        .expect("app() must not build");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("shorter than 32 bytes"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn attack_options_without_a_token_never_reaches_a_catch_all_handler() {
    let hits = Arc::new(AtomicUsize::new(0));
    let stack = temp_env::with_var(SECRET_VARIABLE, Some(SECRET), || catch_all_app(hits.clone()));
    let address = serve(stack).await;
    for path in ["/admin", "/service", "/not-routed"] {
        let response = send(address, empty(request("OPTIONS", path))).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "OPTIONS {path}");
        assert_eq!(response.text(), r#"{"detail":"Missing token"}"#);
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no handler may run without a token");
    // The same handlers answer OPTIONS once the token is there.
    let token = hs256(json!({"sub": "ann", "exp": now() + 60}));
    for path in ["/admin", "/service", "/not-routed"] {
        let response = send(
            address,
            empty(request("OPTIONS", path).header("authorization", format!("Bearer {token}"))),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK, "OPTIONS {path}");
        assert_eq!(response.text(), "handler ran");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn with_cors_outside_a_real_preflight_is_answered_by_cors_and_a_bare_options_needs_a_token() {
    let hits = Arc::new(AtomicUsize::new(0));
    let stack = temp_env::with_var(SECRET_VARIABLE, Some(SECRET), || catch_all_app_with_cors(hits.clone()));
    let address = serve(stack).await;
    // A browser's preflight carries no credentials; cors answers it.
    let response = send(
        address,
        empty(
            request("OPTIONS", "/admin")
                .header("origin", "https://app.example.com")
                .header("access-control-request-method", "DELETE")
                .header("access-control-request-headers", "authorization"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "OK");
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(
        response
            .header("access-control-allow-methods")
            .unwrap()
            .contains("DELETE")
    );
    // An OPTIONS that is not a preflight (no Access-Control-Request-Method)
    // goes on to auth: 401, still with its CORS headers.
    let response = send(
        address,
        empty(request("OPTIONS", "/admin").header("origin", "https://app.example.com")),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.text(), r#"{"detail":"Missing token"}"#);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "neither request reached the handler");
}

#[tokio::test]
async fn attack_a_token_minted_for_another_service_is_refused_when_no_audience_is_configured() {
    let hs_address = start_hs256().await;
    let rs_address = serve(rs256_without_audience::app()).await;
    // Same issuer, same key, but meant for another service.
    let claims = json!({"sub": "ann", "admin": true, "exp": now() + 60, "aud": "other-service"});
    assert_invalid(&get_me(hs_address, &hs256(claims.clone())).await);
    assert_invalid(&get_me(rs_address, &rs256(claims)).await);
    let claims = json!({"sub": "ann", "exp": now() + 60, "aud": ["other-service", "billing"]});
    assert_invalid(&get_me(hs_address, &hs256(claims.clone())).await);
    assert_invalid(&get_me(rs_address, &rs256(claims)).await);
    // A token that names no audience still passes.
    let claims = json!({"sub": "ann", "exp": now() + 60});
    assert_eq!(
        get_me(hs_address, &hs256(claims.clone())).await.text(),
        "ann admin=false"
    );
    assert_eq!(get_me(rs_address, &rs256(claims)).await.text(), "ann admin=false");
}

#[tokio::test]
async fn audience_and_issuer_are_checked_when_configured_hs256_and_rs256() {
    let hs_address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), hs256_audience_app)).await;
    let rs_address = serve(rs256_app()).await;
    let cases = [
        (
            json!({"sub": "ann", "exp": now() + 60, "aud": AUDIENCE, "iss": ISSUER}),
            true,
        ),
        (
            json!({"sub": "ann", "exp": now() + 60, "aud": ["billing", AUDIENCE], "iss": ISSUER}),
            true,
        ),
        (
            json!({"sub": "ann", "exp": now() + 60, "aud": "other-service", "iss": ISSUER}),
            false,
        ),
        (json!({"sub": "ann", "exp": now() + 60, "iss": ISSUER}), false),
        (
            json!({"sub": "ann", "exp": now() + 60, "aud": AUDIENCE, "iss": "https://evil.example.com"}),
            false,
        ),
        (json!({"sub": "ann", "exp": now() + 60, "aud": AUDIENCE}), false),
    ];
    for (claims, accepted) in cases {
        for response in [
            get_me(hs_address, &hs256(claims.clone())).await,
            get_me(rs_address, &rs256(claims.clone())).await,
        ] {
            if accepted {
                assert_eq!(response.status, StatusCode::OK, "{claims}");
                assert_eq!(response.text(), "ann admin=false");
            } else {
                assert_invalid(&response);
            }
        }
    }
}

/// A policy built by hand, past the compile-time check (S0602): the runtime
/// clamps `leeway` to 300 s, so jsonwebtoken never computes `now - leeway`
/// below zero (a panic in debug builds, a wrapped "never expires" in release).
#[tokio::test]
async fn attack_a_hand_built_huge_leeway_is_clamped_to_five_minutes() {
    use strata_runtime::jwt::{Algorithm, JwtLayer, JwtPolicy};
    use strata_runtime::paths::PathList;
    static DAY: JwtPolicy = JwtPolicy {
        algorithms: &[Algorithm::HS256],
        public_paths: PathList::EMPTY,
        leeway: 100_000,
        audience: None,
        issuer: None,
    };
    static UNBOUNDED: JwtPolicy = JwtPolicy {
        leeway: u64::MAX,
        ..DAY
    };
    for policy in [&DAY, &UNBOUNDED] {
        let layer = JwtLayer::with_secret(policy, SECRET, SECRET_VARIABLE).unwrap();
        let address = serve(Router::new().route("/me", get(whoami)).layer(layer)).await;
        // An hour past `exp`: far outside five minutes.
        let response = get_me(address, &hs256(json!({"sub": "ann", "exp": now() - 3600}))).await;
        assert_invalid(&response);
        // Within five minutes it still passes.
        let response = get_me(address, &hs256(json!({"sub": "ann", "exp": now() - 200}))).await;
        assert_eq!(response.status, StatusCode::OK);
    }
}
