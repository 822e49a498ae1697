//! End to end against a real `redis-server` (started by each test on a free
//! loopback port, killed at the end): when the Redis session store sends its
//! cookie and refreshes the stored session, what caches are told, and when
//! its cookie is `Secure` with `https_only = false`.

mod support;

use std::io::{Read, Write};
use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use support::redis::RedisServer;
use support::{Received, empty, request, send, serve};

const SECRET_VARIABLE: &str = "STRATA_E2E_REDIS_SESSION_CACHE_SECRET";
const SECRET: &str = "e2e-redis-secret-e2e-redis-secret-0002";
const URL_VARIABLE: &str = "STRATA_E2E_REDIS_SESSION_CACHE_URL";

async fn login(session: strata::Session) -> impl IntoResponse {
    session.insert("user", "ann").unwrap();
    // The app calls its page public; a cookie must never be shared.
    ([("cache-control", "public, max-age=600")], "logged in")
}

async fn me(session: strata::Session) -> String {
    session.get::<String>("user").unwrap_or_else(|| "-".into())
}

async fn logout(session: strata::Session) -> &'static str {
    session.clear();
    "bye"
}

/// `max_age = 5`, so that half a lifetime passes within a test. The test
/// client (127.0.0.1) is the trusted proxy: its `X-Forwarded-Proto` decides
/// whether the cookie, with `https_only = false`, is `Secure`.
#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    session(
    secret_env = "STRATA_E2E_REDIS_SESSION_CACHE_SECRET",
    store = "redis",
    redis_url_env = "STRATA_E2E_REDIS_SESSION_CACHE_URL",
    https_only = false,
    max_age = 5,
    ),
)]
fn app() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
}

async fn start(redis: &RedisServer) -> std::net::SocketAddr {
    let app = temp_env::with_vars(
        [
            (SECRET_VARIABLE, Some(SECRET.to_string())),
            (URL_VARIABLE, Some(redis.url())),
        ],
        app,
    );
    serve(app).await
}

fn cookie_of(response: &Received) -> String {
    let set = response.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

/// The session ID in a `session=<id>.<issued>.<signature>` cookie.
fn session_id(cookie: &str) -> &str {
    cookie.strip_prefix("session=").unwrap().split('.').next().unwrap()
}

/// `TTL strata:session:<id>` asked of the server directly, over RESP.
fn ttl(redis: &RedisServer, id: &str) -> i64 {
    let key = format!("strata:session:{id}");
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", redis.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    write!(stream, "*2\r\n$3\r\nTTL\r\n${}\r\n{key}\r\n", key.len()).unwrap();
    let mut reply = [0u8; 32];
    let read = stream.read(&mut reply).unwrap();
    let reply = std::str::from_utf8(&reply[..read]).unwrap();
    reply.trim().strip_prefix(':').unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_unchanged_redis_session_sends_no_cookie_and_a_login_is_private() {
    let redis = RedisServer::start();
    let address = start(&redis).await;
    let response = send(address, empty(request("POST", "/login"))).await;
    assert_eq!(response.all("set-cookie").len(), 1);
    assert_eq!(response.header("cache-control"), Some("private, max-age=600"));
    assert_eq!(response.all("vary"), ["Cookie"]);
    let cookie = cookie_of(&response);
    for _ in 0..3 {
        let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
        assert_eq!(response.text(), "ann");
        assert_eq!(response.header("set-cookie"), None, "nothing changed, no cookie");
        assert_eq!(response.all("vary"), ["Cookie"]);
    }
    // Logging out sends the removal cookie, private too.
    let response = send(address, empty(request("POST", "/logout").header("cookie", &cookie))).await;
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .starts_with("session=; Path=/; Max-Age=0;")
    );
    assert_eq!(response.header("cache-control"), Some("private"));
    assert_eq!(response.all("vary"), ["Cookie"]);
    assert_eq!(ttl(&redis, session_id(&cookie)), -2, "the stored session is deleted");
}

#[tokio::test]
async fn rolling_expiry_reissues_the_cookie_and_refreshes_redis_past_half_of_max_age() {
    let redis = RedisServer::start();
    let address = start(&redis).await;
    let cookie = cookie_of(&send(address, empty(request("POST", "/login"))).await);
    let id = session_id(&cookie).to_owned();
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.header("set-cookie"), None, "fresh: no cookie");
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let before = ttl(&redis, &id);
    assert!((0..=2).contains(&before), "the TTL ran down untouched: {before}");
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "ann");
    let renewed = response.header("set-cookie").expect("the cookie is re-issued");
    assert!(renewed.contains("; Max-Age=5;"), "{renewed}");
    assert_eq!(response.header("cache-control"), Some("private"));
    let renewed = cookie_of(&response);
    assert_eq!(session_id(&renewed), id, "same session, new issue time");
    assert_ne!(renewed, cookie);
    let after = ttl(&redis, &id);
    assert!(after >= 4, "the stored session was refreshed with the cookie: {after}");
}

#[tokio::test]
async fn without_https_only_the_redis_cookie_is_secure_when_the_proxy_says_https() {
    let redis = RedisServer::start();
    let address = start(&redis).await;
    let secure = |set: &str| set.split(';').any(|attribute| attribute.trim() == "Secure");
    let response = send(
        address,
        empty(request("POST", "/login").header("x-forwarded-proto", "https")),
    )
    .await;
    let set = response.header("set-cookie").unwrap();
    assert!(secure(set), "{set}");
    let cookie = cookie_of(&response);
    let response = send(
        address,
        empty(
            request("POST", "/logout")
                .header("x-forwarded-proto", "https")
                .header("cookie", &cookie),
        ),
    )
    .await;
    let cleared = response.header("set-cookie").unwrap();
    assert!(cleared.contains("Max-Age=0") && secure(cleared), "{cleared}");
    // Plain HTTP by the proxy's word: no `Secure`.
    let response = send(
        address,
        empty(request("POST", "/login").header("x-forwarded-proto", "http")),
    )
    .await;
    let set = response.header("set-cookie").unwrap();
    assert!(!secure(set), "{set}");
}
