//! No request may panic strata: every middleware in one stack (without
//! `catch_panic`, so a panic would fail this test instead of becoming a 500),
//! and thousands of hostile requests — malformed hosts, origins, tokens,
//! cookies, forwarded headers, paths and methods, alone and combined; from a
//! trusted proxy and from an untrusted peer; with origin-form and
//! absolute-form targets (what HTTP/2's `:authority` also produces).

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Method, Request, StatusCode};
use axum::routing::get;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]),
    request_id,
    trace_context,
    access_log,
    metrics,
    trusted_host(allowed_hosts = ["localhost", "*.example.com", "[::1]"], exempt_paths = ["/public"]),
    https_redirect,
    security_headers,
    cors(
        allow_origins = ["https://app.example.com"],
        allow_origin_regex = "https://[a-z]+\\.preview\\.example\\.com",
        allow_credentials = true,
        allow_methods = ["GET", "POST"],
        allow_headers = ["authorization", "content-type"],
    ),
    compression(minimum_size = 10),
    timeout(request = "10s", status = 504, request_body = "5s"),
    concurrency_limit(max_in_flight = 1000),
    block(user_agent_prefixes = ["BadBot"]),
    rate_limit(requests = 1000000, per = "1s"),
    redirect_slashes,
    decompression,
    body_limit(max = "64KiB"),
    session(secret_env = "STRATA_HOSTILE_SESSION"),
    jwt(secret_env = "STRATA_HOSTILE_JWT", public_paths = ["/public", "/docs/*"]),
    api_key(keys_env = "STRATA_HOSTILE_KEYS", public_paths = ["/public", "/docs/*"]),
    timing,
    // Hostile paths meet the path switch too (`%`, `//`, dot segments).
    scope("/docs/*", cors(allow_origins = ["https://docs.example.com"]), compression(minimum_size = 100)),
    scope("/private", rate_limit(requests = 1000000, per = "1m")),
)]
fn app() -> Router {
    Router::new()
        .route("/public", get(|| async { "public" }))
        .route("/private", get(|| async { "private" }))
}

fn bytes(value: &[u8]) -> Option<HeaderValue> {
    HeaderValue::from_bytes(value).ok()
}

fn hostile(header: &str) -> Vec<Vec<u8>> {
    let long = |unit: &str, times: usize| unit.repeat(times).into_bytes();
    let mut values: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b" ".to_vec(),
        b"\xff\xfe".to_vec(),
        "é".as_bytes().to_vec(),
        long("a", 10_000),
        long(",", 500),
        long("=", 500),
        b"\t".to_vec(),
    ];
    let specific: &[&str] = match header {
        "host" => &[
            "[",
            "[::1",
            "[::1]:",
            "a:b:c",
            "localhost:99999999999999999999",
            "localhost:",
            "..",
            ".example.com",
            "a..example.com",
            "LOCALHOST",
            "localhost:80@evil.com",
            "evil.com/.example.com",
            "localhost.",
            "LOCALHOST..",
            "[::1].",
            "[::1]:000080",
            "[:::]",
            "[fe80::1%25eth0]",
            "localhost:65536",
            "a_b.example.com",
        ],
        "origin" => &[
            "null",
            "https://app.example.com/",
            "https://APP.example.com",
            "https://x.preview.example.com.evil",
            "https://",
            "file://",
            "https://app.example.com:99999",
        ],
        "authorization" => &[
            "Bearer",
            "Bearer ",
            "Bearer a.b.c",
            "Bearer ..",
            "Basic dXNlcjpwYXNz",
            "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            "Bearer eyJ.eyJ.sig",
            "bearer x",
        ],
        "cookie" => &[
            "session=",
            "session=a.b",
            "session=%%%%",
            "session=a.b.c.d",
            "session",
            "=",
            ";;;",
            "session=\"x\"",
            "session=a; session=b",
        ],
        "x-forwarded-for" => &[
            "",
            ",,,",
            "1.2.3.4, , ",
            "::::",
            "999.999.999.999",
            "10.0.0.1, 10.0.0.2, 1.2.3.4",
            "unknown",
            "[::1]:80",
            "198.51.100.1, 10.0.0.1, 127.0.0.1",
            "[2001:db8::1]:4711, 10.0.0.1",
        ],
        "x-forwarded-proto" => &["", "HTTPS", "ftp", "https, http", "http, https", "wss"],
        "x-forwarded-host" => &[
            "",
            "evil.example",
            "api.example.com, evil.example",
            "evil.example, api.example.com",
            "localhost:99999",
            "[::1",
            "api.example.com/x",
        ],
        "forwarded" => &[
            "for=198.51.100.1;proto=https;host=api.example.com",
            "for=\"[2001:db8::1]:4711\";proto=https",
            "for=198.51.100.1;for=198.51.100.2",
            "for=198.51.100.1;proto=https;proto=http",
            "for=\"[2001:db8::1",
            "for=unknown, for=_hidden, for=10.0.0.1",
            "for=;proto=;host=",
            ";;;,,,",
            "for=\"\\\"\";host=\"a,b\"",
            "host=\"evil.example\"",
            "proto=https, proto=https",
        ],
        "access-control-request-method" => &["", "GET, POST", "G E T", "*"],
        "access-control-request-headers" => &[",", " , ,", "authorization,,content-type", "*"],
        "x-api-key" => &["k", "key-1 ", "key-1,key-2"],
        "user-agent" => &["BadBot", "BadBot/1.0", "badbot"],
        "accept-encoding" => &["gzip;q=", "gzip;q=abc", "*;q=0", "br;q=1.5, gzip;q=-1", "identity;q=0"],
        "x-request-id" => &["\u{7f}", "a b", "ok-id"],
        "traceparent" => &[
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-é",
            "00-00000000000000000000000000000000-0000000000000000-00",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            "00---",
        ],
        "tracestate" => &["a=1,a=2", "=", ",,,,", "a@=1", "k=v\u{7f}", "congo=t61rcWkgMzE"],
        _ => &[],
    };
    values.extend(specific.iter().map(|value| value.as_bytes().to_vec()));
    values.extend([long("a", 200), long("ab", 80)]);
    values
}

const HEADERS: &[&str] = &[
    "host",
    "origin",
    "authorization",
    "cookie",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "forwarded",
    "access-control-request-method",
    "access-control-request-headers",
    "x-api-key",
    "user-agent",
    "accept-encoding",
    "x-request-id",
    "traceparent",
    "tracestate",
];

const PATHS: &[&str] = &[
    "/",
    "/public",
    "/public/",
    "/private",
    "//",
    "/docs/",
    "/docs/a/b",
    "/%2e%2e/private",
    "/public/../private",
    "*",
    // Absolute-form targets (HTTP/1.1), or what `:authority` gives (HTTP/2).
    "http://localhost/private",
    "https://localhost/public",
    "http://evil.example/public",
    "http://LOCALHOST./private",
    "http://[::1]:8080/public",
    "http://a.example.com:99999/private",
];

/// A trusted proxy, and an untrusted client: the forwarded headers are sent
/// from both in turn (the untrusted one is redirected to HTTPS, since its
/// `X-Forwarded-Proto` is not believed), every other header from the proxy,
/// so that it reaches the layers deep inside.
fn peer(header: &str, sent: usize) -> &'static str {
    let forwarded = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded"];
    if forwarded.contains(&header) && sent % 2 == 1 {
        "203.0.113.9:4000"
    } else {
        "127.0.0.1:4000"
    }
}

const JWT_SECRET: &str = "hostile-jwt-hostile-jwt-hostile-jwt-hostile";

fn valid_token() -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({ "sub": "ann", "exp": exp }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// A request every layer would let through, with one header made hostile.
fn request(
    method: &Method,
    path: &str,
    header: &str,
    value: &HeaderValue,
    token: &str,
    peer: &str,
) -> Option<Request<Body>> {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .body(Body::empty())
        .ok()?;
    let headers = request.headers_mut();
    let defaults = [
        ("host", "localhost".to_string()),
        ("x-forwarded-proto", "https".to_string()),
        ("authorization", format!("Bearer {token}")),
        ("x-api-key", "key-1".to_string()),
    ];
    for (name, default) in defaults {
        if header != name {
            headers.insert(name, HeaderValue::from_str(&default).ok()?);
        }
    }
    if header == "access-control-request-method" || header == "access-control-request-headers" {
        headers.insert("origin", HeaderValue::from_static("https://app.example.com"));
    }
    headers.append(axum::http::HeaderName::from_static(leak(header)), value.clone());
    let peer: SocketAddr = peer.parse().ok()?;
    request.extensions_mut().insert(ConnectInfo(peer));
    Some(request)
}

fn leak(header: &str) -> &'static str {
    HEADERS
        .iter()
        .find(|known| **known == header)
        .copied()
        .unwrap_or("x-unknown")
}

#[tokio::test]
async fn hostile_requests_never_panic_and_never_fail_inside() {
    let service = temp_env::with_vars(
        [
            (
                "STRATA_HOSTILE_SESSION",
                Some("hostile-session-hostile-session-hostile"),
            ),
            (
                "STRATA_HOSTILE_JWT",
                Some("hostile-jwt-hostile-jwt-hostile-jwt-hostile"),
            ),
            ("STRATA_HOSTILE_KEYS", Some("key-1")),
        ],
        app,
    );
    let token = valid_token();
    let methods = [
        Method::GET,
        Method::OPTIONS,
        Method::POST,
        Method::from_bytes(b"PROPFIND").unwrap(),
    ];
    let mut sent = 0;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for header in HEADERS {
        for value in hostile(header).iter().filter_map(|value| bytes(value)) {
            for method in &methods {
                for path in PATHS {
                    let peer = peer(header, sent);
                    let Some(request) = request(method, path, header, &value, &token, peer) else {
                        continue;
                    };
                    let response = service.clone().oneshot(request).await.unwrap();
                    sent += 1;
                    *statuses.entry(response.status().as_u16()).or_default() += 1;
                    assert_ne!(
                        response.status(),
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "{method} {path} from {peer} with {header}: {value:?}"
                    );
                    // The body too: compression and the session run as it streams.
                    response.into_body().collect().await.unwrap();
                }
            }
        }
    }
    assert!(sent > 3000, "only {sent} requests were sent");
    // Most requests get past the outer layers to the ones that judge them:
    // the stack is exercised, not just the host check.
    eprintln!("{sent} requests: {statuses:?}");
    let refused_host = statuses.get(&400).copied().unwrap_or(0);
    assert!(refused_host < sent / 2, "{statuses:?}");
    for status in [401, 403, 307, 200] {
        assert!(statuses.contains_key(&status), "no {status} in {statuses:?}");
    }
}
