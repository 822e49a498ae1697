//! Who a request comes from: the bucket key.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::Request;
use sha2::{Digest, Sha256};

use super::{KeySource, RateLimitPolicy};

/// `X-Forwarded-For`.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// An address range, in IPv6 form (IPv4 as `::ffff:a.b.c.d`, its prefix + 96).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub bytes: [u8; 16],
    pub prefix: u8,
}

impl Cidr {
    fn contains(&self, address: &[u8; 16]) -> bool {
        let full = usize::from(self.prefix / 8);
        let rest = self.prefix % 8;
        if self.bytes[..full] != address[..full] {
            return false;
        }
        if rest == 0 || full >= 16 {
            return true;
        }
        let mask = 0xFFu8 << (8 - rest);
        self.bytes[full] & mask == address[full] & mask
    }
}

/// The 16-byte bucket key of one client.
pub(crate) type Key = [u8; 16];

/// IPv4 as mapped IPv6; IPv6 (not mapped) cut to its /64.
fn ip_bytes(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

fn ip_key(ip: IpAddr) -> Key {
    let ip = ip.to_canonical();
    let mut bytes = ip_bytes(ip);
    if ip.is_ipv6() {
        bytes[8..].fill(0);
    }
    bytes
}

fn trusted(policy: &RateLimitPolicy, ip: IpAddr) -> bool {
    let bytes = ip_bytes(ip.to_canonical());
    policy.trusted_proxies.iter().any(|cidr| cidr.contains(&bytes))
}

/// One `X-Forwarded-For` entry: `ip`, `ip:port` or `[v6]:port`.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client's address: the peer, or — when the peer is a trusted proxy —
/// the right-most `X-Forwarded-For` entry that is not one. `None` without
/// connect info.
pub(crate) fn client_ip<B>(request: &Request<B>, policy: &RateLimitPolicy) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !trusted(policy, peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = request
        .headers()
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        // An entry we cannot read was written by a hop we trusted to be
        // sane; stop at the last address we could verify.
        let Some(ip) = parse_forwarded(entry) else { break };
        client = ip;
        if !trusted(policy, ip) {
            break;
        }
    }
    Some(client)
}

/// The bucket key, or `None` when the client IP is needed and unknown.
pub(crate) fn key<B>(request: &Request<B>, policy: &RateLimitPolicy) -> Option<Key> {
    if let KeySource::Header(name) = &policy.key
        && let Some(value) = request.headers().get(name).filter(|v| !v.is_empty())
    {
        let digest = Sha256::new()
            .chain_update(b"strata rate_limit header key\0")
            .chain_update(value.as_bytes())
            .finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        return Some(key);
    }
    client_ip(request, policy).map(ip_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_matching() {
        // 10.0.0.0/8 in mapped form.
        let mut ten = [0u8; 16];
        ten[10] = 0xff;
        ten[11] = 0xff;
        ten[12] = 10;
        let cidr = Cidr {
            bytes: ten,
            prefix: 104,
        };
        let ip = |s: &str| ip_bytes(s.parse().unwrap());
        assert!(cidr.contains(&ip("10.1.2.3")));
        assert!(!cidr.contains(&ip("11.1.2.3")));
        let v6 = Cidr {
            bytes: ip("fd00::"),
            prefix: 12,
        };
        assert!(v6.contains(&ip("fd0f::1")));
        assert!(!v6.contains(&ip("fd10::1")));
        let all = Cidr {
            bytes: [0; 16],
            prefix: 0,
        };
        assert!(all.contains(&ip("1.2.3.4")));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            ip_key("2001:db8:1:2:bbbb::2".parse().unwrap())
        );
        assert_ne!(
            ip_key("2001:db8:1:2::1".parse().unwrap()),
            ip_key("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(
            ip_key("::ffff:1.2.3.4".parse().unwrap()),
            ip_key("1.2.3.4".parse().unwrap())
        );
        assert_ne!(ip_key("1.2.3.4".parse().unwrap()), ip_key("1.2.3.5".parse().unwrap()));
    }

    #[test]
    fn forwarded_entries() {
        assert_eq!(parse_forwarded(" 1.2.3.4 "), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(parse_forwarded("1.2.3.4:80"), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(parse_forwarded("[::1]:80"), Some("::1".parse().unwrap()));
        assert_eq!(parse_forwarded("unknown"), None);
    }
}
