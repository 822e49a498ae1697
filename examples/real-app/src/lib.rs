//! An app as a team writes it: shared state, JWT on the API, a session, a
//! rate limit, and a custom layer that takes a parameter. `tests/app.rs`
//! drives it with `tower::ServiceExt::oneshot`, the way axum apps are tested.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

/// What the handlers share.
#[derive(Clone, Default)]
pub struct AppState {
    pub visits: Arc<AtomicU64>,
}

/// The stack: secrets from `JWT_SECRET` and `SESSION_SECRET`, every
/// request limited per client address, a `x-app-version` header from the
/// function's own parameter.
#[strata::stack(
    trusted_host(allowed_hosts = ["api.example.com", "localhost"]),
    cors(allow_origins = ["https://app.example.com"], allow_credentials = true, allow_methods = ["GET", "POST"]),
    request_id,
    access_log,
    rate_limit(requests = 5, per = "1m"),
    session(secret_env = "SESSION_SECRET", https_only = false),
    jwt(secret_env = "JWT_SECRET", public_paths = ["/health", "/login"]),
    custom(
        name = "version",
        layer = SetResponseHeaderLayer::overriding(HeaderName::from_static("x-app-version"), version),
    ),
)]
pub fn app(state: AppState, version: HeaderValue) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route(
            "/login",
            post(|session: strata::Session| async move {
                let _ = session.insert("logged_in", true);
                "welcome"
            }),
        )
        .route(
            "/me",
            get(|claims: strata::Claims, State(state): State<AppState>| async move {
                let visits = state.visits.fetch_add(1, Ordering::Relaxed) + 1;
                Json(serde_json::json!({ "sub": claims.subject(), "visits": visits }))
            }),
        )
        .with_state(state)
}
