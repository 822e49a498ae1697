//! `rate_limit`: at most `requests` per `per` for each client, in memory or in Redis.

use super::api_key::check_env_name;
use super::https_redirect::HttpsRedirect;
use super::{Config, Def, header_name_tokens, private, startup};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered, path_list};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
// Shared with `timeout`; kept nameable here for the tests below.
pub use crate::checks::parse_duration;
use quote::quote;

pub const ZERO_OR_NO_BACKEND: &str = "S0401";
pub const PROXY_WITHOUT_TRUSTED_PROXIES: &str = "S0402";

pub const BACKENDS: &[&str] = &["memory", "redis"];
pub const ON_BACKEND_ERROR: &[&str] = &["allow", "deny"];
pub const DEFAULT_MAX_KEYS: u64 = 1_000_000;

pub static DEF: Def = Def {
    name: "rate_limit",
    aliases: &[],
    rank: 100,
    why: "limits guard auth from brute force, and count only clients that were not blocked",
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"requests = 10, per = "1m""#,
    read,
    rules: &[
        Rule {
            code: ZERO_OR_NO_BACKEND,
            level: Level::Error,
            summary: "`rate_limit`: zero requests or zero window; `backend = \"redis\"` without `redis_url_env`",
            check: Some(check_zero_and_backend),
        },
        Rule {
            code: PROXY_WITHOUT_TRUSTED_PROXIES,
            level: Level::Warning,
            summary: "`rate_limit`: `key = \"client_ip\"` with no `trusted_proxies` while `https_redirect.trust_forwarded_proto` says a proxy is in front",
            check: Some(check_proxy),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`rate_limit`: a malformed `per`, `key`, `backend`, `on_backend_error`, proxy range or `max_keys`",
            check: Some(check_values),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct RateLimit {
    pub at: Loc,
    pub requests: Option<Spanned<u64>>,
    pub per: Option<Spanned<String>>,
    pub key: Option<Spanned<String>>,
    pub backend: Option<Spanned<String>>,
    pub redis_url_env: Option<Spanned<String>>,
    pub trusted_proxies: Option<Spanned<Vec<Spanned<String>>>>,
    pub exempt_paths: Option<Spanned<Vec<Spanned<String>>>>,
    pub on_backend_error: Option<Spanned<String>>,
    pub max_keys: Option<Spanned<u64>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let requests = reader.uint("requests");
    let requests = reader.require(requests, "requests", at, "120");
    let per = reader.string("per");
    let per = reader.require(per, "per", at, "\"1m\"");
    Config::RateLimit(RateLimit {
        at: at.clone(),
        requests,
        per,
        key: reader.string("key"),
        backend: reader.string("backend"),
        redis_url_env: reader.string("redis_url_env"),
        trusted_proxies: reader.strings("trusted_proxies"),
        exempt_paths: reader.paths("exempt_paths"),
        on_backend_error: reader.string("on_backend_error"),
        max_keys: reader.uint("max_keys"),
    })
}

/// An IP address or CIDR range, as 16 bytes in IPv6 form and a prefix length.
pub fn parse_cidr(text: &str) -> Option<([u8; 16], u8)> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
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

impl RateLimit {
    fn redis(&self) -> bool {
        self.backend.as_ref().is_some_and(|b| b.value == "redis")
    }

    /// `key` is the client IP (also the default).
    fn keyed_by_ip(&self) -> bool {
        self.key.as_ref().is_none_or(|k| k.value == "client_ip")
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let rl = quote!(#private::runtime::rate_limit);
        let requests = self.requests.as_ref().map_or(0, |r| r.value) as u32;
        let per_ms = self.per.as_ref().and_then(|p| parse_duration(&p.value)).unwrap_or(0);
        let key = match self.key.as_ref().and_then(|k| k.value.strip_prefix("header:")) {
            Some(header) => {
                let header = header_name_tokens(header);
                quote!(#rl::KeySource::Header(#header))
            }
            None => quote!(#rl::KeySource::ClientIp),
        };
        let proxies = self
            .trusted_proxies
            .iter()
            .flat_map(|list| &list.value)
            .filter_map(|p| parse_cidr(&p.value))
            .map(|(bytes, prefix)| quote!(#rl::Cidr { bytes: [#(#bytes),*], prefix: #prefix }));
        let exempt = path_list(self.exempt_paths.as_ref());
        let on_error = match self.on_backend_error.as_ref().map(|o| o.value.as_str()) {
            Some("deny") => quote!(Deny),
            _ => quote!(Allow),
        };
        let max_keys = self.max_keys.as_ref().map_or(DEFAULT_MAX_KEYS, |m| m.value) as usize;
        let limit = requests.to_string();
        let mut items = quote! {
            static __STRATA_RATE_LIMIT: #rl::RateLimitPolicy = #rl::RateLimitPolicy {
                requests: #requests,
                per: ::core::time::Duration::from_millis(#per_ms),
                key: #key,
                trusted_proxies: &[#(#proxies),*],
                exempt_paths: #exempt,
                on_backend_error: #rl::OnBackendError::#on_error,
                max_keys: #max_keys,
                limit_header: #private::http::HeaderValue::from_static(#limit),
            };
        };
        let layer = if self.redis() {
            let variable = self.redis_url_env.as_ref().map_or("", |v| v.value.as_str());
            let url = cx.env(variable, "rate_limit.redis_url_env");
            items.extend(quote!(#private::runtime::__require_redis_feature!("`rate_limit(backend = \"redis\")`");));
            startup(
                cx,
                quote!(#rl::redis::RedisRateLimitLayer::new(&__STRATA_RATE_LIMIT, &#url, #variable)),
            )
        } else {
            quote!(#rl::RateLimitLayer::new(&__STRATA_RATE_LIMIT))
        };
        Lowered::layer(layer).with_items(items)
    }
}

/// Zero requests refuses everyone; a zero window divides by zero; a Redis
/// backend with no URL cannot start. Each is a stack that cannot do what it
/// says.
fn check_zero_and_backend(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<RateLimit>() {
        if let Some(requests) = config.requests.as_ref().filter(|r| r.value == 0) {
            diagnostics.push(
                Diagnostic::error(
                    ZERO_OR_NO_BACKEND,
                    &requests.loc,
                    "`rate_limit.requests = 0` refuses every request",
                )
                .help("allow at least one request per window, e.g. requests = 120"),
            );
        }
        if let Some(per) = &config.per
            && parse_duration(&per.value) == Some(0)
        {
            diagnostics.push(
                Diagnostic::error(
                    ZERO_OR_NO_BACKEND,
                    &per.loc,
                    format!("`rate_limit.per = \"{}\"` is a zero window", per.value),
                )
                .help("give a window such as \"1s\", \"1m\" or \"1h\""),
            );
        }
        if let Some(backend) = config.backend.as_ref().filter(|b| b.value == "redis")
            && config.redis_url_env.is_none()
        {
            diagnostics.push(
                Diagnostic::error(
                    ZERO_OR_NO_BACKEND,
                    &backend.loc,
                    "`rate_limit.backend = \"redis\"` needs `redis_url_env`",
                )
                .help("add redis_url_env = \"REDIS_URL\", the variable that holds redis://host:port"),
            );
        }
    }
}

/// Behind a proxy every request arrives from the proxy's address: keyed by
/// client IP without `trusted_proxies`, all clients share one bucket, and
/// one busy client locks everyone out.
fn check_proxy(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    let Some(proxy) = spec.each::<HttpsRedirect>().find_map(HttpsRedirect::behind_proxy) else {
        return;
    };
    for config in spec.each::<RateLimit>() {
        let no_proxies = config.trusted_proxies.as_ref().is_none_or(|p| p.value.is_empty());
        if config.keyed_by_ip() && no_proxies {
            let at = config.key.as_ref().map_or(&config.at, |k| &k.loc);
            diagnostics.push(
                Diagnostic::warning(
                    PROXY_WITHOUT_TRUSTED_PROXIES,
                    at,
                    "`rate_limit` keys by client IP, but a proxy is in front and no `trusted_proxies` are listed: every client would share the proxy's bucket",
                )
                .note(&proxy.loc, "`https_redirect.trust_forwarded_proto` says a proxy is in front")
                .help("list the proxy's addresses, e.g. trusted_proxies = [\"10.0.0.0/8\"], so X-Forwarded-For is believed from them"),
            );
        }
    }
}

fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<RateLimit>() {
        let mut error = |loc: &Loc, message: String, help: &str| {
            diagnostics.push(Diagnostic::error(rules::WRONG_VALUE, loc, message).help(help.to_string()));
        };
        if let Some(requests) = config.requests.as_ref().filter(|r| r.value > u64::from(u32::MAX)) {
            error(
                &requests.loc,
                format!("`rate_limit.requests` is {}, more than 4294967295", requests.value),
                "use a smaller number",
            );
        }
        if let Some(per) = &config.per
            && parse_duration(&per.value).is_none()
        {
            error(
                &per.loc,
                format!("`rate_limit.per = \"{}\"` is not a duration", per.value),
                "write a number and a unit: \"500ms\", \"30s\", \"1m\", \"1h\" or \"1d\"",
            );
        }
        if let Some(key) = &config.key {
            let header = key.value.strip_prefix("header:");
            let valid = key.value == "client_ip"
                || header.is_some_and(|h| !h.is_empty() && http::HeaderName::from_bytes(h.as_bytes()).is_ok());
            if !valid {
                error(
                    &key.loc,
                    format!(
                        "`rate_limit.key = \"{}\"` is neither \"client_ip\" nor \"header:<name>\"",
                        key.value
                    ),
                    "write key = \"client_ip\" (the default) or key = \"header:x-api-key\"",
                );
            }
        }
        let redis = match &config.backend {
            Some(backend) if !BACKENDS.contains(&backend.value.as_str()) => {
                error(
                    &backend.loc,
                    format!(
                        "`rate_limit.backend` must be \"memory\" or \"redis\", found \"{}\"",
                        backend.value
                    ),
                    "\"memory\" (the default) counts per process; \"redis\" shares one count across processes",
                );
                false
            }
            Some(backend) => backend.value == "redis",
            None => false,
        };
        if let Some(on_error) = &config.on_backend_error {
            if !ON_BACKEND_ERROR.contains(&on_error.value.as_str()) {
                error(
                    &on_error.loc,
                    format!(
                        "`rate_limit.on_backend_error` must be \"allow\" or \"deny\", found \"{}\"",
                        on_error.value
                    ),
                    "\"allow\" (the default) lets requests through while Redis is down; \"deny\" answers 503",
                );
            } else if !redis {
                error(
                    &on_error.loc,
                    "`rate_limit.on_backend_error` applies only to `backend = \"redis\"`".into(),
                    "add backend = \"redis\", or remove `on_backend_error`",
                );
            }
        }
        match (&config.redis_url_env, redis) {
            (Some(variable), true) => check_env_name("rate_limit.redis_url_env", variable, diagnostics),
            (Some(variable), false) => diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &variable.loc,
                    "`rate_limit.redis_url_env` is only read with `backend = \"redis\"`",
                )
                .help("add backend = \"redis\", or remove `redis_url_env`"),
            ),
            _ => {}
        }
        for proxy in config.trusted_proxies.iter().flat_map(|list| &list.value) {
            if parse_cidr(&proxy.value).is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        &proxy.loc,
                        format!(
                            "`rate_limit.trusted_proxies`: \"{}\" is not an IP address or CIDR range",
                            proxy.value
                        ),
                    )
                    .help("write an address (\"10.0.0.1\") or a range (\"10.0.0.0/8\", \"fd00::/8\")"),
                );
            }
        }
        if let Some(max_keys) = config.max_keys.as_ref().filter(|m| m.value == 0) {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &max_keys.loc,
                    "`rate_limit.max_keys = 0` would track no client",
                )
                .help("leave the default (1000000, about 52 MiB) or give the number of clients to track"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m"), Some(60_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("2h"), Some(7_200_000));
        assert_eq!(parse_duration("0s"), Some(0));
        for bad in ["", "m", "1", "1 m", "1min", "-1s", "1.5s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        let (bytes, prefix) = parse_cidr("10.0.0.0/8").unwrap();
        assert_eq!(prefix, 104);
        assert_eq!(bytes[10..13], [0xff, 0xff, 10]);
        assert_eq!(parse_cidr("10.0.0.1").unwrap().1, 128);
        assert_eq!(parse_cidr("fd00::/8").unwrap().1, 8);
        for bad in ["10.0.0.0/33", "fd00::/129", "ten", "10.0.0.0/x", ""] {
            assert_eq!(parse_cidr(bad), None, "{bad}");
        }
    }
}
