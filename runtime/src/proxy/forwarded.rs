//! Reading what proxies forward: `X-Forwarded-For`/`-Proto`/`-Host`, or
//! RFC 7239 `Forwarded`, and deciding how much of it to believe.
//!
//! Every proxy appends the address it received the request from, so the
//! list reads client-first, and only its right end was written by proxies we
//! trust: a client can put anything at the left. The walk therefore goes
//! right to left, past trusted proxies (or a fixed number of hops), and the
//! first address that is not a trusted proxy is the client.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use http::HeaderMap;

use super::client::Scheme;
use super::{ForwardedHeaders, ProxyPolicy, Trust};

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const X_FORWARDED_HOST: &str = "x-forwarded-host";
const FORWARDED: &str = "forwarded";

/// What a trusted proxy forwarded about the client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Forwarded {
    pub(crate) ip: Option<IpAddr>,
    pub(crate) scheme: Option<Scheme>,
    pub(crate) host: Option<String>,
}

/// What the forwarded headers say, when `peer` is trusted to say it; `None`
/// when it is not (the peer is then the client, and the headers are lies).
pub(crate) fn resolve(policy: &ProxyPolicy, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Forwarded> {
    match policy.headers {
        ForwardedHeaders::XForwarded => {
            let nodes: Vec<Option<IpAddr>> = list(headers, X_FORWARDED_FOR)
                .map(|entry| entry.and_then(parse_node))
                .collect();
            let (ip, hops) = walk(&policy.trust, &nodes, peer)?;
            // Proxies that append to X-Forwarded-Proto/-Host line up with
            // X-Forwarded-For: the entry the client-facing proxy wrote is at
            // the same place from the right. A proxy that overwrites leaves
            // one entry, which is then the one to read.
            let at = hops.max(1);
            let pick = |name| {
                let entries: Vec<Option<&str>> = list(headers, name).collect();
                let index = entries.len().saturating_sub(at);
                entries.get(index).copied().flatten()
            };
            Some(Forwarded {
                ip,
                scheme: pick(X_FORWARDED_PROTO).and_then(Scheme::parse),
                host: pick(X_FORWARDED_HOST).map(str::to_owned),
            })
        }
        ForwardedHeaders::Forwarded => {
            let elements: Vec<Element<'_>> = headers
                .get_all(FORWARDED)
                .iter()
                .flat_map(|value| match value.to_str() {
                    Ok(text) => split_outside_quotes(text, b',').map(Element::parse).collect(),
                    Err(_) => vec![Element::default()],
                })
                .filter(|element| !element.empty)
                .collect();
            let nodes: Vec<Option<IpAddr>> = elements.iter().map(|element| element.node).collect();
            let (ip, hops) = walk(&policy.trust, &nodes, peer)?;
            // The element that names the client also says how it came in.
            let element = hops
                .checked_sub(1)
                .and_then(|back| elements.get(elements.len() - 1 - back));
            Some(Forwarded {
                ip,
                scheme: element.and_then(|e| e.proto.as_deref()).and_then(Scheme::parse),
                host: element.and_then(|e| e.host.as_deref()).map(str::to_owned),
            })
        }
    }
}

/// Walks the forwarded addresses (listed client-first) from the right:
/// returns the client's address and how many entries were read to find it
/// (0: the peer itself is the client), or `None` when the peer may not
/// forward at all.
///
/// An entry that is not an address (`unknown`, an obfuscated `_name`, a typo)
/// ends the walk at the last address read: it was written by a proxy we
/// trust, and nothing to its left can be checked.
fn walk(trust: &Trust, nodes: &[Option<IpAddr>], peer: Option<IpAddr>) -> Option<(Option<IpAddr>, usize)> {
    match *trust {
        Trust::Proxies(ranges) => {
            let trusted = |ip: IpAddr| ranges.iter().any(|range| range.contains(ip));
            let peer = peer.filter(|&peer| trusted(peer))?;
            let mut client = peer;
            let mut read = 0;
            for node in nodes.iter().rev() {
                let Some(ip) = *node else { break };
                client = ip;
                read += 1;
                if !trusted(ip) {
                    break;
                }
            }
            Some((Some(client), read))
        }
        Trust::Hops(hops) => {
            let hops = usize::from(hops);
            // Fewer entries than proxies: the request did not come through
            // all of them, so whoever sent it wrote the headers.
            if hops == 0 || nodes.len() < hops {
                return None;
            }
            let mut client = peer;
            let mut read = 0;
            for node in nodes.iter().rev().take(hops) {
                let Some(ip) = *node else { break };
                client = Some(ip);
                read += 1;
            }
            Some((client, read))
        }
    }
}

/// The comma-separated entries of every `name` header, in order, trimmed,
/// empty ones skipped (RFC 9110 §5.6.1); an entry that is not UTF-8 is `None`.
fn list<'a>(headers: &'a HeaderMap, name: &'static str) -> impl Iterator<Item = Option<&'a str>> + 'a {
    headers
        .get_all(name)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(|entry| entry.trim_ascii())
        .filter(|entry| !entry.is_empty())
        .map(|entry| std::str::from_utf8(entry).ok())
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|address| address.ip()))
        .or_else(|| {
            let literal = text.strip_prefix('[')?.strip_suffix(']')?;
            literal.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        })?;
    Some(ip.to_canonical())
}

/// One RFC 7239 `forwarded-element`: one hop.
#[derive(Debug, Default)]
struct Element<'a> {
    /// `for=`, when it is an address; `None` for `unknown`, an obfuscated
    /// name, or an element that does not parse.
    node: Option<IpAddr>,
    proto: Option<Cow<'a, str>>,
    host: Option<Cow<'a, str>>,
    /// Nothing at all between two commas: not a hop.
    empty: bool,
}

impl<'a> Element<'a> {
    /// Parses `for=...;proto=...;host=...`. A malformed pair or a parameter
    /// given twice (RFC 7239 §4) makes the whole element unreadable: the
    /// default, which names no address and ends a walk there.
    fn parse(text: &'a str) -> Self {
        if text.trim().is_empty() {
            return Element {
                empty: true,
                ..Element::default()
            };
        }
        let mut element = Element::default();
        let mut seen_for = false;
        for pair in split_outside_quotes(text, b';') {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let Some((name, value)) = pair.split_once('=') else {
                return Element::default();
            };
            let Some(value) = unquote(value.trim()) else {
                return Element::default();
            };
            let name = name.trim();
            if !is_token(name) {
                return Element::default();
            }
            let slot = if name.eq_ignore_ascii_case("for") {
                if seen_for {
                    return Element::default();
                }
                seen_for = true;
                element.node = parse_node(&value);
                continue;
            } else if name.eq_ignore_ascii_case("proto") {
                &mut element.proto
            } else if name.eq_ignore_ascii_case("host") {
                &mut element.host
            } else {
                continue;
            };
            if slot.replace(value).is_some() {
                return Element::default();
            }
        }
        element
    }
}

/// `text` split at `separator` where it is not inside a quoted string.
fn split_outside_quotes(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    let mut pieces = Vec::new();
    for (index, byte) in text.bytes().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && byte == b'\\' {
            escaped = true;
        } else if byte == b'"' {
            quoted = !quoted;
        } else if byte == separator && !quoted {
            pieces.push(&text[start..index]);
            start = index + 1;
        }
    }
    pieces.push(&text[start..]);
    pieces.into_iter()
}

/// A token, or a quoted string with its escapes undone; `None` when the value
/// is neither (an unterminated quote, a space in a token).
fn unquote(value: &str) -> Option<Cow<'_, str>> {
    let Some(inner) = value.strip_prefix('"') else {
        return is_token(value).then_some(Cow::Borrowed(value));
    };
    let inner = inner.strip_suffix('"')?;
    if !inner.contains('\\') {
        return (!inner.contains('"')).then_some(Cow::Borrowed(inner));
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(Cow::Owned(out))
}

/// An RFC 9110 token: visible ASCII except delimiters.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proxy::Cidr;
    use http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    static RANGES: &[Cidr] = &[
        // 10.0.0.0/8, mapped.
        Cidr {
            bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 0],
            prefix: 104,
        },
        // fd00::/8
        Cidr {
            bytes: [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            prefix: 8,
        },
    ];

    fn policy(trust: Trust, headers: ForwardedHeaders) -> ProxyPolicy {
        ProxyPolicy { trust, headers }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn x(pairs: &[(&'static str, &str)], peer: &str) -> Option<Forwarded> {
        resolve(
            &policy(Trust::Proxies(RANGES), ForwardedHeaders::XForwarded),
            &headers(pairs),
            Some(ip(peer)),
        )
    }

    fn rfc(pairs: &[(&'static str, &str)], peer: &str) -> Option<Forwarded> {
        resolve(
            &policy(Trust::Proxies(RANGES), ForwardedHeaders::Forwarded),
            &headers(pairs),
            Some(ip(peer)),
        )
    }

    #[test]
    fn an_untrusted_peer_forwards_nothing() {
        assert_eq!(x(&[("x-forwarded-for", "1.2.3.4")], "203.0.113.9"), None);
        assert_eq!(rfc(&[("forwarded", "for=1.2.3.4")], "203.0.113.9"), None);
        let unknown_peer = resolve(
            &policy(Trust::Proxies(RANGES), ForwardedHeaders::XForwarded),
            &headers(&[("x-forwarded-for", "1.2.3.4")]),
            None,
        );
        assert_eq!(unknown_peer, None);
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let found = x(
            &[
                ("x-forwarded-for", "6.6.6.6, 198.51.100.1"),
                ("x-forwarded-for", "10.0.0.7"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-host", "api.example.com"),
            ],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.1")));
        assert_eq!(found.scheme, Some(Scheme::Https));
        assert_eq!(found.host.as_deref(), Some("api.example.com"));
        // A trusted peer without X-Forwarded-For is the client itself.
        assert_eq!(x(&[], "10.0.0.1").unwrap().ip, Some(ip("10.0.0.1")));
        // Every hop trusted: the leftmost is the client.
        assert_eq!(
            x(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")], "10.0.0.1").unwrap().ip,
            Some(ip("10.9.9.9"))
        );
    }

    #[test]
    fn appended_proto_and_host_line_up_with_the_client_hop() {
        // Client → 10.0.0.2 (saw https) → 10.0.0.1 (saw http) → us.
        let found = x(
            &[
                ("x-forwarded-for", "198.51.100.1, 10.0.0.2"),
                ("x-forwarded-proto", "ftp, https, http"),
                ("x-forwarded-host", "evil.example, api.example.com, internal"),
            ],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.1")));
        assert_eq!(found.scheme, Some(Scheme::Https));
        assert_eq!(found.host.as_deref(), Some("api.example.com"));
        // One overwritten value serves every hop.
        let found = x(
            &[
                ("x-forwarded-for", "198.51.100.1, 10.0.0.2"),
                ("x-forwarded-proto", "https"),
            ],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.scheme, Some(Scheme::Https));
        assert_eq!(found.host, None);
    }

    #[test]
    fn garbage_ends_the_walk_at_the_last_address_read() {
        let found = x(&[("x-forwarded-for", "198.51.100.1, unknown, 10.0.0.2")], "10.0.0.1").unwrap();
        assert_eq!(found.ip, Some(ip("10.0.0.2")));
        let found = x(&[("x-forwarded-for", ",,, 198.51.100.1 , ,")], "10.0.0.1").unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.1")));
        let found = x(&[("x-forwarded-for", "[2001:db8::1]:80, 10.0.0.2:443")], "10.0.0.1").unwrap();
        assert_eq!(found.ip, Some(ip("2001:db8::1")));
        let found = x(&[("x-forwarded-proto", "gopher")], "10.0.0.1").unwrap();
        assert_eq!(found.scheme, None);
    }

    #[test]
    fn rfc_7239_elements() {
        let found = rfc(
            &[(
                "forwarded",
                r#"for=6.6.6.6;proto=http, for="[2001:db8::1]:4711";proto=https;host="api.example.com", for=10.0.0.2"#,
            )],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("2001:db8::1")));
        assert_eq!(found.scheme, Some(Scheme::Https));
        assert_eq!(found.host.as_deref(), Some("api.example.com"));
        // Case-insensitive names, quoted IPv4 with a port, escapes, commas in quotes.
        let found = rfc(
            &[("forwarded", r#"For="198.51.100.17:80";PROTO=HTTPS;by=x;host="a\"b,c""#)],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.17")));
        assert_eq!(found.scheme, Some(Scheme::Https));
        assert_eq!(found.host.as_deref(), Some("a\"b,c"));
        // Several header lines are one list.
        let found = rfc(
            &[
                ("forwarded", "for=198.51.100.1"),
                ("forwarded", "for=10.0.0.2;proto=https"),
            ],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.1")));
        assert_eq!(found.scheme, None, "the client's element says nothing of its scheme");
    }

    #[test]
    fn garbled_or_duplicated_elements_end_the_walk() {
        for garbled in [
            "for=198.51.100.1;for=198.51.100.2",
            "for=198.51.100.1;proto=https;proto=http",
            "for=198.51.100.1;junk",
            "for=a b",
            "for=unknown",
            "for=_hidden",
            "=x",
        ] {
            let header = format!("for=6.6.6.6, {garbled}, for=10.0.0.2");
            let found = rfc(&[("forwarded", header.as_str())], "10.0.0.1").unwrap();
            assert_eq!(found.ip, Some(ip("10.0.0.2")), "{garbled}");
        }
        // An unterminated quote swallows the rest of the line: nothing can be read.
        let found = rfc(
            &[("forwarded", "for=6.6.6.6, for=\"198.51.100.1, for=10.0.0.2")],
            "10.0.0.1",
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("10.0.0.1")));
    }

    #[test]
    fn hops_count_from_the_right() {
        let two = policy(Trust::Hops(2), ForwardedHeaders::XForwarded);
        let found = resolve(
            &two,
            &headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.1, 192.0.2.5")]),
            Some(ip("127.0.0.1")),
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("198.51.100.1")));
        // Too short a chain: the request skipped a proxy.
        let short = resolve(
            &two,
            &headers(&[("x-forwarded-for", "198.51.100.1")]),
            Some(ip("127.0.0.1")),
        );
        assert_eq!(short, None);
        let one = policy(Trust::Hops(1), ForwardedHeaders::Forwarded);
        let found = resolve(
            &one,
            &headers(&[("forwarded", "for=6.6.6.6, for=\"[2001:db8::1]:4711\";proto=https")]),
            None,
        )
        .unwrap();
        assert_eq!(found.ip, Some(ip("2001:db8::1")));
        assert_eq!(found.scheme, Some(Scheme::Https));
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(unquote("abc").as_deref(), Some("abc"));
        assert_eq!(unquote("\"a b\"").as_deref(), Some("a b"));
        assert_eq!(unquote("\"a\\\"b\"").as_deref(), Some("a\"b"));
        assert_eq!(unquote("\"abc").as_deref(), None);
        assert_eq!(unquote("a b").as_deref(), None);
        assert_eq!(unquote("\"a\"b\"").as_deref(), None);
        assert_eq!(unquote("\"a\\\"").as_deref(), None);
    }
}
