use axum::body::Body;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response, StatusCode};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::cookie::{Signer, now};
use super::{SameSite, Session, SessionLayer, SessionPolicy};
use crate::proxy::{ClientInfo, Scheme};
use crate::test_util::{body_string, header_values};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

static POLICY: SessionPolicy = SessionPolicy {
    cookie: "session",
    max_age: 1_209_600,
    path: "/",
    domain: None,
    same_site: SameSite::Lax,
    https_only: true,
};

/// `/login` stores a user, `/logout` clears, `/count` increments a counter,
/// anything else reads; every answer is the user and count it saw.
fn app()
-> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible> + Clone {
    service_fn(|request: Request<Body>| async move {
        let session = request
            .extensions()
            .get::<Session>()
            .cloned()
            .expect("session layer ran");
        match request.uri().path() {
            "/login" => session.insert("user", "ann").unwrap(),
            "/logout" => session.clear(),
            "/count" => {
                let count = session.get::<u32>("count").unwrap_or(0);
                session.insert("count", count + 1).unwrap();
            }
            _ => {}
        }
        let seen = format!(
            "{}:{}",
            session.get::<String>("user").unwrap_or_default(),
            session.get::<u32>("count").unwrap_or(0)
        );
        Ok(Response::new(Body::from(seen)))
    })
}

async fn call(path: &str, cookie: Option<&str>) -> Response<Body> {
    let mut builder = Request::builder().uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header(COOKIE, cookie);
    }
    SessionLayer::new(&POLICY, SECRET, "SESSION_SECRET")
        .unwrap()
        .layer(app())
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The `name=value` part of the response's session cookie.
fn cookie_pair(response: &Response<Body>) -> String {
    let set = header_values(response, "set-cookie");
    assert_eq!(set.len(), 1, "{set:?}");
    set[0].split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn a_session_round_trips_through_the_signed_cookie_with_its_attributes() {
    let response = call("/login", None).await;
    let set = header_values(&response, "set-cookie");
    assert_eq!(set.len(), 1);
    assert!(set[0].starts_with("session="), "{}", set[0]);
    assert!(
        set[0].ends_with("; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax; Secure"),
        "{}",
        set[0]
    );
    let cookie = cookie_pair(&response);
    let response = call("/count", Some(&format!("theme=dark; {cookie}"))).await;
    let cookie = cookie_pair(&response);
    assert_eq!(body_string(response).await, "ann:1");
    let response = call("/", Some(&cookie)).await;
    // Read, not changed: no cookie, but the answer depends on it.
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(header_values(&response, "vary"), ["Cookie"]);
    assert_eq!(body_string(response).await, "ann:1");
}

#[tokio::test]
async fn an_unchanged_session_is_reissued_only_past_half_its_max_age() {
    let ours = Signer::new(SECRET.as_bytes());
    let mut data = serde_json::Map::new();
    data.insert("user".into(), "ann".into());
    let half = POLICY.max_age / 2;
    // Issued just under half a lifetime ago: no cookie.
    let recent = ours.seal("session", &data, now() - half + 5, now() + half).unwrap();
    let response = call("/", Some(&format!("session={recent}"))).await;
    assert!(response.headers().get(SET_COOKIE).is_none());
    // Issued more than half a lifetime ago: a fresh cookie with the full max_age.
    let old = ours.seal("session", &data, now() - half - 5, now() + half).unwrap();
    let response = call("/", Some(&format!("session={old}"))).await;
    let set = header_values(&response, "set-cookie");
    assert_eq!(set.len(), 1);
    assert!(set[0].contains("; Max-Age=1209600;"), "{}", set[0]);
    assert_eq!(header_values(&response, "cache-control"), ["private"]);
    assert_eq!(body_string(response).await, "ann:0");
    // A value signed before the issue time was part of it is renewed, not dropped.
    let json = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, br#"{"user":"ann"}"#);
    let legacy = ours.sign("session", &format!("{json}.{}", now() + 600));
    let response = call("/", Some(&format!("session={legacy}"))).await;
    assert_eq!(header_values(&response, "set-cookie").len(), 1);
    assert_eq!(body_string(response).await, "ann:0");
}

#[test]
fn renewal_is_due_past_half_of_max_age_and_never_underflows() {
    use super::cookie::due_for_renewal;
    assert!(!due_for_renewal(1000, 1050, 100));
    assert!(due_for_renewal(1000, 1051, 100));
    // Odd max_age: 50 s is under half of 101, 51 s over it.
    assert!(!due_for_renewal(1000, 1050, 101));
    assert!(due_for_renewal(1000, 1051, 101));
    // A clock that went backwards, and absurd values, do not panic.
    assert!(!due_for_renewal(u64::MAX, 0, 100));
    assert!(due_for_renewal(0, u64::MAX, u64::MAX - 1));
}

#[tokio::test]
async fn no_session_no_cookie() {
    let response = call("/", None).await;
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(body_string(response).await, ":0");
}

#[tokio::test]
async fn tampered_foreign_expired_or_garbage_cookies_are_an_empty_session() {
    let response = call("/login", None).await;
    let cookie = cookie_pair(&response);
    let value = cookie.strip_prefix("session=").unwrap();
    // Flip one character of the data.
    let mut tampered = value.to_string();
    let replaced = if tampered.starts_with('e') { "f" } else { "e" };
    tampered.replace_range(0..1, replaced);
    let other_key = Signer::new(b"another secret, another secret!!");
    let mut data = serde_json::Map::new();
    data.insert("user".into(), "admin".into());
    let foreign = other_key.seal("session", &data, now(), now() + 600).unwrap();
    let ours = Signer::new(SECRET.as_bytes());
    let expired = ours.seal("session", &data, now() - 10, now() - 1).unwrap();
    let renamed = ours.sign("other", "eyJ1c2VyIjoiYWRtaW4ifQ.99999999999");
    for bad in [
        tampered,
        foreign,
        expired,
        renamed,
        "garbage".into(),
        "".into(),
        "a.b.c".into(),
    ] {
        let response = call("/", Some(&format!("session={bad}"))).await;
        assert_eq!(response.status(), StatusCode::OK);
        // The bad cookie is cleared, and the handler saw nothing.
        let set = header_values(&response, "set-cookie");
        assert_eq!(set.len(), 1, "{bad}");
        assert!(set[0].starts_with("session=; Path=/; Max-Age=0;"), "{}", set[0]);
        assert_eq!(body_string(response).await, ":0", "{bad}");
    }
    // A valid one signed by us still works.
    let valid = ours.seal("session", &data, now(), now() + 600).unwrap();
    let response = call("/", Some(&format!("session={valid}"))).await;
    assert_eq!(body_string(response).await, "admin:0");
}

#[tokio::test]
async fn clearing_the_session_clears_the_cookie() {
    let cookie = cookie_pair(&call("/login", None).await);
    let response = call("/logout", Some(&cookie)).await;
    let set = header_values(&response, "set-cookie");
    assert_eq!(
        set,
        ["session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax; Secure"]
    );
}

/// The app's own `Cache-Control` and what a response that sets the cookie
/// leaves the client with.
async fn cache_control_after(app_cache_control: &[&str], app_vary: Option<&str>) -> (Vec<String>, Vec<String>) {
    let app_headers: Vec<String> = app_cache_control.iter().map(|v| v.to_string()).collect();
    let app_vary = app_vary.map(str::to_owned);
    let inner = service_fn(move |request: Request<Body>| {
        let app_headers = app_headers.clone();
        let app_vary = app_vary.clone();
        async move {
            let session = request.extensions().get::<Session>().cloned().unwrap();
            session.insert("user", "ann").unwrap();
            let mut response = Response::new(Body::empty());
            for value in app_headers {
                response.headers_mut().append("cache-control", value.parse().unwrap());
            }
            if let Some(vary) = app_vary {
                response.headers_mut().append("vary", vary.parse().unwrap());
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let response = SessionLayer::new(&POLICY, SECRET, "SESSION_SECRET")
        .unwrap()
        .layer(inner)
        .oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(header_values(&response, "set-cookie").len(), 1);
    (
        header_values(&response, "cache-control"),
        header_values(&response, "vary"),
    )
}

#[tokio::test]
async fn a_response_that_sets_the_cookie_is_private_and_varies_on_cookie() {
    let cases: &[(&[&str], &[&str])] = &[
        (&[], &["private"]),
        (&["no-store"], &["no-store"]),
        (&["private, max-age=60"], &["private, max-age=60"]),
        (&["Private"], &["Private"]),
        (
            &["no-cache, no-store, must-revalidate"],
            &["no-cache, no-store, must-revalidate"],
        ),
        (&["public, max-age=600"], &["private, max-age=600"]),
        (&["max-age=600, s-maxage=3600"], &["private, max-age=600"]),
        (&["public", "max-age=600"], &["private, max-age=600"]),
        (&["no-cache"], &["private, no-cache"]),
    ];
    for (app, expected) in cases {
        let (cache_control, vary) = cache_control_after(app, None).await;
        assert_eq!(cache_control, *expected, "app sent {app:?}");
        assert_eq!(vary, ["Cookie"], "app sent {app:?}");
    }
    // Vary is appended to the app's, never duplicated.
    let (_, vary) = cache_control_after(&[], Some("Accept-Encoding")).await;
    assert_eq!(vary, ["Accept-Encoding", "Cookie"]);
    let (_, vary) = cache_control_after(&[], Some("accept-encoding, cookie")).await;
    assert_eq!(vary, ["accept-encoding, cookie"]);
    let (_, vary) = cache_control_after(&[], Some("*")).await;
    assert_eq!(vary, ["*"]);
}

#[tokio::test]
async fn a_session_too_large_for_a_cookie_is_a_500_not_a_silent_loss() {
    let inner = service_fn(|request: Request<Body>| async move {
        let session = request.extensions().get::<Session>().cloned().unwrap();
        session.insert("blob", "x".repeat(5000)).unwrap();
        Ok::<_, std::convert::Infallible>(Response::new(Body::from("saved?")))
    });
    let response = SessionLayer::new(&POLICY, SECRET, "SESSION_SECRET")
        .unwrap()
        .layer(inner)
        .oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get(SET_COOKIE).is_none());
    assert_eq!(header_values(&response, "content-type"), ["application/json"]);
    assert_eq!(body_string(response).await, r#"{"detail":"Internal server error"}"#);
}

#[tokio::test]
async fn cookie_attributes_follow_the_policy() {
    static STRICT: SessionPolicy = SessionPolicy {
        cookie: "sid",
        max_age: 60,
        path: "/app",
        domain: Some("example.com"),
        same_site: SameSite::Strict,
        https_only: false,
    };
    let response = SessionLayer::new(&STRICT, SECRET, "SESSION_SECRET")
        .unwrap()
        .layer(app())
        .oneshot(Request::builder().uri("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let set = header_values(&response, "set-cookie");
    assert!(set[0].starts_with("sid="));
    assert!(
        set[0].ends_with("; Path=/app; Max-Age=60; Domain=example.com; HttpOnly; SameSite=Strict"),
        "{}",
        set[0]
    );
}

#[test]
fn a_short_secret_is_refused_naming_the_variable() {
    let error = SessionLayer::new(&POLICY, "too short", "SESSION_SECRET").unwrap_err();
    assert!(error.to_string().contains("`SESSION_SECRET`"), "{error}");
    assert!(!error.to_string().contains("too short"), "{error}");
}

#[test]
fn the_handle_api() {
    let session = Session::default();
    assert!(session.is_empty());
    session.insert("n", 3).unwrap();
    assert_eq!(session.get::<u32>("n"), Some(3));
    assert_eq!(session.get::<String>("n"), None);
    assert_eq!(session.remove("n"), Some(serde_json::json!(3)));
    assert_eq!(session.remove("n"), None);
    let mut bad = std::collections::HashMap::new();
    bad.insert((1, 2), 3);
    assert!(session.insert("bad", bad).is_err());
    assert!(session.is_empty());
}

/// `https_only = false`: `Secure` follows the scheme the request came over.
static SAME_AS_REQUEST: SessionPolicy = SessionPolicy {
    https_only: false,
    ..POLICY
};

/// The `Set-Cookie` of `path` through `session` alone, with `client` in the
/// request extensions (what `proxy` or a TLS-terminating server puts there)
/// and the given request headers.
async fn set_cookie_with(
    policy: &'static SessionPolicy,
    path: &str,
    client: Option<ClientInfo>,
    headers: &[(&str, &str)],
) -> Vec<String> {
    let mut builder = Request::builder().uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    if let Some(client) = client {
        request.extensions_mut().insert(client);
    }
    let response = SessionLayer::new(policy, SECRET, "SESSION_SECRET")
        .unwrap()
        .layer(app())
        .oneshot(request)
        .await
        .unwrap();
    header_values(&response, "set-cookie")
}

fn over(scheme: Scheme) -> Option<ClientInfo> {
    Some(ClientInfo {
        scheme,
        ..ClientInfo::default()
    })
}

fn is_secure(set_cookie: &str) -> bool {
    set_cookie.split(';').any(|attribute| attribute.trim() == "Secure")
}

#[tokio::test]
async fn without_https_only_the_cookie_is_secure_exactly_when_the_request_came_over_https() {
    let https = set_cookie_with(&SAME_AS_REQUEST, "/login", over(Scheme::Https), &[]).await;
    assert_eq!(https.len(), 1);
    assert!(https[0].ends_with("; HttpOnly; SameSite=Lax; Secure"), "{}", https[0]);
    let http = set_cookie_with(&SAME_AS_REQUEST, "/login", over(Scheme::Http), &[]).await;
    assert!(http[0].ends_with("; HttpOnly; SameSite=Lax"), "{}", http[0]);
    // No `ClientInfo` at all (no `proxy`, `axum::serve`): plain HTTP.
    let bare = set_cookie_with(&SAME_AS_REQUEST, "/login", None, &[]).await;
    assert!(!is_secure(&bare[0]), "{}", bare[0]);
    // Clearing the cookie over HTTPS must be `Secure` too, or a browser that
    // holds the `Secure` cookie ignores the removal.
    let cookie = https[0].split(';').next().unwrap().to_owned();
    let cleared = set_cookie_with(&SAME_AS_REQUEST, "/logout", over(Scheme::Https), &[("cookie", &cookie)]).await;
    assert!(cleared[0].contains("Max-Age=0"), "{}", cleared[0]);
    assert!(is_secure(&cleared[0]), "{}", cleared[0]);
}

#[tokio::test]
async fn https_only_is_secure_whatever_the_request_came_over() {
    for client in [over(Scheme::Http), over(Scheme::Https), None] {
        let set = set_cookie_with(&POLICY, "/login", client.clone(), &[]).await;
        assert!(is_secure(&set[0]), "{client:?}: {}", set[0]);
    }
}

#[tokio::test]
async fn attack_a_client_cannot_claim_https_without_a_trusted_proxy() {
    // What a client writes is not how it connected: a forged
    // `X-Forwarded-Proto`/`Forwarded`/`X-Forwarded-Ssl` with no `proxy` in
    // the stack, or a scheme in the request target.
    let forged = [
        ("x-forwarded-proto", "https"),
        ("forwarded", "proto=https"),
        ("x-forwarded-ssl", "on"),
        ("x-forwarded-scheme", "https"),
    ];
    let set = set_cookie_with(&SAME_AS_REQUEST, "/login", None, &forged).await;
    assert!(!is_secure(&set[0]), "{}", set[0]);
    let set = set_cookie_with(&SAME_AS_REQUEST, "https://example.com/login", None, &forged).await;
    assert!(!is_secure(&set[0]), "{}", set[0]);
}

/// `proxy` in front of `session`: a trusted peer's `X-Forwarded-Proto`
/// decides; an untrusted peer's is stripped and changes nothing.
#[tokio::test]
async fn behind_proxy_only_a_trusted_peers_forwarded_proto_makes_the_cookie_secure() {
    use std::net::SocketAddr;

    use axum::extract::ConnectInfo;

    use crate::proxy::{Cidr, ForwardedHeaders, ProxyLayer, ProxyPolicy, Trust};

    static TRUST_10_8: ProxyPolicy = ProxyPolicy {
        // 10.0.0.0/8, IPv4-mapped.
        trust: Trust::Proxies(&[Cidr {
            bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0],
            prefix: 104,
        }]),
        headers: ForwardedHeaders::XForwarded,
    };
    let stack = ProxyLayer::new(&TRUST_10_8).layer(
        SessionLayer::new(&SAME_AS_REQUEST, SECRET, "SESSION_SECRET")
            .unwrap()
            .layer(app()),
    );
    let from = |peer: &str, proto: &str| {
        let mut request = Request::builder()
            .uri("/login")
            .header("x-forwarded-for", "198.51.100.7")
            .header("x-forwarded-proto", proto)
            .body(Body::empty())
            .unwrap();
        let peer: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    };
    let cookie_of = |response: Response<Body>| header_values(&response, "set-cookie").remove(0);

    let trusted_https = cookie_of(stack.clone().oneshot(from("10.1.2.3:4000", "https")).await.unwrap());
    assert!(is_secure(&trusted_https), "{trusted_https}");
    let trusted_http = cookie_of(stack.clone().oneshot(from("10.1.2.3:4000", "http")).await.unwrap());
    assert!(!is_secure(&trusted_http), "{trusted_http}");
    let forged = cookie_of(stack.clone().oneshot(from("203.0.113.9:4000", "https")).await.unwrap());
    assert!(!is_secure(&forged), "{forged}");
}
