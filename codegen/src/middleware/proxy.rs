//! `proxy`: the one place that decides who the client is (address, scheme,
//! host) from what trusted proxies forward; every layer that reads the
//! client sits inside it.

use super::https_redirect::HttpsRedirect;
use super::rate_limit::RateLimit;
use super::{Config, Def, json_string, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub const PROXY_SETTINGS: &str = "S0901";
pub const MOVED_TO_PROXY: &str = "S0402";

/// The header families `headers` selects.
pub const HEADER_FAMILIES: &[&str] = &["x-forwarded", "forwarded"];
/// More proxies than this in front of one app is a typo, not a deployment.
pub const MAX_HOPS: u64 = 255;

pub static DEF: Def = Def {
    name: "proxy",
    aliases: &[],
    rank: 5,
    why: "every layer that reads the client's address, scheme or host sees the resolved ones",
    // `metrics` declares `wrapped_by: &["proxy"]` itself.
    whole_app: Some("the client's address and scheme are resolved once for every request"),
    must_wrap: &["trusted_host", "https_redirect", "rate_limit", "access_log"],
    must_wrap_why: "a layer that reads the client's address, scheme or host must see what `proxy` resolved, not the proxy's own connection",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"trusted_proxies = ["10.0.0.0/8"]"#,
    read,
    rules: &[
        Rule {
            code: PROXY_SETTINGS,
            level: Level::Error,
            summary: "`proxy`: neither `trusted_proxies` nor `hops`, both, a malformed CIDR, or a range that trusts every address",
            check: Some(check_trust),
        },
        Rule {
            code: MOVED_TO_PROXY,
            level: Level::Error,
            summary: "`rate_limit.trusted_proxies` or `https_redirect.trust_forwarded_proto` (moved to `proxy`)",
            check: Some(check_moved),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`proxy.headers` is neither \"x-forwarded\" nor \"forwarded\"",
            check: Some(check_headers),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct Proxy {
    pub at: Loc,
    pub trusted_proxies: Option<Spanned<Vec<Spanned<String>>>>,
    pub hops: Option<Spanned<u64>>,
    pub headers: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    Config::Proxy(Proxy {
        at: at.clone(),
        trusted_proxies: reader.strings("trusted_proxies"),
        hops: reader.uint("hops"),
        headers: reader.string("headers"),
    })
}

/// An IP address or CIDR range, as 16 bytes in IPv6 form (IPv4 mapped, its
/// prefix + 96) and a prefix length.
pub fn parse_cidr(text: &str) -> Option<([u8; 16], u8)> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) => {
            (address, Some(prefix.parse::<u8>().ok()?))
        }
        Some(_) => return None,
        None => (text, None),
    };
    match address.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let prefix = prefix.unwrap_or(32);
            (prefix <= 32).then(|| (v4.to_ipv6_mapped().octets(), prefix + 96))
        }
        std::net::IpAddr::V6(v6) => {
            let prefix = prefix.unwrap_or(128);
            (prefix <= 128).then(|| (v6.octets(), prefix))
        }
    }
}

/// Whether a parsed range covers every address, or every IPv4 address
/// (`0.0.0.0/0`, `::/0`, `::ffff:0:0/96`).
fn covers_everyone(bytes: &[u8; 16], prefix: u8) -> bool {
    let mapped_zero = std::net::Ipv4Addr::UNSPECIFIED.to_ipv6_mapped().octets();
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    let same_bits = bytes[..full] == mapped_zero[..full]
        && (rest == 0 || (bytes[full] ^ mapped_zero[full]) & (0xFFu8 << (8 - rest)) == 0);
    prefix == 0 || (prefix <= 96 && same_bits)
}

impl Proxy {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let proxy = quote!(#private::runtime::proxy);
        let trust = match &self.hops {
            Some(hops) => {
                let hops = hops.value.min(MAX_HOPS) as u16;
                quote!(#proxy::Trust::Hops(#hops))
            }
            None => {
                let ranges = self
                    .trusted_proxies
                    .iter()
                    .flat_map(|list| &list.value)
                    .filter_map(|range| parse_cidr(&range.value))
                    .map(|(bytes, prefix)| quote!(#proxy::Cidr { bytes: [#(#bytes),*], prefix: #prefix }));
                quote!(#proxy::Trust::Proxies(&[#(#ranges),*]))
            }
        };
        let headers = match self.headers.as_ref().map(|h| h.value.as_str()) {
            Some("forwarded") => quote!(Forwarded),
            _ => quote!(XForwarded),
        };
        Lowered::layer(quote!(#proxy::ProxyLayer::new(&__STRATA_PROXY))).with_items(quote! {
            static __STRATA_PROXY: #proxy::ProxyPolicy = #proxy::ProxyPolicy {
                trust: #trust,
                headers: #proxy::ForwardedHeaders::#headers,
            };
        })
    }
}

/// `proxy` exists to say whom to believe; with no one named it would believe
/// no one (and silently do nothing), with both it would be unclear which
/// wins, and a range that cannot be read, or one that covers every address,
/// lets clients name themselves.
fn check_trust(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Proxy>() {
        let ranges = config.trusted_proxies.as_ref();
        match (ranges, &config.hops) {
            (None, None) => diagnostics.push(
                Diagnostic::error(
                    PROXY_SETTINGS,
                    &config.at,
                    "`proxy` needs `trusted_proxies` or `hops`: without them it trusts no proxy",
                )
                .help("list your proxies' addresses, e.g. trusted_proxies = [\"10.0.0.0/8\"], or give their number, e.g. hops = 1"),
            ),
            (Some(ranges), Some(hops)) => diagnostics.push(
                Diagnostic::error(
                    PROXY_SETTINGS,
                    &hops.loc,
                    "`proxy` takes `trusted_proxies` or `hops`, not both",
                )
                .note(&ranges.loc, "`trusted_proxies` is set here")
                .help("keep `trusted_proxies` when you know your proxies' addresses (safer: a request that bypasses them is not believed); keep `hops` when they change"),
            ),
            _ => {}
        }
        if let Some(ranges) = ranges.filter(|r| r.value.is_empty()) {
            diagnostics.push(
                Diagnostic::error(
                    PROXY_SETTINGS,
                    &ranges.loc,
                    "`proxy.trusted_proxies` is empty: no proxy would be believed",
                )
                .help("list your proxies' addresses, e.g. trusted_proxies = [\"10.0.0.0/8\"], or remove `proxy`"),
            );
        }
        for range in ranges.iter().flat_map(|list| &list.value) {
            match parse_cidr(&range.value) {
                None => diagnostics.push(
                    Diagnostic::error(
                        PROXY_SETTINGS,
                        &range.loc,
                        format!(
                            "`proxy.trusted_proxies`: \"{}\" is not an IP address or CIDR range",
                            range.value
                        ),
                    )
                    .help("write an address (\"10.0.0.1\", \"::1\") or a range (\"10.0.0.0/8\", \"fd00::/8\")"),
                ),
                Some((bytes, prefix)) if covers_everyone(&bytes, prefix) => diagnostics.push(
                    Diagnostic::error(
                        PROXY_SETTINGS,
                        &range.loc,
                        format!(
                            "`proxy.trusted_proxies`: \"{}\" trusts every address, so any client could name its own address, scheme and host",
                            range.value
                        ),
                    )
                    .help("list only your proxies' addresses, e.g. \"10.0.0.0/8\"; if every peer really is a proxy, use hops = 1"),
                ),
                Some(_) => {}
            }
        }
        if let Some(hops) = &config.hops
            && (hops.value == 0 || hops.value > MAX_HOPS)
        {
            diagnostics.push(
                Diagnostic::error(
                    PROXY_SETTINGS,
                    &hops.loc,
                    format!("`proxy.hops = {}` must be between 1 and {MAX_HOPS}", hops.value),
                )
                .help("give the number of proxies in front of the app, usually 1"),
            );
        }
    }
}

fn check_headers(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Proxy>() {
        if let Some(headers) = config
            .headers
            .as_ref()
            .filter(|h| !HEADER_FAMILIES.contains(&h.value.as_str()))
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &headers.loc,
                    format!(
                        "`proxy.headers` must be \"x-forwarded\" or \"forwarded\", found \"{}\"",
                        headers.value
                    ),
                )
                .help("\"x-forwarded\" (the default) reads X-Forwarded-For/-Proto/-Host; \"forwarded\" reads RFC 7239 Forwarded"),
            );
        }
    }
}

/// How to write a `proxy` entry with these ranges in the front door `at` came through.
fn proxy_entry(at: &Loc, ranges: &str) -> String {
    match at {
        Loc::Span(_) => format!("proxy(trusted_proxies = [{ranges}])"),
        Loc::Bytes(_) => format!("a [proxy] table with trusted_proxies = [{ranges}]"),
    }
}

/// Who the client is used to be decided by each layer on its own, so two
/// layers could believe two different clients; `proxy` now decides once for
/// all of them, and the old keys would silently do nothing.
fn check_moved(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    let existing = spec
        .layers
        .iter()
        .find(|layer| matches!(layer.config, Config::Proxy(_)))
        .map(|layer| layer.key.loc.clone());
    for config in spec.each::<RateLimit>() {
        let Some(ranges) = &config.trusted_proxies else {
            continue;
        };
        let written = ranges
            .value
            .iter()
            .map(|range| json_string(&range.value))
            .collect::<Vec<_>>()
            .join(", ");
        let mut error = Diagnostic::error(
            MOVED_TO_PROXY,
            &ranges.loc,
            "`rate_limit.trusted_proxies` has moved to `proxy`, which decides the client's address once for every layer",
        );
        error = match &existing {
            Some(proxy) => error
                .note(proxy, "`proxy` is here")
                .help("remove `trusted_proxies` from `rate_limit` and list the ranges in `proxy`"),
            None => error.help(format!(
                "remove `trusted_proxies` from `rate_limit` and add {}",
                proxy_entry(&ranges.loc, &written)
            )),
        };
        diagnostics.push(error);
    }
    for config in spec.each::<HttpsRedirect>() {
        let Some(trust) = &config.trust_forwarded_proto else {
            continue;
        };
        let mut error = Diagnostic::error(
            MOVED_TO_PROXY,
            &trust.loc,
            "`https_redirect.trust_forwarded_proto` has moved to `proxy`, which believes X-Forwarded-Proto only from the proxies it trusts",
        );
        error = match (&existing, trust.value) {
            (Some(proxy), _) => error
                .note(proxy, "`proxy` is here")
                .help("remove `trust_forwarded_proto`: `proxy` already tells `https_redirect` the client's scheme"),
            (None, false) => {
                error.help("remove `trust_forwarded_proto`: without `proxy`, X-Forwarded-Proto is never believed")
            }
            (None, true) => error.help(format!(
                "remove `trust_forwarded_proto` and add {}",
                proxy_entry(&trust.loc, "\"10.0.0.0/8\"").replace("10.0.0.0/8", "<your proxies' addresses>")
            )),
        };
        diagnostics.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let (bytes, prefix) = parse_cidr("10.0.0.0/8").unwrap();
        assert_eq!(prefix, 104);
        assert_eq!(bytes[10..13], [0xff, 0xff, 10]);
        assert_eq!(parse_cidr("10.0.0.1").unwrap().1, 128);
        assert_eq!(parse_cidr("fd00::/8").unwrap().1, 8);
        assert_eq!(parse_cidr("::1/128").unwrap().1, 128);
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "ten",
            "10.0.0.0/x",
            "",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "[::1]",
        ] {
            assert_eq!(parse_cidr(bad), None, "{bad}");
        }
    }

    #[test]
    fn ranges_that_trust_everyone() {
        for everyone in ["0.0.0.0/0", "::/0", "1.2.3.4/0", "::ffff:0:0/96", "::/1"] {
            let (bytes, prefix) = parse_cidr(everyone).unwrap();
            assert!(covers_everyone(&bytes, prefix), "{everyone}");
        }
        for some in [
            "10.0.0.0/8",
            "0.0.0.0/1",
            "fd00::/8",
            "127.0.0.1",
            "::1/128",
            "2000::/3",
        ] {
            let (bytes, prefix) = parse_cidr(some).unwrap();
            assert!(!covers_everyone(&bytes, prefix), "{some}");
        }
    }
}
