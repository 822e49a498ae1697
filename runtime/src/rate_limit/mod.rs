//! `rate_limit`: at most `requests` per `per` for each client.
//!
//! What a client sees:
//!
//! - Under the limit: the inner service's response, with
//!   `X-RateLimit-Limit: <requests>` and `X-RateLimit-Remaining: <left>`.
//! - Over it: `429 Too Many Requests`, `content-type: application/json`,
//!   `{"detail":"Too many requests"}`, `Retry-After: <seconds>` (when the
//!   next request will be allowed, rounded up), `X-RateLimit-Limit` and
//!   `X-RateLimit-Remaining: 0`. The inner service is not called.
//! - `exempt_paths`: untouched, and not counted.
//!
//! The algorithm is GCRA (the "generic cell rate algorithm" of ATM networks,
//! also `governor`'s and `redis-cell`'s): a client may burst up to `requests`
//! at once, and regains one request every `per / requests`. Both backends
//! run the same arithmetic, so switching backends changes nothing a client
//! sees.
//!
//! Who a client is (`key`):
//!
//! - `client_ip` (default): the client's address as a `proxy` layer outside
//!   resolved it ([`ClientInfo`](crate::ClientInfo)), else the peer address
//!   from axum's `ConnectInfo<SocketAddr>` (serve with
//!   `into_make_service_with_connect_info::<SocketAddr>()`, or
//!   `MockConnectInfo` in tests). Without either the request fails loudly —
//!   `500`, `{"detail":"Internal server error"}`, and an error log saying
//!   why — never one bucket shared by everyone. `X-Forwarded-For` is never
//!   read here: only `proxy` decides whom to believe. An IPv4 client is
//!   its address (an IPv4-mapped IPv6 address counts as the IPv4 one); an
//!   IPv6 client is its /64 network. A /64 is the smallest network an ISP
//!   hands a subscriber (SLAAC needs one) and hosts pick new addresses in
//!   it all the time (privacy extensions): keyed by address, one client
//!   would have 2^64 buckets. The price: clients sharing a /64 share a
//!   limit, as clients behind one IPv4 NAT do.
//! - `api_key`: the API key the `api_key` layer outside has verified
//!   (hashed: a key never reaches memory or Redis in clear, nor a log).
//! - `jwt:<claim>`: that claim of the token the `jwt` layer outside has
//!   verified (`jwt:sub`: one bucket per user).
//!
//! An identity key sits just inside its auth layer, which strata enforces:
//! by then an unknown or forged identity has already been refused, so a
//! client cannot buy a new bucket with a new key. Requests the auth layer
//! lets through unverified (its public paths) are keyed by address.

//! Backends:
//!
//! - `memory` (default): per process, in 64 locked shards (SipHash, so a
//!   flood of chosen keys cannot degrade them) of 16-byte keys to one
//!   timestamp. Memory is bounded by `max_keys` (1,000,000 by default:
//!   55 MiB of resident memory when full, measured by
//!   `runtime/tests/rate_limit_memory.rs`). Each shard keeps two
//!   generations of clients: those seen since its last turnover and those
//!   seen in the one before; a client of the older generation that comes
//!   back moves to the newer. When the newer one holds half the shard's
//!   share of `max_keys`, the older is forgotten whole and the newer takes
//!   its place. So a client is forgotten only after every client seen
//!   more recently than it, and only once its shard has seen at least half
//!   its share of other clients since its last request (about `max_keys / 2`
//!   requests from new clients across the process); an active
//!   client, a hammering one included, stays tracked and limited through
//!   any flood; and a new client costs the same whatever the flood (no scan:
//!   the older generation is cleared in place once per generation). A
//!   forgotten client starts afresh if it comes back, which loses nothing
//!   once its allowance has recovered; when the limiter forgets clients
//!   that had not recovered, it logs a warning (at most every 10 s): raise
//!   `max_keys` unless it is a flood.
//! - `redis` (cargo feature `redis`): one Lua script per request (GET, GCRA,
//!   SET with expiry in one atomic round trip, Redis's own clock), so any
//!   number of processes share one limit without a read-then-write race.
//!   When Redis fails or does not answer within 500 ms, `on_backend_error`
//!   decides: `allow` (default) lets the request through without the
//!   headers, `deny` answers `503 Service Unavailable`,
//!   `{"detail":"Rate limiter unavailable"}`, `Retry-After: 1`; either way a
//!   warning is logged.

mod key;
mod memory;
#[cfg(feature = "redis")]
pub mod redis;
mod service;

#[cfg(test)]
mod tests;

use std::time::Duration;

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

pub use service::{RateLimit, RateLimitLayer, ResponseFuture};

use crate::paths::PathList;
use crate::response::{APPLICATION_JSON, fixed};

/// `X-RateLimit-Limit`.
pub const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`.
pub const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// Who a client is.
#[derive(Debug)]
pub enum KeySource {
    /// The client's address: the one `proxy` resolved, else the peer's.
    ClientIp,
    /// The API key the `api_key` layer outside verified
    /// ([`ApiKeyIdentity`](crate::api_key::ApiKeyIdentity)).
    #[cfg(feature = "api_key")]
    ApiKey,
    /// This claim of the JWT the `jwt` layer verified.
    #[cfg(feature = "jwt")]
    JwtClaim(&'static str),
}

/// What the Redis backend does when Redis cannot answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnBackendError {
    Allow,
    Deny,
}

/// The compiled options.
#[derive(Debug)]
pub struct RateLimitPolicy {
    /// Requests per window, and the burst allowed.
    pub requests: u32,
    /// The window.
    pub per: Duration,
    pub key: KeySource,
    pub exempt_paths: PathList,
    pub on_backend_error: OnBackendError,
    /// The most clients the memory backend tracks.
    pub max_keys: usize,
    /// `requests`, as the `X-RateLimit-Limit` value.
    pub limit_header: HeaderValue,
}

impl RateLimitPolicy {
    /// The time that gives one request back: `per / requests`, at least 1 ns.
    fn emission_interval(&self) -> Duration {
        (self.per / self.requests.max(1)).max(Duration::from_nanos(1))
    }
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) allowed: bool,
    pub(crate) remaining: u32,
    /// When the next request would be allowed; zero when allowed.
    pub(crate) retry_after: Duration,
}

fn add_headers(headers: &mut HeaderMap, policy: &RateLimitPolicy, remaining: u32) {
    headers.insert(X_RATELIMIT_LIMIT, policy.limit_header.clone());
    headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(remaining));
}

fn too_many_requests<B: From<Bytes>>(policy: &RateLimitPolicy, retry_after: Duration) -> Response<B> {
    let mut response = fixed(
        StatusCode::TOO_MANY_REQUESTS,
        APPLICATION_JSON,
        r#"{"detail":"Too many requests"}"#,
    );
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    let headers = response.headers_mut();
    headers.insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    add_headers(headers, policy, 0);
    response
}

fn no_client_address<B: From<Bytes>>() -> Response<B> {
    tracing::error!(
        target: "strata::rate_limit",
        "rate_limit keys by client IP but the request has no peer address: serve the stack with \
         `strata::serve(listener, app())` or `axum::serve(listener, app())` (or \
         `into_make_service_with_connect_info::<SocketAddr>()`); in `oneshot` tests, add \
         `axum::extract::connect_info::MockConnectInfo(addr)` to the router or \
         `ConnectInfo(addr)` to the request's extensions"
    );
    fixed(
        StatusCode::INTERNAL_SERVER_ERROR,
        APPLICATION_JSON,
        r#"{"detail":"Internal server error"}"#,
    )
}
