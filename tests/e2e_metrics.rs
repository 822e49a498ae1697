//! `metrics` over a real socket: a real Prometheus server (Debian's
//! `prometheus`, which `.ci/run` installs) scrapes the app, and its query API
//! returns what the app counted; and 10,000 requests to random paths with
//! random methods add a handful of series, not 10,000.

mod support;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use support::{empty, request, send, serve};
use tokio::net::TcpStream;

#[strata::stack(request_id, access_log, metrics, trusted_host(allowed_hosts = ["localhost", "127.0.0.1"]))]
fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(|| async { "user" }))
        .route("/health", get(|| async { "ok" }))
}

/// A Prometheus server on a free loopback port, killed when dropped.
struct Prometheus {
    child: Child,
    address: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Prometheus {
    /// Scrapes `target` every second.
    fn start(target: SocketAddr) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: strata\n    metrics_path: /metrics\n    \
                 static_configs:\n      - targets: [\"{target}\"]\n"
            ),
        )
        .unwrap();
        let address: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address={address}"))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("`prometheus` is installed (.ci/run installs Debian's package)");
        Prometheus {
            child,
            address,
            _dir: dir,
        }
    }

    /// The instant-query API's result for `query`, or `None` while
    /// Prometheus is not up yet.
    async fn query(&self, query: &str) -> Option<serde_json::Value> {
        let stream = TcpStream::connect(self.address).await.ok()?;
        let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.ok()?;
        tokio::spawn(connection);
        let request = http::Request::get(format!("/api/v1/query?query={}", percent_encode(query)))
            .header("host", self.address.to_string())
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.ok()?;
        let body = response.into_body().collect().await.ok()?.to_bytes();
        let answer: serde_json::Value = serde_json::from_slice(&body).ok()?;
        (answer["status"] == "success").then(|| answer["data"]["result"].clone())
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_counts_by_route_template() {
    let address = serve(app()).await;
    let sent = 7;
    for id in 0..sent {
        let response = send(address, empty(request("GET", &format!("/users/{id}")))).await;
        assert_eq!(response.status, StatusCode::OK);
    }
    // Counted apart: another status, another route, a request refused before routing.
    assert_eq!(
        send(address, empty(request("GET", "/users"))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(address, empty(request("GET", "/health"))).await.status,
        StatusCode::OK
    );
    let refused = send(address, empty(request("GET", "/users/1").header("host", "evil.test"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let prometheus = Prometheus::start(address);
    let started = Instant::now();
    let query = r#"http_requests_total{route="/users/{id}",status="200"}"#;
    let result = loop {
        if let Some(result) = prometheus.query(query).await
            && result.as_array().is_some_and(|series| !series.is_empty())
        {
            break result;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Prometheus has not scraped the app within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let series = result.as_array().unwrap();
    assert_eq!(series.len(), 1, "{result}");
    assert_eq!(series[0]["metric"]["method"], "GET");
    assert_eq!(series[0]["metric"]["job"], "strata");
    assert_eq!(
        series[0]["value"][1],
        sent.to_string(),
        "exactly the count sent: {result}"
    );

    // The same scrape holds the rest: the 404 and the refused host are
    // `unmatched`, never `/users` or `/users/1`.
    let unmatched = prometheus
        .query(r#"http_requests_total{route="unmatched"}"#)
        .await
        .unwrap();
    let mut statuses: Vec<String> = unmatched
        .as_array()
        .unwrap()
        .iter()
        .map(|series| {
            format!(
                "{}={}",
                series["metric"]["status"].as_str().unwrap(),
                series["value"][1].as_str().unwrap()
            )
        })
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["400=1", "404=1"]);
    let histogram = prometheus
        .query(r#"http_request_duration_seconds_count{route="/users/{id}"}"#)
        .await
        .unwrap();
    assert_eq!(histogram[0]["value"][1], sent.to_string());
}

/// The non-comment lines of the exposition: one per series.
async fn series(address: SocketAddr) -> Vec<String> {
    let response = send(address, empty(request("GET", "/metrics"))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response
        .text()
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_random_paths_add_a_handful_of_series() {
    let address = serve(app()).await;
    send(address, empty(request("GET", "/users/1"))).await;
    let before = series(address).await;

    // One keep-alive connection, as a scanner would use.
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut random = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random
    };
    for i in 0..10_000 {
        let value = next();
        let method = match value % 4 {
            0 => "GET".to_string(),
            1 => "POST".to_string(),
            // Tokens a client makes up: each is `other`.
            _ => format!("X{:X}", value >> 40),
        };
        let path = format!("/{:x}/{i}?q={:x}", value >> 8, value);
        let request = http::Request::builder()
            .method(method.as_str())
            .uri(path)
            .header("host", "localhost")
            .body(Full::new(Bytes::new()))
            .unwrap();
        sender
            .ready()
            .await
            .unwrap_or_else(|error| panic!("request {i}: {error}"));
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        response.into_body().collect().await.unwrap();
    }

    let after = series(address).await;
    let added: Vec<&String> = after
        .iter()
        .filter(|line| !before.contains(line) && !line.starts_with("http_requests_in_flight"))
        .collect();
    let new_series: std::collections::BTreeSet<&str> = added
        .iter()
        .map(|line| line.rsplit_once(' ').unwrap().0)
        .filter(|name| !before.iter().any(|old| old.rsplit_once(' ').unwrap().0 == *name))
        .collect();
    eprintln!("10,000 random requests added {} series:", new_series.len());
    for name in &new_series {
        eprintln!("  {name}");
    }
    // `unmatched` × {GET, POST, other} × (one status + 11 buckets + `+Inf` + sum + count).
    assert!(new_series.len() <= 3 * 15, "{}", new_series.len());
    assert!(
        new_series.iter().all(|name| name.contains("route=\"unmatched\"")),
        "{new_series:#?}"
    );
    let total: u64 = after
        .iter()
        .filter(|line| line.starts_with("http_requests_total{") && line.contains("route=\"unmatched\""))
        .map(|line| line.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 10_000, "every request is counted");
}
