//! Address ranges: the `trusted_proxies` list.

use std::net::IpAddr;

/// An address range, in IPv6 form: an IPv4 range is stored as its
/// IPv4-mapped form (`::ffff:a.b.c.d`) with its prefix plus 96, so one
/// comparison serves both families and an IPv4 peer seen on a dual-stack
/// socket (`::ffff:10.0.0.1`) matches `10.0.0.0/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub bytes: [u8; 16],
    pub prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let address = match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        };
        let prefix = self.prefix.min(128);
        let full = usize::from(prefix / 8);
        let rest = prefix % 8;
        if self.bytes[..full] != address[..full] {
            return false;
        }
        if rest == 0 {
            return true;
        }
        let mask = 0xFFu8 << (8 - rest);
        self.bytes[full] & mask == address[full] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::Cidr;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn mapped(v4: [u8; 4]) -> [u8; 16] {
        std::net::Ipv4Addr::from(v4).to_ipv6_mapped().octets()
    }

    #[test]
    fn ranges_of_both_families() {
        let ten = Cidr {
            bytes: mapped([10, 0, 0, 0]),
            prefix: 104,
        };
        assert!(ten.contains(ip("10.1.2.3")));
        assert!(ten.contains(ip("::ffff:10.1.2.3")));
        assert!(!ten.contains(ip("11.1.2.3")));
        let v6 = Cidr {
            bytes: ip("fd00::").to_string().parse::<std::net::Ipv6Addr>().unwrap().octets(),
            prefix: 12,
        };
        assert!(v6.contains(ip("fd0f::1")));
        assert!(!v6.contains(ip("fd10::1")));
        let all = Cidr {
            bytes: [0; 16],
            prefix: 0,
        };
        assert!(all.contains(ip("1.2.3.4")));
        let one = Cidr {
            bytes: mapped([127, 0, 0, 1]),
            prefix: 128,
        };
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
    }
}
