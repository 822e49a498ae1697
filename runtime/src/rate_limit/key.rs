//! Who a request comes from: the bucket key.

use std::net::IpAddr;

use super::{KeySource, RateLimitPolicy};
use crate::proxy::client_ip;
use http::Request;

/// The 16-byte bucket key of one client.
pub(crate) type Key = [u8; 16];

/// IPv4 as mapped IPv6; IPv6 (not mapped) cut to its /64, which one
/// subscriber usually owns whole.
fn ip_key(ip: IpAddr) -> Key {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => {
            let mut bytes = v6.octets();
            bytes[8..].fill(0);
            bytes
        }
    }
}

/// A key derived from a verified identity: never the identity itself, so
/// that an API key never sits in memory or Redis in clear. The purpose string
/// keeps identities of different kinds apart.
#[cfg(any(feature = "api_key", feature = "jwt"))]
fn identity_key(purpose: &[u8], identity: &[u8]) -> Key {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"strata rate_limit identity\0")
        .chain_update(purpose)
        .chain_update(b"\0")
        .chain_update(identity)
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// The verified identity of the request, when the key names one and the
/// auth layer outside has verified it.
#[cfg_attr(not(any(feature = "api_key", feature = "jwt")), allow(unused_variables))]
fn identity<B>(request: &Request<B>, source: &KeySource) -> Option<Key> {
    match source {
        KeySource::ClientIp => None,
        #[cfg(feature = "api_key")]
        KeySource::ApiKey => {
            // Set by the `api_key` layer outside once it has verified the
            // key; on its public paths there is none: keyed by address.
            let identity = request.extensions().get::<crate::api_key::ApiKeyIdentity>()?;
            Some(identity_key(b"api_key", &identity.0))
        }
        #[cfg(feature = "jwt")]
        KeySource::JwtClaim(claim) => {
            // Claims are in the extensions only once `jwt` has verified the token.
            let value = request.extensions().get::<crate::Claims>()?.as_value().get(*claim)?;
            match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(identity_key(claim.as_bytes(), text.as_bytes())),
                other => Some(identity_key(claim.as_bytes(), other.to_string().as_bytes())),
            }
        }
    }
}

/// The bucket key: the verified identity the key names, else the client's
/// address (from `proxy`, else the peer); `None` when that is unknown.
pub(crate) fn key<B>(request: &Request<B>, policy: &RateLimitPolicy) -> Option<Key> {
    identity(request, &policy.key).or_else(|| client_ip(request).map(ip_key))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    #[cfg(any(feature = "api_key", feature = "jwt"))]
    fn identities_of_different_kinds_never_share_a_bucket() {
        assert_ne!(identity_key(b"api_key", b"ann"), identity_key(b"sub", b"ann"));
        assert_ne!(identity_key(b"sub", b"ann"), identity_key(b"sub", b"bob"));
    }
}
