//! `request_id`: give every request an ID, visible to handlers and clients.
//!
//! What a client sees: the response carries the ID in the configured header
//! (`x-request-id` by default), replacing any value the inner service set. A
//! valid ID the client sent (1 to 128 bytes, every byte visible ASCII
//! `0x21..=0x7E`) is kept, so an ID from a proxy or caller threads through the
//! logs; anything else is replaced by a fresh UUID v4 (`xxxxxxxx-xxxx-4xxx-…`,
//! lowercase).
//!
//! What handlers see: [`RequestId`] in the request extensions and as an axum
//! extractor, and the same ID in the request header: an invalid incoming
//! value (or a second copy of the header) is replaced there too, so a
//! handler that reads the header or forwards it to another service sees the
//! ID the logs and the response carry.

mod extract;
mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

use std::fmt;

use http::HeaderValue;

pub use future::ResponseFuture;
pub use layer::RequestIdLayer;
pub use service::SetRequestId;

/// The ID of the current request. Cheap to clone (a reference-counted header
/// value); always visible ASCII.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// The longest incoming ID that is kept.
    pub const MAX_LEN: usize = 128;

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        // Both constructors guarantee visible ASCII, so this never falls back.
        self.0.to_str().unwrap_or_default()
    }

    /// The ID as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    /// Keeps `value` if it is a valid ID: 1..=128 bytes, all visible ASCII.
    fn from_incoming(value: &HeaderValue) -> Option<Self> {
        let bytes = value.as_bytes();
        let valid = (1..=Self::MAX_LEN).contains(&bytes.len()) && bytes.iter().all(|b| (0x21..=0x7E).contains(b));
        valid.then(|| Self(value.clone()))
    }

    /// A fresh random UUID v4, hyphenated lowercase.
    pub(crate) fn generate() -> Self {
        let mut random = [0u8; 16];
        if crate::random::fill(&mut random).is_err() {
            random = unique_without_randomness();
        }
        let mut buffer = uuid::Uuid::encode_buffer();
        let text = uuid::Builder::from_random_bytes(random)
            .into_uuid()
            .hyphenated()
            .encode_lower(&mut buffer);
        #[allow(
            clippy::expect_used,
            reason = "a hyphenated UUID is 36 ASCII hex digits and dashes, always a valid header value"
        )]
        Self(HeaderValue::from_str(text).expect("UUID is a valid header value"))
    }
}

/// With no operating-system randomness (a sandbox that forbids it) an ID
/// still has to be unique, not secret: the process's start time and ID,
/// then a counter.
fn unique_without_randomness() -> [u8; 16] {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        nanos ^ (u64::from(std::process::id()) << 32)
    });
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&process.to_le_bytes());
    bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    bytes
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
