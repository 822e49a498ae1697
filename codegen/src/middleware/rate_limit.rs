//! `rate_limit`: at most `requests` per `per` for each client, in memory or in Redis.

use super::api_key::check_env_name;
use super::{Config, Def, private, startup};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered, path_list};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::{Spanned, Value};
use quote::quote;

pub const ZERO_OR_NO_BACKEND: &str = "S0401";
pub const CLIENT_CHOSEN_KEY: &str = "S0403";

pub const BACKENDS: &[&str] = &["memory", "redis"];
pub const ON_BACKEND_ERROR: &[&str] = &["allow", "deny"];
pub const DEFAULT_MAX_KEYS: u64 = 1_000_000;

/// Where a limit keyed on a verified identity sits: just inside `jwt` (130)
/// and `api_key` (131), which verify it, and outside `custom` (140).
pub const IDENTITY_RANK: u16 = 135;
/// Why it sits there, as `explain` prints it.
pub const IDENTITY_WHY: &str = "keyed on the verified identity, so it sits just inside the auth layer that verifies it";

pub static DEF: Def = Def {
    name: "rate_limit",
    aliases: &[],
    rank: 100,
    why: "limits guard auth from brute force, and count only clients that were not blocked",
    whole_app: None,
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
            code: CLIENT_CHOSEN_KEY,
            level: Level::Error,
            summary: "`rate_limit`: a key the client chooses (`header:…`); or `\"api_key\"` / `\"jwt:…\"` without that auth layer in the stack",
            check: Some(check_key_source),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`rate_limit`: a malformed `per`, `key`, `backend`, `on_backend_error` or `max_keys`",
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
    /// Moved to `proxy`; read only to say so (S0402).
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
        trusted_proxies: reader.retired("trusted_proxies").map(|value| {
            let ranges = match &value.value {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|item| match &item.value {
                        Value::Str(text) => Some(Spanned::new(text.clone(), item.loc.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Spanned::new(ranges, value.loc.clone())
        }),
        exempt_paths: reader.paths("exempt_paths"),
        on_backend_error: reader.string("on_backend_error"),
        max_keys: reader.uint("max_keys"),
    })
}

/// What a `key` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind<'a> {
    /// The client's address (the default).
    ClientIp,
    /// The key `api_key` verified.
    ApiKey,
    /// A claim of the token `jwt` verified.
    JwtClaim(&'a str),
    /// A raw request header: the client's free choice.
    Header(&'a str),
    /// Anything else.
    Unknown,
}

impl KeyKind<'_> {
    /// The auth layer that verifies this identity, for identity keys.
    pub fn auth_layer(self) -> Option<&'static str> {
        match self {
            KeyKind::ApiKey => Some("api_key"),
            KeyKind::JwtClaim(_) => Some("jwt"),
            _ => None,
        }
    }
}

// Shared with `timeout`; kept nameable here for the tests.
pub use crate::checks::parse_duration;

impl RateLimit {
    fn redis(&self) -> bool {
        self.backend.as_ref().is_some_and(|b| b.value == "redis")
    }

    /// What `key` names (the client IP when absent).
    pub fn key_kind(&self) -> KeyKind<'_> {
        let Some(key) = &self.key else {
            return KeyKind::ClientIp;
        };
        let key = key.value.as_str();
        if key == "client_ip" {
            KeyKind::ClientIp
        } else if key == "api_key" {
            KeyKind::ApiKey
        } else if let Some(claim) = key.strip_prefix("jwt:").filter(|claim| !claim.is_empty()) {
            KeyKind::JwtClaim(claim)
        } else if let Some(header) = key.strip_prefix("header:") {
            KeyKind::Header(header)
        } else {
            KeyKind::Unknown
        }
    }

    /// The auth layer this limit must sit inside, when it is keyed on an identity.
    pub fn identity_of(&self) -> Option<&'static str> {
        self.key_kind().auth_layer()
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let rl = quote!(#private::runtime::rate_limit);
        let requests = self.requests.as_ref().map_or(0, |r| r.value) as u32;
        let per_ms = self.per.as_ref().and_then(|p| parse_duration(&p.value)).unwrap_or(0);
        let key = match self.key_kind() {
            // The identity the `api_key` layer outside verified (a digest of
            // the key, in the request's extensions).
            KeyKind::ApiKey => quote!(#rl::KeySource::ApiKey),
            KeyKind::JwtClaim(claim) => quote!(#rl::KeySource::JwtClaim(#claim)),
            _ => quote!(#rl::KeySource::ClientIp),
        };
        let exempt = path_list(self.exempt_paths.as_ref());
        let on_error = match self.on_backend_error.as_ref().map(|o| o.value.as_str()) {
            Some("deny") => quote!(Deny),
            _ => quote!(Allow),
        };
        let max_keys = self.max_keys.as_ref().map_or(DEFAULT_MAX_KEYS, |m| m.value) as usize;
        let limit = requests.to_string();
        let items = quote! {
            static __STRATA_RATE_LIMIT: #rl::RateLimitPolicy = #rl::RateLimitPolicy {
                requests: #requests,
                per: ::core::time::Duration::from_millis(#per_ms),
                key: #key,
                exempt_paths: #exempt,
                on_backend_error: #rl::OnBackendError::#on_error,
                max_keys: #max_keys,
                limit_header: #private::http::HeaderValue::from_static(#limit),
            };
        };
        let layer = if self.redis() {
            let variable = self.redis_url_env.as_ref().map_or("", |v| v.value.as_str());
            let url = cx.env_checked(variable, "rate_limit.redis_url_env", quote!(redis_url));
            startup(
                cx,
                quote!(#rl::redis::RedisRateLimitLayer::new(&__STRATA_RATE_LIMIT, &#url, #variable)),
            )
        } else {
            quote!(#rl::RateLimitLayer::new(&__STRATA_RATE_LIMIT))
        };
        let mut lowered = Lowered::layer(layer).with_items(items);
        if let Some(backend) = self.backend.as_ref().filter(|backend| backend.value == "redis") {
            let what = "`rate_limit(backend = \"redis\")`";
            lowered = crate::features::gate(cx, "redis", what, &backend.loc, lowered);
        }
        // Keyed on an identity, the limiter reads what that auth layer
        // verified, which exists only with the auth middleware's feature.
        if let (Some(key), Some(feature)) = (&self.key, self.key_kind().auth_layer()) {
            let what = format!("`rate_limit(key = \"{}\")`", key.value);
            lowered = crate::features::gate(cx, feature, &what, &key.loc, lowered);
        }
        lowered
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

/// A limit is only as good as its key: a key the client picks freely (a raw
/// header, read before any auth) gives a new bucket to every new value, so a
/// client that rotates it is never limited. An identity key needs the auth
/// layer that verifies the identity, or there is nothing verified to key on.
fn check_key_source(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<RateLimit>() {
        let Some(key) = &config.key else { continue };
        match config.key_kind() {
            KeyKind::Header(header) => diagnostics.push(
                Diagnostic::error(
                    CLIENT_CHOSEN_KEY,
                    &key.loc,
                    format!(
                        "`rate_limit.key = \"{}\"` lets the client choose its bucket: every new `{header}` value is a new bucket, so a client that changes it is never limited",
                        key.value
                    ),
                )
                .help("key on what was verified: key = \"api_key\" (with `api_key`) or key = \"jwt:sub\" (with `jwt`); or on the address: key = \"client_ip\" (the default)"),
            ),
            kind => {
                let Some(auth) = kind.auth_layer() else { continue };
                if spec.layers.iter().any(|layer| layer.config.def().name == auth) {
                    continue;
                }
                let option = match auth {
                    "api_key" => "keys_env = \"API_KEYS\"",
                    _ => "secret_env = \"JWT_SECRET\"",
                };
                let add = match key.loc {
                    Loc::Span(_) => format!("{auth}({option})"),
                    Loc::Bytes(_) => format!("an [{auth}] table with {option}"),
                };
                // In a branch of a scoped stack, the auth layer may be written
                // in another scope: say so rather than "the stack has none".
                let (missing, fix) = if spec.elsewhere.iter().any(|name| name == auth) {
                    (
                        format!("`{auth}` is only in another scope: on the paths where this `rate_limit` runs without it,"),
                        format!("move the `rate_limit` into the scope that has `{auth}`"),
                    )
                } else {
                    (format!("the stack has no `{auth}`:"), format!("add {add}"))
                };
                diagnostics.push(
                    Diagnostic::error(
                        CLIENT_CHOSEN_KEY,
                        &key.loc,
                        format!(
                            "`rate_limit.key = \"{}\"` keys on the identity `{auth}` verifies, but {missing} the value would be whatever the client sent",
                            key.value
                        ),
                    )
                    .help(format!("{fix}, or key on the address: key = \"client_ip\"")),
                );
            }
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
        if let Some(key) = &config.key
            && config.key_kind() == KeyKind::Unknown
        {
            error(
                &key.loc,
                format!(
                    "`rate_limit.key = \"{}\"` is none of \"client_ip\", \"api_key\", \"jwt:<claim>\"",
                    key.value
                ),
                "write key = \"client_ip\" (the default), key = \"api_key\" or key = \"jwt:sub\"",
            );
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
}
