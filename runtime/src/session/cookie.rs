//! Signing, reading and writing the session cookie.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::{SameSite, SessionPolicy};

/// The largest cookie browsers keep (RFC 6265 §6.1 minimums).
pub(crate) const MAX_COOKIE_LEN: usize = 4096;

/// The HMAC-SHA256 key, kept as its initialised state.
#[derive(Clone)]
pub(crate) struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Signer {
    pub(crate) fn new(secret: &[u8]) -> Self {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        Self { mac }
    }

    fn tag(&self, name: &str, data: &str) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(name.as_bytes());
        mac.update(b"=");
        mac.update(data.as_bytes());
        mac
    }

    /// `data.<signature>`: the cookie name is signed too, so a value cannot
    /// be moved to another cookie.
    pub(crate) fn sign(&self, name: &str, data: &str) -> String {
        let tag = self.tag(name, data).finalize().into_bytes();
        format!("{data}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The signed data of `value`, or `None` when the signature does not
    /// verify (compared in constant time).
    pub(crate) fn verify<'v>(&self, name: &str, value: &'v str) -> Option<&'v str> {
        let (data, signature) = value.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.tag(name, data).verify_slice(&signature).ok()?;
        Some(data)
    }

    /// The cookie-store value: the data and its expiry, signed.
    pub(crate) fn seal(&self, name: &str, data: &Map<String, Value>, expires: u64) -> Option<String> {
        let json = serde_json::to_vec(data).ok()?;
        let payload = format!("{}.{expires}", URL_SAFE_NO_PAD.encode(json));
        Some(self.sign(name, &payload))
    }

    /// The data of a cookie-store value, or `None` when tampered, expired or malformed.
    pub(crate) fn open(&self, name: &str, value: &str, now: u64) -> Option<Map<String, Value>> {
        let payload = self.verify(name, value)?;
        let (data, expires) = payload.rsplit_once('.')?;
        if expires.parse::<u64>().ok()? <= now {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(data).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Every value of the cookie `name` the request sent, in order.
pub(crate) fn request_cookies<'h>(headers: &'h HeaderMap, name: &'h str) -> impl Iterator<Item = &'h str> + 'h {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key.trim() == name).then(|| value.trim().trim_matches('"'))
        })
}

/// The `Set-Cookie` value that stores `value`, or clears the cookie when `None`.
pub(crate) fn set_cookie(policy: &SessionPolicy, value: Option<&str>) -> Option<HeaderValue> {
    let mut header = match value {
        Some(value) => format!(
            "{}={value}; Path={}; Max-Age={}",
            policy.cookie, policy.path, policy.max_age
        ),
        None => format!(
            "{}=; Path={}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            policy.cookie, policy.path
        ),
    };
    if let Some(domain) = policy.domain {
        header.push_str("; Domain=");
        header.push_str(domain);
    }
    header.push_str("; HttpOnly");
    header.push_str(match policy.same_site {
        SameSite::Lax => "; SameSite=Lax",
        SameSite::Strict => "; SameSite=Strict",
        SameSite::None => "; SameSite=None",
    });
    if policy.https_only {
        header.push_str("; Secure");
    }
    if header.len() > MAX_COOKIE_LEN {
        tracing::error!(
            target: "strata::session",
            size = header.len(),
            "session too large for a cookie (4096 bytes); it was not saved"
        );
        return None;
    }
    HeaderValue::try_from(header).ok()
}
