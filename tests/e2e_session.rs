//! End to end over real sockets: `session` with the signed-cookie store,
//! read and written by handlers and by an inner layer, and a tampered cookie;
//! when the cookie is sent, what caches are told, a session too large for a
//! cookie, and when the cookie is `Secure` with `https_only = false`.

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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

/// What goes into the session that would not fit a cookie; must never be logged.
const BIG_MARKER: &str = "NEVER-LOG-THIS-SESSION-VALUE";

async fn login_public() -> impl IntoResponse {
    // The app marks its page cacheable by anyone; it also logs in.
    (
        [("cache-control", "public, max-age=600"), ("vary", "Accept-Encoding")],
        "cached?",
    )
}

/// Handlers without a counting layer, so that a request changes the session
/// only when the handler does.
#[strata::stack(session(secret_env = "STRATA_E2E_SESSION_SECRET", max_age = 3600, https_only = false))]
fn quiet_app() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        .route(
            "/login-public",
            post(|session: strata::Session| async move {
                session.insert("user", "ann").unwrap();
                login_public().await
            }),
        )
        .route(
            "/login-no-store",
            post(|session: strata::Session| async move {
                session.insert("user", "ann").unwrap();
                ([("cache-control", "no-store")], "not stored")
            }),
        )
        .route(
            "/big",
            post(|session: strata::Session| async move {
                session.insert("blob", BIG_MARKER.repeat(200)).unwrap();
                "saved?"
            }),
        )
        .route(
            "/static",
            get(|| async { ([("cache-control", "public, max-age=600")], "static") }),
        )
}

/// `max_age = 5`, so that half a lifetime passes within a test.
#[strata::stack(session(secret_env = "STRATA_E2E_SESSION_SECRET", max_age = 5, https_only = false))]
fn short_app() -> Router {
    Router::new().route("/login", post(login)).route("/me", get(me))
}

/// `https_only = false` behind a proxy: the test client (127.0.0.1) is the
/// trusted proxy, so its `X-Forwarded-Proto` says how the browser connected.
#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    session(secret_env = "STRATA_E2E_SESSION_SECRET", https_only = false),
)]
fn behind_trusted_proxy() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
}

/// The same, but 127.0.0.1 is not a proxy: its `X-Forwarded-Proto` is a
/// client's claim.
#[strata::stack(
    proxy(trusted_proxies = ["10.0.0.0/8"]),
    session(secret_env = "STRATA_E2E_SESSION_SECRET", https_only = false),
)]
fn behind_untrusted_peer() -> Router {
    Router::new().route("/login", post(login))
}

/// Every log line of this test binary, as text.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt().with_writer(logs.clone()).finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber per test binary");
        logs
    })
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
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
    // The removal cookie is for this client only, like any other.
    assert_eq!(response.header("cache-control"), Some("private"));
    assert_eq!(response.all("vary"), ["Cookie"]);
}

#[tokio::test]
async fn an_unchanged_session_sends_no_cookie_and_a_change_does() {
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), quiet_app)).await;
    let response = send(address, empty(request("POST", "/login"))).await;
    assert_eq!(response.all("set-cookie").len(), 1);
    assert_eq!(response.header("cache-control"), Some("private"));
    assert_eq!(response.all("vary"), ["Cookie"]);
    let cookie = cookie_of(&response);
    for _ in 0..3 {
        let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
        assert_eq!(response.text(), "user=ann visits=0");
        assert_eq!(response.header("set-cookie"), None, "nothing changed, no cookie");
        assert_eq!(response.header("cache-control"), None);
        // The answer depends on the cookie, so caches must key on it.
        assert_eq!(response.all("vary"), ["Cookie"]);
    }
    // A response that does not touch the session says nothing about it.
    let response = send(address, empty(request("GET", "/static").header("cookie", &cookie))).await;
    assert_eq!(response.header("set-cookie"), None);
    assert_eq!(response.header("cache-control"), Some("public, max-age=600"));
    assert_eq!(response.header("vary"), None);
    // Logging out changes it: the removal cookie is sent, and stays private.
    let response = send(address, empty(request("POST", "/logout").header("cookie", &cookie))).await;
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .starts_with("session=; Path=/; Max-Age=0;")
    );
    assert_eq!(response.header("cache-control"), Some("private"));
    // Without a session and without a cookie, nothing is sent.
    let response = send(address, empty(request("POST", "/logout"))).await;
    assert_eq!(response.header("set-cookie"), None);
}

#[tokio::test]
async fn attack_a_response_that_sets_the_cookie_is_never_shared_cacheable() {
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), quiet_app)).await;
    // The app said `public, max-age=600`: a CDN would store the Set-Cookie
    // and hand ann's session to the next visitor. strata keeps the browser's
    // max-age and takes the shared caches out.
    let response = send(address, empty(request("POST", "/login-public"))).await;
    assert_eq!(response.all("set-cookie").len(), 1);
    assert_eq!(response.header("cache-control"), Some("private, max-age=600"));
    assert_eq!(response.all("vary"), ["Accept-Encoding", "Cookie"]);
    // The app's own `no-store` is stricter than private: kept as written.
    let response = send(address, empty(request("POST", "/login-no-store"))).await;
    assert_eq!(response.all("set-cookie").len(), 1);
    assert_eq!(response.all("cache-control"), ["no-store"]);
    assert_eq!(response.all("vary"), ["Cookie"]);
}

#[tokio::test]
async fn rolling_expiry_reissues_an_unchanged_session_past_half_of_max_age() {
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), short_app)).await;
    let response = send(address, empty(request("POST", "/login"))).await;
    assert!(response.header("set-cookie").unwrap().contains("; Max-Age=5;"));
    let cookie = cookie_of(&response);
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.header("set-cookie"), None, "fresh: no cookie");
    // More than half of the 5 s lifetime later (3 or 4 whole seconds), the
    // unchanged session is re-issued for another 5 s.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "user=ann visits=0");
    let renewed = response.header("set-cookie").expect("the cookie is re-issued");
    assert!(renewed.contains("; Max-Age=5;"), "{renewed}");
    assert_eq!(response.header("cache-control"), Some("private"));
    let renewed = cookie_of(&response);
    assert_ne!(renewed, cookie);
    // The old cookie expires on schedule; the renewed one carries the session on.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "user=- visits=0");
    let response = send(address, empty(request("GET", "/me").header("cookie", &renewed))).await;
    assert_eq!(response.text(), "user=ann visits=0");
}

#[tokio::test]
async fn a_session_too_large_for_a_cookie_is_a_logged_500_never_a_silent_loss() {
    let logs = logs();
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), quiet_app)).await;
    let response = send(address, empty(request("POST", "/big"))).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.text(), r#"{"detail":"Internal server error"}"#);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("set-cookie"), None);
    let text = logs.text();
    let line = text
        .lines()
        .find(|line| line.contains("strata::session") && line.contains("4096"))
        .unwrap_or_else(|| panic!("no session error logged in:\n{text}"));
    assert!(line.contains("ERROR"), "{line}");
    assert!(!text.contains(BIG_MARKER), "the session value was logged");
    assert!(!text.contains("session="), "the cookie was logged");
}

/// Whether a `Set-Cookie` carries the `Secure` attribute.
fn is_secure(set_cookie: &str) -> bool {
    set_cookie.split(';').any(|attribute| attribute.trim() == "Secure")
}

/// `https_only = false` is ASP.NET Core's `SameAsRequest`: `Secure` when the
/// browser reached the proxy over HTTPS, as the trusted proxy says.
#[tokio::test]
async fn without_https_only_a_trusted_proxys_https_makes_the_cookie_secure() {
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), behind_trusted_proxy)).await;
    let over_https = || {
        request("POST", "/login")
            .header("x-forwarded-for", "198.51.100.7")
            .header("x-forwarded-proto", "https")
    };
    let response = send(address, empty(over_https())).await;
    let set = response.header("set-cookie").unwrap();
    assert!(
        set.ends_with("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax; Secure"),
        "{set}"
    );
    // Logging out over HTTPS: the removal is `Secure` too, or the browser
    // would keep the `Secure` cookie.
    let cookie = cookie_of(&response);
    let response = send(
        address,
        empty(
            request("POST", "/logout")
                .header("x-forwarded-for", "198.51.100.7")
                .header("x-forwarded-proto", "https")
                .header("cookie", &cookie),
        ),
    )
    .await;
    let cleared = response.header("set-cookie").unwrap();
    assert!(cleared.contains("Max-Age=0") && is_secure(cleared), "{cleared}");

    // The proxy says the browser used plain HTTP, or says nothing: no `Secure`.
    let response = send(
        address,
        empty(request("POST", "/login").header("x-forwarded-proto", "http")),
    )
    .await;
    let set = response.header("set-cookie").unwrap();
    assert!(set.ends_with("; HttpOnly; SameSite=Lax"), "{set}");
    let response = send(address, empty(request("POST", "/login"))).await;
    assert!(!is_secure(response.header("set-cookie").unwrap()));
}

#[tokio::test]
async fn attack_a_forged_forwarded_proto_does_not_make_the_cookie_secure() {
    // From a peer that is not a trusted proxy, `proxy` strips the header.
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), behind_untrusted_peer)).await;
    let response = send(
        address,
        empty(
            request("POST", "/login")
                .header("x-forwarded-for", "198.51.100.7")
                .header("x-forwarded-proto", "https")
                .header("forwarded", "for=198.51.100.7;proto=https"),
        ),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    let set = response.header("set-cookie").unwrap();
    assert!(!is_secure(set), "{set}");
    // With no `proxy` in the stack, nothing reads the header at all.
    let address = serve(temp_env::with_var(SECRET_VARIABLE, Some(SECRET), quiet_app)).await;
    let response = send(
        address,
        empty(request("POST", "/login").header("x-forwarded-proto", "https")),
    )
    .await;
    let set = response.header("set-cookie").unwrap();
    assert!(!is_secure(set), "{set}");
}
