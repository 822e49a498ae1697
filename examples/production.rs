//! Starlette's "recommended production stack" (trusted host, CORS, gzip,
//! logging, rate limit, timing) plus a session and JWT auth, in one
//! attribute, served on loopback.
//!
//! ```sh
//! SESSION_SECRET=$(openssl rand -base64 32) JWT_SECRET=$(openssl rand -base64 32) cargo run --example production
//! ```
//!
//! Without the two variables the app stops at start-up and says which one
//! is missing. `/login` stores the user in the session and returns a JWT
//! signed with `JWT_SECRET`; `/me` needs that token.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

#[strata::stack(
    trusted_host(allowed_hosts = ["localhost", "127.0.0.1"]),
    security_headers,
    cors(
        allow_origins = ["http://localhost:3000"],
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
        expose_headers = ["x-request-id", "retry-after"],
    ),
    gzip(minimum_size = 500),
    request_id,
    access_log(exclude_paths = ["/health"]),
    catch_panic,
    rate_limit(requests = 60, per = "1m", exempt_paths = ["/health"]),
    session(secret_env = "SESSION_SECRET", https_only = false),
    jwt(secret_env = "JWT_SECRET", public_paths = ["/", "/health", "/login"]),
    timing,
)]
fn app() -> Result<Router, strata::EnvError> {
    Ok(Router::new()
        .route("/", get(|| async { "hello from strata\n" }))
        .route("/health", get(|| async { "ok\n" }))
        .route("/login", post(login))
        .route("/me", get(me)))
}

/// Stores the user in the session and hands out a token for one hour.
async fn login(session: strata::Session) -> Json<serde_json::Value> {
    session.insert("user", "ann").ok();
    let secret = std::env::var("JWT_SECRET").unwrap_or_default();
    let exp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) + 3600;
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": "ann", "exp": exp }),
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_default();
    Json(json!({ "token": token }))
}

/// Needs the token; shows its claims and counts visits in the session.
async fn me(claims: strata::Claims, session: strata::Session) -> Json<serde_json::Value> {
    let visits = session.get::<u32>("visits").unwrap_or(0) + 1;
    session.insert("visits", visits).ok();
    Json(json!({ "claims": claims.as_value(), "session_user": session.get::<String>("user"), "visits": visits }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(true).init();
    let stack = app().unwrap_or_else(|missing| {
        eprintln!("{missing}");
        std::process::exit(1)
    });
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://localhost:{port}");
    println!("strata production example serving on {base}");
    println!("try:");
    println!("  curl -i {base}/                                   # security headers, rate-limit headers");
    println!("  curl -i {base}/me                                 # 401 Missing token");
    println!("  curl -i -c jar -X POST {base}/login               # a session cookie and a token");
    println!("  curl -i -b jar -H \"authorization: Bearer $TOKEN\" {base}/me");
    println!("  for i in $(seq 61); do curl -s -o /dev/null -w '%{{http_code}} ' {base}/; done   # ... 429");
    strata::serve(listener, stack).await?;
    Ok(())
}
