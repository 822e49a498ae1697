//! End to end over real sockets: scopes, with DESIGN's example. `/api/*`
//! needs a JWT (CORS of the whole app), `/admin/*` an API key (its own CORS
//! policy), `/` is open; the shared outer part (request ID, access log) runs
//! once per request whatever the branch.

mod support;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use support::{empty, request, send, serve};
use tracing_subscriber::layer::SubscriberExt;

const SECRET: &str = "scopes-e2e-secret-0123456789abcdef0123456789";
const ADMIN_KEY: &str = "sk_admin_5e4d3c2b1a09f8e7d6c5";
const APP: &str = "https://app.example.com";
const ADMIN: &str = "https://admin.example.com";

#[strata::stack(
    request_id,
    access_log,
    cors(allow_origins = ["https://app.example.com"]),
    scope("/api/*", jwt(secret_env = "STRATA_SCOPES_JWT_SECRET"), rate_limit(requests = 3, per = "1m", key = "jwt:sub")),
    scope("/admin/*", api_key(keys_env = "STRATA_SCOPES_ADMIN_KEYS"), cors(allow_origins = ["https://admin.example.com"], allow_headers = ["x-api-key"])),
)]
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "home" }))
        .route("/api/x", get(|| async { "api" }))
        .route("/admin/x", get(|| async { "admin" }))
}

/// A scope that repeats the whole app's middlewares changes nothing, and
/// a global `custom` layer placed before a layer only one scope has.
#[strata::stack(
    cors(allow_origins = ["https://app.example.com"]),
    custom(name = "tag", layer = tower_http::set_header::SetResponseHeaderLayer::overriding(
        http::header::HeaderName::from_static("x-tag"),
        http::HeaderValue::from_static("tagged"),
    ), before = "jwt"),
    scope("/api/*", jwt(secret_env = "STRATA_SCOPES_JWT_SECRET")),
    scope("/same/*"),
)]
fn placed_app() -> Router {
    Router::new()
        .route("/", get(|| async { "home" }))
        .route("/api/x", get(|| async { "api" }))
        .route("/same/x", get(|| async { "same" }))
}

/// Files under /files, served by tower-http's `ServeDir`, which
/// percent-decodes and normalises the path it is given.
#[strata::stack(request_id, scope("/files/admin/*", api_key(keys_env = "STRATA_SCOPES_ADMIN_KEYS")))]
fn files_app(root: std::path::PathBuf) -> Router {
    Router::new().nest_service("/files", tower_http::services::ServeDir::new(root))
}

/// A scope of high rank (`security_headers`, 50) parts the branches above
/// `rate_limit`: the one global limiter then sits in both arms.
#[strata::stack(rate_limit(requests = 3, per = "1m"), scope("/admin/*", security_headers))]
fn limited_app() -> Router {
    Router::new()
        .route("/", get(|| async { "home" }))
        .route("/admin/x", get(|| async { "admin" }))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn token(subject: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": subject, "exp": now() + 60}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON log lines written so far (one subscriber for the whole binary).
fn log_lines() -> Vec<Value> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let log = LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = Buffer(log.clone());
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(move || writer.clone()),
        );
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        log
    });
    let bytes = log.lock().unwrap().clone();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The access-log lines of one request ID.
fn access_lines(request_id: &str) -> usize {
    log_lines()
        .iter()
        .filter(|line| line["target"] == "strata::access" && line["fields"]["request_id"] == request_id)
        .count()
}

async fn start() -> std::net::SocketAddr {
    log_lines();
    let stack = temp_env::with_vars(
        [
            ("STRATA_SCOPES_JWT_SECRET", Some(SECRET)),
            ("STRATA_SCOPES_ADMIN_KEYS", Some(ADMIN_KEY)),
        ],
        app,
    );
    serve(stack).await
}

#[tokio::test]
async fn each_path_meets_its_own_branch() {
    let address = start().await;

    // /api/*: no token → 401, with the whole app's CORS headers.
    let refused = send(address, empty(request("GET", "/api/x").header("origin", APP))).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.header("access-control-allow-origin"), Some(APP));
    let bearer = format!("Bearer {}", token("ann"));
    let served = send(
        address,
        empty(request("GET", "/api/x").header("authorization", &bearer)),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.text(), "api");

    // /admin/*: no key → 403, with the admin policy's CORS headers only.
    let refused = send(address, empty(request("GET", "/admin/x").header("origin", ADMIN))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.header("access-control-allow-origin"), Some(ADMIN));
    let foreign = send(address, empty(request("GET", "/admin/x").header("origin", APP))).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(
        foreign.header("access-control-allow-origin"),
        None,
        "the app's origin is not the admin's"
    );
    let served = send(
        address,
        empty(request("GET", "/admin/x").header("x-api-key", ADMIN_KEY)),
    )
    .await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.text(), "admin");

    // A JWT does not open /admin, an API key does not open /api.
    let crossed = send(
        address,
        empty(request("GET", "/admin/x").header("authorization", &bearer)),
    )
    .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    let crossed = send(address, empty(request("GET", "/api/x").header("x-api-key", ADMIN_KEY))).await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);

    // /: open, with the whole app's CORS; so is a path next to a scope.
    let home = send(address, empty(request("GET", "/").header("origin", APP))).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.text(), "home");
    assert_eq!(home.header("access-control-allow-origin"), Some(APP));
    let sibling = send(address, empty(request("GET", "/apix"))).await;
    assert_eq!(sibling.status, StatusCode::NOT_FOUND, "/apix is not under /api");
}

#[tokio::test]
async fn the_scope_itself_and_its_trailing_slash_are_in_it() {
    let address = start().await;
    for path in ["/api", "/api/", "/admin"] {
        let response = send(address, empty(request("GET", path))).await;
        assert!(
            matches!(response.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{path}: {}",
            response.status
        );
    }
}

#[tokio::test]
async fn the_shared_part_runs_once_per_request_whatever_the_branch() {
    let address = start().await;
    let bearer = format!("Bearer {}", token("bob"));
    for (path, id, extra) in [
        ("/", "once-home", None),
        ("/api/x", "once-api-refused", None),
        ("/api/x", "once-api-served", Some(("authorization", bearer.as_str()))),
        ("/admin/x", "once-admin-refused", None),
        ("/admin/x", "once-admin-served", Some(("x-api-key", ADMIN_KEY))),
    ] {
        let mut builder = request("GET", path).header("x-request-id", id);
        if let Some((name, value)) = extra {
            builder = builder.header(name, value);
        }
        let response = send(address, empty(builder)).await;
        assert_eq!(response.all("x-request-id"), [id], "{path}: one request ID");
        assert_eq!(access_lines(id), 1, "{path}: one access-log line");
    }
}

#[tokio::test]
async fn a_preflight_to_admin_is_answered_by_the_admin_policy() {
    let address = start().await;
    let preflight = |origin: &'static str| {
        empty(
            request("OPTIONS", "/admin/x")
                .header("origin", origin)
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "x-api-key"),
        )
    };
    let admin = send(address, preflight(ADMIN)).await;
    assert_eq!(
        admin.status,
        StatusCode::OK,
        "a preflight carries no key, and cors answers it"
    );
    assert_eq!(admin.header("access-control-allow-origin"), Some(ADMIN));
    // Only the admin policy allows `x-api-key`.
    let allowed = admin.header("access-control-allow-headers").unwrap_or_default();
    assert!(allowed.split(", ").any(|h| h == "x-api-key"), "{allowed}");
    let app = send(address, preflight(APP)).await;
    assert_eq!(app.header("access-control-allow-origin"), None);

    // The whole app's policy still answers preflights elsewhere.
    let api = send(
        address,
        empty(
            request("OPTIONS", "/api/x")
                .header("origin", APP)
                .header("access-control-request-method", "GET"),
        ),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.header("access-control-allow-origin"), Some(APP));
}

#[tokio::test]
async fn a_limit_in_a_scope_counts_only_that_scope() {
    let address = start().await;
    let bearer = format!("Bearer {}", token("carol"));
    for _ in 0..3 {
        let response = send(
            address,
            empty(request("GET", "/api/x").header("authorization", &bearer)),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
    }
    let limited = send(
        address,
        empty(request("GET", "/api/x").header("authorization", &bearer)),
    )
    .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // The same client elsewhere is not limited: the limit lives in /api/*.
    for _ in 0..5 {
        let home = send(address, empty(request("GET", "/").header("authorization", &bearer))).await;
        assert_eq!(home.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn placements_may_name_a_layer_of_another_branch() {
    let stack = temp_env::with_var("STRATA_SCOPES_JWT_SECRET", Some(SECRET), placed_app);
    let address = serve(stack).await;
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/same/x", StatusCode::OK),
        ("/api/x", StatusCode::UNAUTHORIZED),
    ] {
        let response = send(address, empty(request("GET", path).header("origin", APP))).await;
        assert_eq!(response.status, status, "{path}");
        assert_eq!(response.header("x-tag"), Some("tagged"), "{path}");
        assert_eq!(response.header("access-control-allow-origin"), Some(APP), "{path}");
    }
}

#[tokio::test]
async fn a_path_that_decodes_into_another_scope_is_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("admin")).unwrap();
    std::fs::write(root.path().join("admin/secret.txt"), "the admin secret").unwrap();
    std::fs::write(root.path().join("public.txt"), "public").unwrap();
    let path = root.path().to_path_buf();
    let stack = temp_env::with_var("STRATA_SCOPES_ADMIN_KEYS", Some(ADMIN_KEY), || files_app(path));
    let address = serve(stack).await;

    let open = send(address, empty(request("GET", "/files/public.txt"))).await;
    assert_eq!((open.status, open.text()), (StatusCode::OK, "public"));
    let guarded = send(address, empty(request("GET", "/files/admin/secret.txt"))).await;
    assert_eq!(guarded.status, StatusCode::FORBIDDEN);
    let keyed = send(
        address,
        empty(request("GET", "/files/admin/secret.txt").header("x-api-key", ADMIN_KEY)),
    )
    .await;
    assert_eq!((keyed.status, keyed.text()), (StatusCode::OK, "the admin secret"));

    // Each of these reaches admin/secret.txt through ServeDir's decoding, on
    // a path the switch would read as outside /files/admin/*.
    for sneaky in [
        "/files/%61dmin/secret.txt",
        "/files/%2e/admin/secret.txt",
        "/files/x/../admin/secret.txt",
        "/files//admin/secret.txt",
    ] {
        let response = send(address, empty(request("GET", sneaky))).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{sneaky}: {}",
            response.text()
        );
        assert_eq!(response.text(), r#"{"detail":"Ambiguous path"}"#);
        assert_eq!(response.all("x-request-id").len(), 1, "the shared part still answered");
    }
    // A decoded path that stays in its branch is served as ServeDir reads it.
    let spaced = send(address, empty(request("GET", "/files/%70ublic.txt"))).await;
    assert_eq!((spaced.status, spaced.text()), (StatusCode::OK, "public"));
}

#[tokio::test]
async fn a_global_limit_below_the_switch_is_one_bucket_across_branches() {
    let address = serve(limited_app()).await;
    let mut statuses = Vec::new();
    for path in ["/", "/admin/x", "/", "/admin/x", "/"] {
        statuses.push(send(address, empty(request("GET", path))).await.status.as_u16());
    }
    // Alternating paths does not buy a second bucket.
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let admin = send(address, empty(request("GET", "/admin/x"))).await;
    assert!(
        admin.header("x-content-type-options").is_some(),
        "the admin branch answered"
    );
}
