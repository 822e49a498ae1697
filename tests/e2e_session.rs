//! End to end over real sockets: `session` with the signed-cookie store,
//! read and written by handlers and by an inner layer, and a tampered cookie.

mod support;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use support::{empty, request, send, serve};

const SECRET_VARIABLE: &str = "STRATA_E2E_SESSION_SECRET";
const SECRET: &str = "e2e-session-secret-e2e-session-secret";

/// An inner layer (custom, so inside the session) that counts visits in the session.
async fn count_visits(request: Request, next: Next) -> Response {
    if let Some(session) = request.extensions().get::<strata::Session>() {
        let visits = session.get::<u32>("visits").unwrap_or(0);
        session.insert("visits", visits + 1).unwrap();
    }
    next.run(request).await
}

async fn login(session: strata::Session) -> &'static str {
    session.insert("user", "ann").unwrap();
    "logged in"
}

async fn me(session: strata::Session) -> String {
    format!(
        "user={} visits={}",
        session.get::<String>("user").unwrap_or_else(|| "-".into()),
        session.get::<u32>("visits").unwrap_or(0)
    )
}

async fn logout(session: strata::Session) -> &'static str {
    session.clear();
    "bye"
}

#[strata::stack(
    session(secret_env = "STRATA_E2E_SESSION_SECRET", same_site = "strict", max_age = 3600),
    custom(name = "visits", layer = axum::middleware::from_fn(count_visits)),
)]
fn app() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
}

async fn start() -> std::net::SocketAddr {
    serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), app)).await
}

fn cookie_of(response: &support::Received) -> String {
    let set = response.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_login_survives_across_requests_with_the_cookie_attributes() {
    let address = start().await;
    let response = send(address, empty(request("POST", "/login"))).await;
    assert_eq!(response.status, StatusCode::OK);
    let set = response.header("set-cookie").unwrap();
    assert!(set.starts_with("session="), "{set}");
    assert!(
        set.ends_with("; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure"),
        "{set}"
    );
    let cookie = cookie_of(&response);
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    // The inner layer's write (visits) and the handler's (user) are both there.
    assert_eq!(response.text(), "user=ann visits=2");
    let cookie = cookie_of(&response);
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "user=ann visits=3");
}

#[tokio::test]
async fn attack_a_tampered_cookie_is_an_empty_session_not_an_error() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let address = start().await;
    let cookie = cookie_of(&send(address, empty(request("POST", "/login"))).await);
    // Rewrite the (readable) data to claim another user, keeping the signature.
    let value = cookie.strip_prefix("session=").unwrap();
    let mut parts: Vec<&str> = value.split('.').collect();
    let forged = engine.encode(r#"{"user":"admin","visits":1}"#);
    parts[0] = &forged;
    let tampered = format!("session={}", parts.join("."));
    let response = send(address, empty(request("GET", "/me").header("cookie", &tampered))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.text(), "user=- visits=1");
    // The forged cookie is replaced by a fresh, honest one.
    assert!(!response.header("set-cookie").unwrap().contains(&forged));
}

#[tokio::test]
async fn logging_out_clears_the_cookie() {
    let address = start().await;
    let cookie = cookie_of(&send(address, empty(request("POST", "/login"))).await);
    // The visits counter keeps the session non-empty; clear wins because the
    // handler runs after the layer.
    let response = send(address, empty(request("POST", "/logout").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "bye");
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .starts_with("session=; Path=/; Max-Age=0;"),
        "{:?}",
        response.header("set-cookie")
    );
}
