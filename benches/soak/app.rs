//! The app `benches/soak.sh` runs under load: the production example's
//! stack (`examples/production.rs`: Starlette's recommended production
//! stack plus security headers, a session and JWT) with every other
//! middleware added, and its state in Redis: `rate_limit` and `session`
//! both use the Redis at `REDIS_URL`, as several instances behind a load
//! balancer would.
//!
//! ```sh
//! REDIS_URL=redis://127.0.0.1:6379/ SESSION_SECRET=$(openssl rand -base64 32) \
//!   JWT_SECRET=$(openssl rand -base64 32) API_KEYS=soak-key PORT=8080 \
//!   cargo run --release --features redis --example soak
//! ```
//!
//! Clients reach it through a TLS-terminating proxy on loopback (trusted:
//! `X-Forwarded-For` names the client, `X-Forwarded-Proto: https`).
//! `rate_limit` keeps `on_backend_error = "allow"` (the default): while
//! Redis is down, requests pass without `X-RateLimit-*` headers; `session`
//! answers 503 (an empty session would log users out).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderName, HeaderValue};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    request_id,
    trace_context,
    access_log(exclude_paths = ["/health"]),
    metrics,
    trusted_host(allowed_hosts = ["localhost", "127.0.0.1"]),
    https_redirect,
    security_headers,
    cors(
        allow_origins = ["http://localhost:3000"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type", "x-api-key"],
        expose_headers = ["x-request-id", "retry-after"],
    ),
    compression(minimum_size = 500),
    catch_panic,
    timeout(request = "10s", request_body = "5s"),
    concurrency_limit(max_in_flight = 1024),
    block(user_agent_prefixes = ["BadBot"], status = 403),
    rate_limit(
        requests = 100,
        per = "1s",
        backend = "redis",
        redis_url_env = "REDIS_URL",
        exempt_paths = ["/health"],
    ),
    redirect_slashes,
    decompression,
    body_limit(max = "1MB"),
    session(secret_env = "SESSION_SECRET", store = "redis", redis_url_env = "REDIS_URL", https_only = false),
    jwt(secret_env = "JWT_SECRET", public_paths = ["/", "/health", "/login", "/echo"]),
    api_key(keys_env = "API_KEYS", public_paths = ["/", "/health", "/login", "/echo"]),
    timing,
    custom(
        name = "version",
        layer = SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-app-version"),
            HeaderValue::from_static("soak"),
        ),
    ),
)]
fn app() -> Result<Router, strata::EnvError> {
    // 2 KB, so that `compression` has something to do.
    let home = Bytes::from("hello from strata under load\n".repeat(70));
    Ok(Router::new()
        .route("/", get(move || async move { home }))
        .route("/health", get(|| async { "ok\n" }))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/echo", post(|body: Bytes| async move { body.len().to_string() })))
}

/// Stores the user in the session and hands out a token for a day.
async fn login(session: strata::Session) -> Json<serde_json::Value> {
    session.insert("user", "ann").ok();
    let secret = std::env::var("JWT_SECRET").unwrap_or_default();
    let exp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) + 86_400;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": "ann", "exp": exp }),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_default();
    Json(json!({ "token": token }))
}

/// Needs the token and the API key; reads the session (a Redis GET), never
/// writes it, so that a load generator that ignores `Set-Cookie` creates no
/// sessions.
async fn me(claims: strata::Claims, session: strata::Session) -> Json<serde_json::Value> {
    Json(json!({ "sub": claims.subject(), "session_user": session.get::<String>("user") }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned());
    tracing_subscriber::fmt()
        .with_max_level(filter.parse::<tracing::Level>().unwrap_or(tracing::Level::WARN))
        .with_target(true)
        .init();
    let stack = app().unwrap_or_else(|missing| {
        eprintln!("{missing}");
        std::process::exit(1)
    });
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("soak app serving on http://127.0.0.1:{port}");
    strata::serve(listener, stack).await?;
    Ok(())
}
