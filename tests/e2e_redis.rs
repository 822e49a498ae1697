//! End to end against a real `redis-server` (started by each test on a free
//! loopback port, killed at the end): the Redis session store and the Redis
//! rate limiter.

mod support;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use support::redis::RedisServer;
use support::{empty, request, send, serve};

const SECRET_VARIABLE: &str = "STRATA_E2E_REDIS_SESSION_SECRET";
const SECRET: &str = "e2e-redis-secret-e2e-redis-secret-0001";
const URL_VARIABLE: &str = "STRATA_E2E_REDIS_URL";

async fn login(session: strata::Session) -> &'static str {
    session.insert("user", "ann").unwrap();
    session.renew();
    "logged in"
}

async fn me(session: strata::Session) -> String {
    session.get::<String>("user").unwrap_or_else(|| "-".into())
}

async fn logout(session: strata::Session) -> &'static str {
    session.clear();
    "bye"
}

#[strata::stack(session(
    secret_env = "STRATA_E2E_REDIS_SESSION_SECRET",
    store = "redis",
    redis_url_env = "STRATA_E2E_REDIS_URL",
    https_only = false,
))]
fn session_app() -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
}

/// Builds a fresh app (as a restarted process would) against `redis`.
async fn start_sessions(redis: &RedisServer) -> std::net::SocketAddr {
    let app = temp_env::with_vars(
        [
            (SECRET_VARIABLE, Some(SECRET.to_string())),
            (URL_VARIABLE, Some(redis.url())),
        ],
        session_app,
    );
    serve(app).await
}

fn cookie_of(response: &support::Received) -> String {
    let set = response.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_redis_session_survives_a_restart_of_the_app() {
    let redis = RedisServer::start();
    let first = start_sessions(&redis).await;
    let response = send(first, empty(request("POST", "/login"))).await;
    assert_eq!(response.status, StatusCode::OK);
    let cookie = cookie_of(&response);
    // The cookie holds a signed ID, not the data.
    assert!(!cookie.contains("ann"));
    // A new instance of the app, as after a deploy: same Redis, same secret.
    let second = start_sessions(&redis).await;
    let response = send(second, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "ann");
    // Logging out deletes it for every instance.
    let response = send(second, empty(request("POST", "/logout").header("cookie", &cookie))).await;
    assert!(
        response
            .header("set-cookie")
            .unwrap()
            .starts_with("session=; Path=/; Max-Age=0;")
    );
    let response = send(first, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.text(), "-");
}

#[tokio::test]
async fn a_forged_or_unknown_session_id_is_an_empty_session() {
    let redis = RedisServer::start();
    let address = start_sessions(&redis).await;
    for cookie in [
        "session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "session=garbage",
    ] {
        let response = send(address, empty(request("GET", "/me").header("cookie", cookie))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.text(), "-");
    }
}

#[tokio::test]
async fn with_redis_stopped_the_session_store_answers_503_quickly_and_recovers() {
    let mut redis = RedisServer::start();
    let address = start_sessions(&redis).await;
    let cookie = cookie_of(&send(address, empty(request("POST", "/login"))).await);
    redis.stop();
    let started = std::time::Instant::now();
    let response = send(address, empty(request("GET", "/me").header("cookie", &cookie))).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text(), r#"{"detail":"Session store unavailable"}"#);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Back up (empty: persistence is off), the app reconnects by itself.
    redis.restart();
    let mut recovered = false;
    for _ in 0..50 {
        let response = send(address, empty(request("POST", "/login"))).await;
        if response.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "the session store did not reconnect");
}

const LIMIT_URL_VARIABLE: &str = "STRATA_E2E_REDIS_LIMIT_URL";

#[strata::stack(rate_limit(
    requests = 3,
    per = "1m",
    backend = "redis",
    redis_url_env = "STRATA_E2E_REDIS_LIMIT_URL",
))]
fn limited_allow() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

#[strata::stack(rate_limit(
    requests = 3,
    per = "1m",
    backend = "redis",
    redis_url_env = "STRATA_E2E_REDIS_LIMIT_URL",
    on_backend_error = "deny",
))]
fn limited_deny() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

/// Builds `app` with the limiter's Redis URL in the environment and serves it.
async fn start_limited<S>(redis: &RedisServer, app: fn() -> S) -> std::net::SocketAddr
where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    serve(temp_env::with_var(LIMIT_URL_VARIABLE, Some(redis.url()), app)).await
}

#[tokio::test]
async fn two_instances_share_one_limit() {
    let redis = RedisServer::start();
    let first = start_limited(&redis, limited_allow).await;
    let second = start_limited(&redis, limited_allow).await;
    let mut seen = Vec::new();
    for address in [first, second, first, second, first] {
        let response = send(address, empty(request("GET", "/"))).await;
        seen.push((
            response.status.as_u16(),
            response.header("x-ratelimit-remaining").map(str::to_owned),
        ));
    }
    assert_eq!(
        seen,
        [
            (200, Some("2".into())),
            (200, Some("1".into())),
            (200, Some("0".into())),
            (429, Some("0".into())),
            (429, Some("0".into())),
        ]
    );
    let response = send(second, empty(request("GET", "/"))).await;
    assert_eq!(response.text(), r#"{"detail":"Too many requests"}"#);
    let retry: u64 = response.header("retry-after").unwrap().parse().unwrap();
    assert!((19..=20).contains(&retry), "{retry}");
}

#[tokio::test]
async fn concurrent_requests_never_exceed_the_limit() {
    let redis = RedisServer::start();
    let first = start_limited(&redis, limited_allow).await;
    let second = start_limited(&redis, limited_allow).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let address = if i % 2 == 0 { first } else { second };
        tasks.push(tokio::spawn(async move {
            send(address, empty(request("GET", "/"))).await.status
        }));
    }
    let mut allowed = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::OK {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 3);
}

#[tokio::test]
async fn redis_stopped_mid_test_follows_on_backend_error() {
    let mut redis = RedisServer::start();
    let allow = start_limited(&redis, limited_allow).await;
    let deny = start_limited(&redis, limited_deny).await;
    // Same limit, same client, same Redis: one shared bucket.
    for (address, remaining) in [(allow, "2"), (deny, "1")] {
        let response = send(address, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.header("x-ratelimit-remaining"), Some(remaining));
    }
    redis.stop();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        // "allow": served, without limit headers.
        let response = send(allow, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.text(), "hi");
        assert_eq!(response.header("x-ratelimit-remaining"), None);
        // "deny": refused with 503.
        let response = send(deny, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.text(), r#"{"detail":"Rate limiter unavailable"}"#);
        assert_eq!(response.header("retry-after"), Some("1"));
        // Never a hang past the short timeout.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    // Once a call has failed, the next ones do not wait on Redis again:
    // an outage costs each request nothing while the backend pauses.
    let mut slowest = std::time::Duration::ZERO;
    for _ in 0..10 {
        let started = std::time::Instant::now();
        let response = send(allow, empty(request("GET", "/"))).await;
        assert_eq!(response.status, StatusCode::OK);
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < std::time::Duration::from_millis(100),
        "a request waited {slowest:?} on a Redis known to be down"
    );
    // Redis back: counting resumes (from zero: persistence is off).
    redis.restart();
    let mut resumed = false;
    for _ in 0..50 {
        let response = send(deny, empty(request("GET", "/"))).await;
        if response.status == StatusCode::OK && response.header("x-ratelimit-remaining").is_some() {
            resumed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(resumed, "the limiter did not reconnect");
}
