//! How much memory the in-memory rate limiter uses when full: 2,000,000
//! distinct clients against the default `max_keys` (1,000,000). Ignored by
//! default (it takes a while in debug builds); run with
//!
//! ```sh
//! cargo test -p strata-runtime --release --test rate_limit_memory -- --ignored --nocapture
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{HeaderValue, Request};
use strata_runtime::paths::PathList;
use strata_runtime::rate_limit::{KeySource, OnBackendError, RateLimitLayer, RateLimitPolicy};
use tower::ServiceExt;
use tower_layer::Layer;

/// The process's resident memory, in bytes (Linux), from `/proc/self/status`.
/// (A counting allocator would need `unsafe`, which the workspace forbids.)
fn resident_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

static POLICY: RateLimitPolicy = RateLimitPolicy {
    requests: 100,
    per: Duration::from_secs(3600),
    key: KeySource::ClientIp,
    exempt_paths: PathList::EMPTY,
    on_backend_error: OnBackendError::Allow,
    // The default.
    max_keys: 1_000_000,
    limit_header: HeaderValue::from_static("100"),
};

#[tokio::test]
#[ignore = "slow; run by hand to measure (see the module docs)"]
async fn memory_when_full() {
    const CLIENTS: u32 = 2_000_000;
    let layer = RateLimitLayer::new(&POLICY);
    let service = layer.layer(tower::service_fn(|_: Request<Body>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(Body::empty()))
    }));
    let before = resident_bytes();
    let mut most_tracked = 0;
    let mut used_at_cap = 0;
    for i in 0..CLIENTS {
        let ip = Ipv4Addr::from(0x0A00_0000 + i);
        let mut request = Request::new(Body::empty());
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 4000))));
        let response = service.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        if i % 100_000 == 99_999 {
            most_tracked = most_tracked.max(layer.tracked_clients());
            if i + 1 == 1_000_000 {
                used_at_cap = resident_bytes().saturating_sub(before);
            }
        }
    }
    let used = resident_bytes().saturating_sub(before);
    let tracked = layer.tracked_clients();
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "rate_limit memory: {tracked} clients tracked at the end (at most {most_tracked}); resident memory grew by \
         {:.1} MiB after 1,000,000 clients and {:.1} MiB after {CLIENTS}",
        mib(used_at_cap),
        mib(used)
    );
    assert!(most_tracked <= POLICY.max_keys, "{most_tracked}");
    assert!(tracked >= POLICY.max_keys / 2, "{tracked}");
    assert!(used < 100 * 1024 * 1024, "{used} bytes");
    // Full at a million: the next million clients take no more memory.
    assert!(used <= used_at_cap + used_at_cap / 20, "{used} vs {used_at_cap}");
}
