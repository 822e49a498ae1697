//! Reading and checking the host a request names.
//!
//! A request can name its host twice: in the request target (an HTTP/1.1
//! absolute-form target `GET http://example.com/ HTTP/1.1`, or HTTP/2's
//! `:authority`, both of which hyper keeps in `Request::uri()`) and in the
//! `Host` header. The app routes on the first, a naive host check reads the
//! second; strata reads the target's authority when there is one and refuses
//! a request whose two answers disagree (RFC 9112 §3.2.2, RFC 9113 §8.3.1).

use std::borrow::Cow;
use std::net::Ipv6Addr;

use http::header::HOST;
use http::{HeaderMap, Request, Uri};

/// A request whose host cannot be trusted: two `Host` headers, a `Host` that
/// is not visible ASCII, or a `Host` that disagrees with the target's authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AmbiguousHost;

/// The host the request names, as sent (possibly with a port): the authority
/// of the request target when there is one, else the `Host` header; `Ok(None)`
/// when there is neither (an HTTP/1.0 request without `Host`).
pub(crate) fn requested_host<B>(request: &Request<B>) -> Result<Option<&str>, AmbiguousHost> {
    host_of(request.uri(), request.headers())
}

/// [`requested_host`] of a request's parts.
pub(crate) fn host_of<'a>(uri: &'a Uri, headers: &'a HeaderMap) -> Result<Option<&'a str>, AmbiguousHost> {
    let mut hosts = headers.get_all(HOST).iter();
    let header = match (hosts.next(), hosts.next()) {
        (None, _) => None,
        (Some(value), None) => Some(value.to_str().map_err(|_| AmbiguousHost)?),
        // RFC 9112 §3.2: a server must answer 400 to two Host headers; a
        // proxy and the app could each believe a different one.
        (Some(_), Some(_)) => return Err(AmbiguousHost),
    };
    let Some(authority) = uri.authority() else {
        return Ok(header);
    };
    let default_port = match uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    };
    match header {
        Some(header) if !same_host(authority.as_str(), header, default_port) => Err(AmbiguousHost),
        _ => Ok(Some(authority.as_str())),
    }
}

/// Whether two `host[:port]` values name the same host; a missing port is
/// `default_port`. Either value being malformed makes them different.
fn same_host(a: &str, b: &str, default_port: Option<u16>) -> bool {
    let (Some(a), Some(b)) = (parse_host(a), parse_host(b)) else {
        return false;
    };
    a.port.or(default_port) == b.port.or(default_port) && match_key(a.name).eq_ignore_ascii_case(&match_key(b.name))
}

/// A well-formed `host[:port]`, split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostPort<'a> {
    /// The host name as written: a DNS-style name, an IPv4 address, or an
    /// IPv6 literal in brackets.
    pub(crate) name: &'a str,
    /// The port, when one was written (`:` alone is no port, as RFC 3986 allows).
    pub(crate) port: Option<u16>,
}

/// Splits `host[:port]`, or `None` when the value is not a well-formed host:
/// a DNS-style name (letters, digits, `-`, `.`, `_`, which docker-compose
/// service names use) or a bracketed IPv6 literal that parses as one,
/// optionally followed by `:` and a port of at most 65535 (leading zeros
/// allowed: `:000080` is port 80).
///
/// Being strict here matters twice: a suffix pattern must not accept
/// `evil.com/.example.com`, and redirects copy the host into `Location`,
/// where `example.com:80@evil.com` would send the client elsewhere.
pub(crate) fn parse_host(host: &str) -> Option<HostPort<'_>> {
    let (name, rest) = if let Some(literal) = host.strip_prefix('[') {
        let end = literal.find(']')?;
        literal[..end].parse::<Ipv6Addr>().ok()?;
        host.split_at(end + 2)
    } else {
        // A byte scan: `str::find` with a `char` pattern costs about twice as much here.
        let end = host.bytes().position(|b| b == b':').unwrap_or(host.len());
        let (name, rest) = host.split_at(end);
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        (name_ok.then_some(name)?, rest)
    };
    let port = match rest.strip_prefix(':') {
        None if rest.is_empty() => None,
        None => return None,
        Some("") => None,
        Some(digits) => Some(parse_port(digits)?),
    };
    Some(HostPort { name, port })
}

fn parse_port(digits: &str) -> Option<u16> {
    let mut port: u32 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(byte - b'0');
        if port > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(port).ok()
}

/// The host name as an allow-list compares it: one trailing dot dropped
/// (`localhost.` is the fully qualified `localhost`), an IPv6 literal in its
/// canonical form (`[0:0::1]` is `[::1]`). Case is left to the caller, which
/// compares ASCII-case-insensitively.
pub(crate) fn match_key(name: &str) -> Cow<'_, str> {
    if let Some(literal) = name.strip_prefix('[').and_then(|rest| rest.strip_suffix(']'))
        && let Ok(address) = literal.parse::<Ipv6Addr>()
    {
        let canonical = format!("[{address}]");
        return if canonical == name {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(canonical)
        };
    }
    Cow::Borrowed(name.strip_suffix('.').unwrap_or(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(host: &str) -> Option<(&str, Option<u16>)> {
        parse_host(host).map(|h| (h.name, h.port))
    }

    #[test]
    fn splits_ports_and_keeps_ipv6_brackets() {
        assert_eq!(split("example.com"), Some(("example.com", None)));
        assert_eq!(split("Example.COM:8080"), Some(("Example.COM", Some(8080))));
        assert_eq!(split("example.com:"), Some(("example.com", None)));
        assert_eq!(split("[::1]:8080"), Some(("[::1]", Some(8080))));
        assert_eq!(split("[::1]"), Some(("[::1]", None)));
        assert_eq!(split("[::ffff:127.0.0.1]"), Some(("[::ffff:127.0.0.1]", None)));
        assert_eq!(split("my_service:80"), Some(("my_service", Some(80))));
        assert_eq!(split("testserver:000080"), Some(("testserver", Some(80))));
        assert_eq!(split("testserver:65535"), Some(("testserver", Some(65535))));
        assert_eq!(split("localhost."), Some(("localhost.", None)));
    }

    #[test]
    fn refuses_malformed_hosts() {
        for bad in [
            "",
            ":80",
            "example.com:80@evil.com",
            "example.com:8o",
            "evil.com/.example.com",
            "evil.com?.example.com",
            "a b",
            "[::1",
            "[]",
            "[::1]x",
            "[::1]:80:80",
            "[g::1]",
            "[:::]",
            "[fe80::1%25eth0]",
            "[v1.fe]",
            "::1",
            "testserver:65536",
            "testserver:99999999999999999999",
            "testserver:-1",
        ] {
            assert_eq!(parse_host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn match_keys_drop_one_dot_and_canonicalise_ipv6() {
        assert_eq!(match_key("localhost."), "localhost");
        assert_eq!(match_key("localhost.."), "localhost.");
        assert_eq!(match_key("[0:0:0:0:0:0:0:1]"), "[::1]");
        assert_eq!(match_key("[::1]"), "[::1]");
        assert_eq!(match_key("API.example.com"), "API.example.com");
    }

    fn request(target: &str, hosts: &[&str]) -> Request<()> {
        let mut builder = Request::builder().uri(target);
        for host in hosts {
            builder = builder.header(HOST, *host);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn the_target_authority_wins_and_must_agree_with_host() {
        assert_eq!(requested_host(&request("/", &["a.test"])), Ok(Some("a.test")));
        assert_eq!(requested_host(&request("/", &[])), Ok(None));
        assert_eq!(requested_host(&request("http://a.test/x", &[])), Ok(Some("a.test")));
        for agreeing in ["a.test", "A.TEST", "a.test.", "a.test:80"] {
            assert_eq!(
                requested_host(&request("http://a.test/x", &[agreeing])),
                Ok(Some("a.test")),
                "{agreeing}"
            );
        }
        for disagreeing in ["b.test", "a.test:8080", "a.test:443", "a.test@b", ""] {
            assert_eq!(
                requested_host(&request("http://a.test/x", &[disagreeing])),
                Err(AmbiguousHost),
                "{disagreeing}"
            );
        }
        assert_eq!(
            requested_host(&request("https://a.test:443/", &["a.test"])),
            Ok(Some("a.test:443"))
        );
        assert_eq!(requested_host(&request("/", &["a.test", "a.test"])), Err(AmbiguousHost));
    }
}
