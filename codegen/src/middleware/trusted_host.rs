//! `trusted_host`: refuse requests whose Host is not ours (400), before any
//! work and before a redirect could echo an attacker's Host back. The host is
//! the request target's authority, else `Host`, or the one `proxy` resolved.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered, path_list};
use crate::model::{Reader, StackSpec};
use crate::rules::Rule;
use crate::tree::Spanned;
use quote::quote;

pub const MALFORMED_HOSTS: &str = "S0501";

pub static DEF: Def = Def {
    name: "trusted_host",
    aliases: &[],
    rank: 30,
    why: "bad hosts are refused before any work and before a redirect echoes the Host",
    whole_app: Some("a host is trusted or not for the whole app; a scope would leave other paths open to forged hosts"),
    must_wrap: &["https_redirect"],
    must_wrap_why: "a redirect built from an untrusted Host header sends users to the attacker's host",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"allowed_hosts = ["localhost"]"#,
    read,
    rules: &[Rule {
        code: MALFORMED_HOSTS,
        level: Level::Error,
        summary: "`trusted_host`: empty list, or a malformed pattern (`ex*ample.com`, `*.*.com`, a scheme, a path, a port)",
        check: Some(check_patterns),
    }],
};

#[derive(Clone, Debug)]
pub struct TrustedHost {
    pub allowed_hosts: Option<Spanned<Vec<Spanned<String>>>>,
    pub www_redirect: bool,
    pub exempt_paths: Option<Spanned<Vec<Spanned<String>>>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let allowed_hosts = reader.strings("allowed_hosts");
    let allowed_hosts = reader.require(allowed_hosts, "allowed_hosts", at, "[\"api.example.com\"]");
    Config::TrustedHost(TrustedHost {
        allowed_hosts,
        www_redirect: reader.bool("www_redirect").is_none_or(|flag| flag.value),
        exempt_paths: reader.paths("exempt_paths"),
    })
}

/// Why a host pattern is malformed, or `None` when it is fine.
///
/// Accepted: `*`; a host name of letters, digits, `-`, `.` and `_` (which
/// docker-compose service names use, and Starlette accepts), optionally with
/// one trailing dot (`localhost.`, the fully qualified form, is the same host)
/// and a leading `*.` for subdomains; an IPv6 literal in brackets (`[::1]`).
pub fn pattern_problem(pattern: &str) -> Option<String> {
    if pattern == "*" {
        return None;
    }
    if pattern.contains("://") {
        return Some("a host pattern has no scheme".into());
    }
    if pattern.contains('/') {
        return Some("a host pattern has no path".into());
    }
    if let Some(literal) = pattern.strip_prefix('[') {
        return match literal.split_once(']') {
            Some((address, "")) if address.parse::<std::net::Ipv6Addr>().is_ok() => None,
            Some((_, rest)) if rest.starts_with(':') => {
                Some("a host pattern has no port; the port is ignored when matching".into())
            }
            _ => Some("an IPv6 literal is an IPv6 address in brackets, e.g. `[::1]`".into()),
        };
    }
    if pattern.parse::<std::net::Ipv6Addr>().is_ok() {
        return Some(format!("write an IPv6 address in brackets, as in a URL: `[{pattern}]`"));
    }
    if pattern.contains(':') {
        return Some("a host pattern has no port; the port is ignored when matching".into());
    }
    let name = pattern.strip_prefix("*.").unwrap_or(pattern);
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.contains('*') {
        return Some("`*` may only stand alone or as the first label (`*.example.com`)".into());
    }
    if name.is_empty() || name.split('.').any(|label| label.is_empty()) {
        return Some("a host name has no empty labels".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Some(format!("`{bad}` cannot appear in a host name"));
    }
    None
}

/// A well-formed pattern as the runtime compares it: lowercase, without its
/// trailing dot, an IPv6 literal in canonical form (`[0:0::1]` is `[::1]`).
fn normalised(pattern: &str) -> String {
    let lower = pattern.to_ascii_lowercase();
    if let Some(address) = lower
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|literal| literal.parse::<std::net::Ipv6Addr>().ok())
    {
        return format!("[{address}]");
    }
    match lower.strip_suffix('.') {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => lower,
    }
}

/// A trusted-host list that is empty refuses every request; a pattern that
/// cannot match (or matches more than it looks like) is a hole or an outage
/// discovered in production. Starlette accepts both silently.
fn check_patterns(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<TrustedHost>() {
        let Some(hosts) = &config.allowed_hosts else { continue };
        if hosts.value.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    MALFORMED_HOSTS,
                    &hosts.loc,
                    "`trusted_host.allowed_hosts` is empty, so every request would get 400",
                )
                .help("list the hosts you serve, e.g. allowed_hosts = [\"api.example.com\"]"),
            );
        }
        for host in &hosts.value {
            if let Some(problem) = pattern_problem(&host.value) {
                diagnostics.push(
                    Diagnostic::error(
                        MALFORMED_HOSTS,
                        &host.loc,
                        format!("malformed host pattern \"{}\": {problem}", host.value),
                    )
                    .help("write a host name (`api.example.com`), a subdomain wildcard (`*.example.com`), an IPv6 literal (`[::1]`) or `*`"),
                );
            }
        }
    }
}

impl TrustedHost {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let mut allow_any = false;
        let mut exact = Vec::new();
        let mut suffixes = Vec::new();
        for host in self.allowed_hosts.iter().flat_map(|hosts| &hosts.value) {
            let host = normalised(&host.value);
            if host == "*" {
                allow_any = true;
            } else if let Some(domain) = host.strip_prefix('*') {
                suffixes.push(domain.to_string());
            } else {
                exact.push(host);
            }
        }
        exact.sort();
        exact.dedup();
        suffixes.sort();
        suffixes.dedup();
        let www_redirect = self.www_redirect;
        let exempt = path_list(self.exempt_paths.as_ref());
        Lowered::layer(quote!(#private::runtime::trusted_host::TrustedHostLayer::new(&__STRATA_TRUSTED_HOSTS)))
            .with_items(quote! {
                static __STRATA_TRUSTED_HOSTS: #private::runtime::trusted_host::TrustedHostPolicy =
                    #private::runtime::trusted_host::TrustedHostPolicy {
                        allow_any: #allow_any,
                        exact: &[#(#exact),*],
                        suffixes: &[#(#suffixes),*],
                        www_redirect: #www_redirect,
                        exempt_paths: #exempt,
                    };
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{normalised, pattern_problem};

    #[test]
    fn accepts_hosts_wildcards_and_star() {
        for good in [
            "api.example.com",
            "*.example.com",
            "localhost",
            "*",
            "127.0.0.1",
            "[::1]",
            "[2001:db8::1]",
            "api_service",
            "localhost.",
            "*.example.com.",
        ] {
            assert_eq!(pattern_problem(good), None, "{good}");
        }
    }

    #[test]
    fn patterns_are_normalised_as_the_runtime_compares_them() {
        assert_eq!(normalised("API.Example.com."), "api.example.com");
        assert_eq!(normalised("[0:0:0:0:0:0:0:1]"), "[::1]");
        assert_eq!(normalised("*.Example.com."), "*.example.com");
        assert_eq!(normalised("*"), "*");
    }

    #[test]
    fn rejects_malformed_patterns() {
        for bad in [
            "ex*ample.com",
            "*.*.com",
            "https://example.com",
            "example.com/x",
            "example.com:80",
            "a..b",
            "",
            "exa mple.com",
            "::1",
            "[::1]:8080",
            "[::1",
            "[:::]",
            "[localhost]",
            "localhost..",
            ".",
        ] {
            assert!(pattern_problem(bad).is_some(), "{bad}");
        }
    }
}
