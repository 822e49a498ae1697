//! Reading and checking the host a request names.

use http::Request;
use http::header::HOST;

/// The host as the client sent it (`Host` header, else URI authority),
/// possibly with a port. `None` when absent or not visible ASCII.
/// Two `Host` headers are refused (RFC 9112 §3.2: a server must answer 400):
/// a proxy and the app could each believe a different one.
pub(crate) fn requested_host<B>(request: &Request<B>) -> Option<&str> {
    let mut hosts = request.headers().get_all(HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(value), None) => value.to_str().ok(),
        (None, _) => request.uri().authority().map(|authority| authority.as_str()),
        (Some(_), Some(_)) => None,
    }
}

/// Splits `host[:port]` and returns the host name, or `None` when the value is
/// not a well-formed host: a DNS-style name (letters, digits, `-`, `.`, `_`)
/// or a bracketed IPv6 literal, optionally followed by `:` and digits.
///
/// Being strict here matters twice: a suffix pattern must not accept
/// `evil.com/.example.com`, and the www redirect copies the port into
/// `Location`, where `example.com:80@evil.com` would send the client elsewhere.
pub(crate) fn host_name(host: &str) -> Option<&str> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')? + 1;
        let (name, rest) = host.split_at(end);
        let literal = &name[1..name.len() - 1];
        let literal_ok =
            !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        (literal_ok.then_some(name)?, rest)
    } else {
        let end = host.find(':').unwrap_or(host.len());
        let (name, rest) = host.split_at(end);
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        (name_ok.then_some(name)?, rest)
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    };
    port_ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn strips_ports_and_keeps_ipv6_brackets() {
        assert_eq!(host_name("example.com"), Some("example.com"));
        assert_eq!(host_name("Example.COM:8080"), Some("Example.COM"));
        assert_eq!(host_name("example.com:"), Some("example.com"));
        assert_eq!(host_name("[::1]:8080"), Some("[::1]"));
        assert_eq!(host_name("[::1]"), Some("[::1]"));
        assert_eq!(host_name("[::ffff:127.0.0.1]"), Some("[::ffff:127.0.0.1]"));
        assert_eq!(host_name("my_service:80"), Some("my_service"));
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
            "::1",
        ] {
            assert_eq!(host_name(bad), None, "{bad:?}");
        }
    }
}
