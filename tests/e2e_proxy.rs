//! End to end over real sockets: `proxy` decides who the client is, and the
//! layers that read it (`trusted_host`, `https_redirect`, `rate_limit`) and
//! the handler (`strata::ClientInfo`) all follow it. From a trusted peer the
//! forwarded address, scheme and host are believed; from any other peer they
//! are stripped before anything inside sees them.

mod support;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use support::{Received, empty, request, send, serve};

/// What the handler sees: who the client is, and which forwarded headers
/// reached it.
async fn whoami(client: strata::ClientInfo, headers: HeaderMap) -> String {
    let forwarded: Vec<&str> = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .into_iter()
    .filter(|name| headers.contains_key(*name))
    .collect();
    format!(
        "ip={} scheme={} host={} forwarded=[{}]",
        client.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        client.scheme.as_str(),
        client.host.unwrap_or_default(),
        forwarded.join(",")
    )
}

fn routes() -> Router {
    Router::new().route("/whoami", get(whoami))
}

/// The test client connects from 127.0.0.1: a trusted proxy here.
#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]),
    trusted_host(allowed_hosts = ["api.example.com"]),
    https_redirect,
    rate_limit(requests = 2, per = "1m"),
)]
fn trusting() -> Router {
    routes()
}

#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"], headers = "forwarded"),
    trusted_host(allowed_hosts = ["api.example.com"]),
    https_redirect,
    rate_limit(requests = 2, per = "1m"),
)]
fn trusting_rfc_7239() -> Router {
    routes()
}

/// Here 127.0.0.1 is not a proxy: whatever it forwards is a lie.
#[strata::stack(
    proxy(trusted_proxies = ["10.0.0.0/8", "::1/128"]),
    trusted_host(allowed_hosts = ["api.example.com", "localhost"]),
    https_redirect,
    rate_limit(requests = 2, per = "1m"),
)]
fn distrusting() -> Router {
    routes()
}

/// One proxy in front, whatever its address.
#[strata::stack(proxy(hops = 1), rate_limit(requests = 2, per = "1m"))]
fn one_hop() -> Router {
    routes()
}

/// Everything a proxy would write, and what a liar would.
fn forwarded(client: &str, proto: &str, host: &str) -> axum::http::request::Builder {
    sent_to("internal:8080", client, proto, host)
}

fn sent_to(sent_host: &str, client: &str, proto: &str, host: &str) -> axum::http::request::Builder {
    request("GET", "/whoami")
        .header("host", sent_host)
        .header("x-forwarded-for", client)
        .header("x-forwarded-proto", proto)
        .header("x-forwarded-host", host)
        .header("x-real-ip", client)
        .header("forwarded", format!("for={client};proto={proto};host={host}"))
}

async fn statuses(address: std::net::SocketAddr, requests: Vec<support::Request>) -> Vec<u16> {
    let mut out = Vec::new();
    for request in requests {
        out.push(send(address, request).await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn from_a_trusted_peer_the_forwarded_client_host_and_scheme_are_believed() {
    let address = serve(trusting()).await;
    // Host `internal:8080` is not allowed, the forwarded host is; the
    // connection is plain HTTP, the forwarded scheme is https.
    let response = send(
        address,
        empty(forwarded("6.6.6.6, 198.51.100.1", "https", "api.example.com")),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.text(),
        "ip=198.51.100.1 scheme=https host=api.example.com forwarded=[x-forwarded-for,x-forwarded-proto,x-forwarded-host,x-real-ip]"
    );
    // The redirect follows the forwarded scheme and host.
    let response = send(
        address,
        empty(forwarded("198.51.100.1", "http", "api.example.com").uri("/whoami?a=1")),
    )
    .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("https://api.example.com/whoami?a=1"));
    // The host check follows the forwarded host.
    let response = send(address, empty(forwarded("198.51.100.1", "https", "evil.example"))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn from_a_trusted_peer_the_rate_limit_bucket_follows_the_forwarded_address() {
    let address = serve(trusting()).await;
    let from = |client: &str| empty(forwarded(client, "https", "api.example.com"));
    let requests = vec![
        from("198.51.100.1"),
        from("198.51.100.1"),
        from("198.51.100.1"),
        // Behind a second trusted proxy, still the same client.
        from("198.51.100.1, 10.0.0.7"),
        from("198.51.100.2"),
    ];
    assert_eq!(statuses(address, requests).await, [200, 200, 429, 429, 200]);
}

#[tokio::test]
async fn rfc_7239_forwarded_with_a_quoted_ipv6_and_port_is_believed() {
    let address = serve(trusting_rfc_7239()).await;
    let with = |forwarded: &str| {
        request("GET", "/whoami")
            .header("host", "internal")
            .header("forwarded", forwarded)
            .header("x-forwarded-for", "6.6.6.6")
    };
    let response = send(
        address,
        empty(with(r#"for="[2001:db8::1]:4711";proto=https;host=api.example.com"#)),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    // X-Forwarded-For is not the configured family: removed, never believed.
    assert_eq!(
        response.text(),
        "ip=2001:db8::1 scheme=https host=api.example.com forwarded=[forwarded]"
    );
    let response = send(
        address,
        empty(with(r#"for="[2001:db8::1]:4711";proto=http;host=api.example.com"#)),
    )
    .await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("https://api.example.com/whoami"));
    // The redirect answered before the limiter counted; the client's IPv6
    // /64 is its bucket, so another address in it shares the allowance.
    let mut statuses = Vec::new();
    for client in ["[2001:db8::2]", "[2001:db8::1]:1"] {
        let element = format!(r#"for="{client}";proto=https;host=api.example.com"#);
        statuses.push(send(address, empty(with(&element))).await.status.as_u16());
    }
    assert_eq!(statuses, [200, 429]);
}

#[tokio::test]
async fn from_an_untrusted_peer_the_headers_are_stripped_and_the_peer_is_the_client() {
    let address = serve(distrusting()).await;
    let lie = |host: &str| sent_to(host, "198.51.100.1", "https", "api.example.com");
    // The liar claims HTTPS: it is still plain HTTP, so redirected.
    let response = send(address, empty(lie("api.example.com"))).await;
    assert_eq!(response.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.header("location"), Some("https://api.example.com/whoami"));
    // The liar's X-Forwarded-Host does not get an unknown Host past the check.
    let response = send(address, empty(lie("evil.example"))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn from_an_untrusted_peer_the_handler_sees_no_forwarded_header_and_rotation_buys_no_bucket() {
    let address = serve(untrusted_without_redirect()).await;
    let response = send(address, empty(forwarded("198.51.100.1", "https", "api.example.com"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.text(),
        "ip=127.0.0.1 scheme=http host=internal:8080 forwarded=[]"
    );
    let requests = (2..6)
        .map(|i| empty(forwarded(&format!("198.51.100.{i}"), "https", "api.example.com")))
        .collect();
    // One request already counted: the rotated addresses share the peer's bucket.
    assert_eq!(statuses(address, requests).await, [200, 429, 429, 429]);
}

#[strata::stack(proxy(trusted_proxies = ["10.0.0.0/8"]), rate_limit(requests = 2, per = "1m"))]
fn untrusted_without_redirect() -> Router {
    routes()
}

#[tokio::test]
async fn hops_believe_the_nth_address_from_the_right_and_a_short_chain_nothing() {
    let address = serve(one_hop()).await;
    let response: Received = send(
        address,
        empty(request("GET", "/whoami").header("x-forwarded-for", "6.6.6.6, 198.51.100.9")),
    )
    .await;
    assert_eq!(
        response.text(),
        "ip=198.51.100.9 scheme=http host=localhost forwarded=[x-forwarded-for]"
    );
    // No X-Forwarded-For: the request did not come through the proxy.
    let response = send(
        address,
        empty(request("GET", "/whoami").header("x-forwarded-proto", "https")),
    )
    .await;
    assert_eq!(response.text(), "ip=127.0.0.1 scheme=http host=localhost forwarded=[]");
}

/// The test recipe without sockets: axum's `MockConnectInfo` stands in for
/// the peer, and `proxy` treats it exactly like a real connection.
#[tokio::test]
async fn mock_connect_info_is_the_peer_under_oneshot() {
    use axum::extract::connect_info::MockConnectInfo;
    use http_body_util::BodyExt;
    use tower::{Layer, ServiceExt};

    let call = |peer: &str| {
        let peer: std::net::SocketAddr = peer.parse().unwrap();
        let service = MockConnectInfo(peer).layer(trusting());
        let request = axum::http::Request::builder()
            .uri("/whoami")
            .header("host", "internal")
            .header("x-forwarded-for", "198.51.100.4")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "api.example.com")
            .body(axum::body::Body::empty())
            .unwrap();
        async move {
            let response = service.oneshot(request).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (status, text) = call("10.1.2.3:5000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.starts_with("ip=198.51.100.4 scheme=https host=api.example.com"),
        "{text}"
    );
    // An untrusted mock peer: its X-Forwarded-Host is not believed, and its
    // own Host is not ours.
    let (status, text) = call("203.0.113.9:5000").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text, "Invalid host header");
}
