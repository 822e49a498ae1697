//! End to end over real sockets, behind a trusted `proxy`: `client_ip`
//! keys an IPv6 client by its /64 (and IPv4 by its address), and a flood of
//! distinct clients neither grows the in-memory limiter past `max_keys` nor
//! frees a client who keeps hammering.

mod support;

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use support::{empty, request, send, serve};
use tokio::net::TcpStream;

fn routes() -> Router {
    Router::new().route("/", get(|| async { "hi" }))
}

/// The test client connects from 127.0.0.1, here the trusted proxy.
#[strata::stack(proxy(trusted_proxies = ["127.0.0.1"]), rate_limit(requests = 2, per = "1m"))]
fn behind_proxy() -> Router {
    routes()
}

/// Room for 1,000 clients.
#[strata::stack(
    proxy(trusted_proxies = ["127.0.0.1"]),
    rate_limit(requests = 2, per = "1m", max_keys = 1000)
)]
fn small() -> Router {
    routes()
}

async fn status_from(address: SocketAddr, client: &str) -> u16 {
    let response = send(address, empty(request("GET", "/").header("x-forwarded-for", client))).await;
    response.status.as_u16()
}

async fn statuses_from(address: SocketAddr, clients: &[&str]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for client in clients {
        statuses.push(status_from(address, client).await);
    }
    statuses
}

#[tokio::test]
async fn addresses_in_one_ipv6_64_share_a_bucket() {
    let address = serve(behind_proxy()).await;
    // Three addresses of one /64, as a host with privacy addresses (or an
    // attacker with the whole /64) would use them.
    let statuses = statuses_from(
        address,
        &[
            "2001:db8:1:2::1",
            "2001:db8:1:2:ffff:ffff:ffff:fffe",
            "2001:db8:1:2:abcd::7",
        ],
    )
    .await;
    assert_eq!(statuses, [200, 200, 429]);
    // The /64 next door, and one that differs only in its first 16 bits, are
    // other clients.
    assert_eq!(
        statuses_from(address, &["2001:db8:1:3::1", "2001:db8:1:3::1", "2001:db8:1:3::2"]).await,
        [200, 200, 429]
    );
    assert_eq!(status_from(address, "2002:db8:1:2::1").await, 200);
}

#[tokio::test]
async fn ipv4_clients_are_keyed_by_their_full_address() {
    let address = serve(behind_proxy()).await;
    assert_eq!(
        statuses_from(address, &["198.51.100.7", "198.51.100.7", "198.51.100.8"]).await,
        [200, 200, 200]
    );
    // An IPv4-mapped IPv6 address is that IPv4 client, not a /64.
    assert_eq!(status_from(address, "::ffff:198.51.100.7").await, 429);
    assert_eq!(status_from(address, "::ffff:198.51.100.9").await, 200);
}

/// One keep-alive connection (the way a proxy talks to the app), so that
/// thousands of requests do not need thousands of sockets.
struct Connection(http1::SendRequest<Full<Bytes>>);

impl Connection {
    async fn open(address: SocketAddr) -> Self {
        let stream = TcpStream::connect(address).await.unwrap();
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(connection);
        Self(sender)
    }

    /// The status and `X-RateLimit-Remaining` of one request from `client`.
    async fn get_from(&mut self, client: &str) -> (u16, Option<String>) {
        self.0.ready().await.unwrap();
        let request = request("GET", "/")
            .header("host", "localhost")
            .header("x-forwarded-for", client)
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = self.0.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let remaining = response
            .headers()
            .get("x-ratelimit-remaining")
            .map(|value| value.to_str().unwrap().to_owned());
        response.into_body().collect().await.unwrap();
        (status, remaining)
    }
}

/// Client `i`'s address: a /64 of its own.
fn flood_client(i: u32) -> String {
    format!("2001:db8:{:x}:{:x}::1", i >> 16, i & 0xffff)
}

#[tokio::test]
async fn a_flood_of_new_64s_is_counted_forgotten_oldest_first_and_frees_no_hammering_client() {
    let address = serve(small()).await;
    let mut connection = Connection::open(address).await;
    let hammer = "2001:db8:ffff:1::1";
    let mut hammer_statuses = Vec::new();
    for i in 0..5000u32 {
        if i % 10 == 0 {
            hammer_statuses.push(connection.get_from(hammer).await.0);
        }
        // Every new client is counted: its first request leaves one.
        assert_eq!(
            connection.get_from(&flood_client(i)).await,
            (200, Some("1".to_owned())),
            "client {i}"
        );
    }
    // Five times `max_keys` new clients did not free the hammering client.
    assert_eq!(hammer_statuses[..2], [200, 200]);
    assert!(
        hammer_statuses[2..].iter().all(|&status| status == 429),
        "{hammer_statuses:?}"
    );
    // The latest clients are still counted (this second request is their
    // last allowed one); the earliest were forgotten and start afresh.
    for i in 4990..5000 {
        assert_eq!(
            connection.get_from(&flood_client(i)).await.1.as_deref(),
            Some("0"),
            "client {i}"
        );
    }
    for i in 0..100 {
        assert_eq!(
            connection.get_from(&flood_client(i)).await.1.as_deref(),
            Some("1"),
            "client {i}"
        );
    }
}
