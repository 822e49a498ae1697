//! Signing, reading and writing the session cookie.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::{SameSite, SessionPolicy};
use crate::proxy::is_https;
use crate::response::{APPLICATION_JSON, fixed};

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

    /// The cookie-store value: the data, when it was issued and when it
    /// expires (Unix seconds), signed. `None` only if the data is not JSON.
    pub(crate) fn seal(&self, name: &str, data: &Map<String, Value>, issued: u64, expires: u64) -> Option<String> {
        let json = serde_json::to_vec(data).ok()?;
        let payload = format!("{}.{issued}.{expires}", URL_SAFE_NO_PAD.encode(json));
        Some(self.sign(name, &payload))
    }

    /// The data of a cookie-store value and when it was issued, or `None`
    /// when tampered, expired or malformed. A value from before the issue
    /// time was signed in (`data.expires`) counts as issued at 0, so it is
    /// renewed on its next response rather than dropped.
    pub(crate) fn open(&self, name: &str, value: &str, now: u64) -> Option<Opened> {
        let payload = self.verify(name, value)?;
        let (rest, expires) = payload.rsplit_once('.')?;
        let (data, issued) = match rest.rsplit_once('.') {
            Some((data, issued)) => (data, issued.parse::<u64>().ok()?),
            None => (rest, 0),
        };
        if expires.parse::<u64>().ok()? <= now {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(data).ok()?;
        let data = serde_json::from_slice(&json).ok()?;
        Some(Opened { data, issued })
    }
}

/// What a valid cookie-store cookie holds.
#[derive(Debug)]
pub(crate) struct Opened {
    pub(crate) data: Map<String, Value>,
    /// When the cookie was issued, Unix seconds.
    pub(crate) issued: u64,
}

/// Rolling expiry without a cookie on every response: an unchanged session
/// is re-issued (a new `Max-Age`, a new Redis TTL) once more than half of
/// `max_age` has passed since its cookie was issued. A clock that went
/// backwards counts as no time passed.
pub(crate) fn due_for_renewal(issued: u64, now: u64, max_age: u64) -> bool {
    now.saturating_sub(issued).saturating_mul(2) > max_age
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

/// Why the session cookie could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CookieError {
    /// Larger than browsers keep (4096 bytes): they would drop it silently.
    TooLarge(usize),
    /// Not a valid header value, or data that is not JSON.
    Unsendable,
}

/// Whether the cookie goes out with `Secure`: always with `https_only =
/// true`; otherwise when the request came over HTTPS (ASP.NET Core's
/// `CookieSecurePolicy.SameAsRequest`), as `proxy` resolved it from a trusted
/// peer or the server recorded it. Never by what the client wrote: an
/// `X-Forwarded-Proto` from an untrusted peer (or with no `proxy` at all) and
/// a scheme in the request target change nothing.
pub(crate) fn secure_for<B>(policy: &SessionPolicy, request: &Request<B>) -> bool {
    policy.https_only || is_https(request)
}

/// The `Set-Cookie` value that stores `value`, or clears the cookie when
/// `None`; `secure` as [`secure_for`] decided for the request.
pub(crate) fn set_cookie(
    policy: &SessionPolicy,
    secure: bool,
    value: Option<&str>,
) -> Result<HeaderValue, CookieError> {
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
    if secure {
        header.push_str("; Secure");
    }
    if header.len() > MAX_COOKIE_LEN {
        return Err(CookieError::TooLarge(header.len()));
    }
    HeaderValue::try_from(header).map_err(|_| CookieError::Unsendable)
}

/// A response for this client only. A response that sets the session
/// cookie gets `Cache-Control: private` and `Vary: Cookie`, so no shared
/// cache stores it and replays one user's cookie to another; a response
/// that merely read the session gets `Vary: Cookie` (Django's rule), so a
/// cache never serves one user's page for another user's cookie.
pub(crate) fn finish_response<B>(response: &mut Response<B>, set_cookie: Option<HeaderValue>, accessed: bool) {
    let headers = response.headers_mut();
    let sets_cookie = set_cookie.is_some();
    if let Some(value) = set_cookie {
        headers.append(SET_COOKIE, value);
        make_private(headers);
    }
    if sets_cookie || accessed {
        vary_on_cookie(headers);
    }
}

/// `Cache-Control` for a response that sets a cookie:
///
/// - none → `private`;
/// - the app said `no-store` or `private` → kept as written (already never
///   stored by a shared cache);
/// - anything else (`public, max-age=600`, `s-maxage=60`, `no-cache`, ...)
///   → `private` followed by the app's directives minus `public` and
///   `s-maxage`, which address shared caches only. The browser may still
///   cache the response for its `max-age`; no proxy or CDN may.
///
/// A value that is not visible ASCII cannot be read, so cannot be shown to
/// be private: it is replaced by `private`.
fn make_private(headers: &mut HeaderMap) {
    let mut kept = Vec::new();
    let mut readable = true;
    for value in headers.get_all(CACHE_CONTROL) {
        match value.to_str() {
            Ok(text) => kept.extend(text.split(',').map(str::trim).filter(|d| !d.is_empty())),
            Err(_) => readable = false,
        }
    }
    let name = |directive: &str| {
        directive
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    if readable && kept.iter().any(|d| matches!(name(d).as_str(), "no-store" | "private")) {
        return;
    }
    let mut value = String::from("private");
    if readable {
        for directive in kept
            .iter()
            .filter(|d| !matches!(name(d).as_str(), "public" | "s-maxage"))
        {
            value.push_str(", ");
            value.push_str(directive);
        }
    }
    let value = HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static("private"));
    headers.insert(CACHE_CONTROL, value);
}

/// Appends `Vary: Cookie` unless the response already varies on it (or on `*`).
fn vary_on_cookie(headers: &mut HeaderMap) {
    let covered = headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim() == "*" || token.trim().eq_ignore_ascii_case("cookie"));
    if !covered {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}

/// The answer when the cookie cannot be sent: a logged 500, never a
/// response that silently loses the session. The log names the cookie and
/// the size, never the value.
pub(crate) fn cookie_failure<B: From<Bytes>>(policy: &SessionPolicy, error: CookieError) -> Response<B> {
    match error {
        CookieError::TooLarge(size) => tracing::error!(
            target: "strata::session",
            cookie = policy.cookie,
            size,
            limit = MAX_COOKIE_LEN,
            "the session cookie is larger than browsers keep (4096 bytes); answering 500 instead of losing the session. Keep less in the session, or use store = \"redis\""
        ),
        CookieError::Unsendable => tracing::error!(
            target: "strata::session",
            cookie = policy.cookie,
            "the session cookie is not a valid header value; answering 500 instead of losing the session"
        ),
    }
    fixed(
        StatusCode::INTERNAL_SERVER_ERROR,
        APPLICATION_JSON,
        r#"{"detail":"Internal server error"}"#,
    )
}
