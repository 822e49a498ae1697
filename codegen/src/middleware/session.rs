//! `session`: a signed-cookie or Redis-backed session, reachable by inner
//! layers and handlers.

use super::api_key::check_env_name;
use super::{Config, Def, private, startup};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub const SAME_SITE_NONE_INSECURE: &str = "S0201";
pub const LITERAL_SECRET: &str = "S0202";

/// The shortest secret accepted, in bytes (HMAC-SHA256's output size).
pub const MIN_SECRET_LEN: usize = 32;
pub const SAME_SITE: &[&str] = &["lax", "strict", "none"];
pub const STORES: &[&str] = &["cookie", "redis"];

pub static DEF: Def = Def {
    name: "session",
    aliases: &[],
    rank: 120,
    why: "the session exists before auth reads it",
    whole_app: None,
    must_wrap: &["jwt"],
    must_wrap_why: "auth and the layers after it read the session, so it must exist before they run",
    wrapped_by: &["proxy"],
    wrapped_by_why: "with `https_only = false` the cookie is `Secure` when the request came over HTTPS, which only `proxy` can tell behind a proxy",
    example: r#"secret_env = "SESSION_SECRET""#,
    read,
    rules: &[
        Rule {
            code: SAME_SITE_NONE_INSECURE,
            level: Level::Error,
            summary: "`session`: `same_site = \"none\"` without `https_only = true`",
            check: Some(check_same_site),
        },
        Rule {
            code: LITERAL_SECRET,
            level: Level::Error,
            summary: "`session`: literal secret shorter than 32 bytes, or any literal secret outside the dev profile",
            check: Some(check_literal_secret),
        },
        Rule {
            code: rules::HEADER_VALUE,
            level: Level::Error,
            summary: "`session`: a cookie name, path or domain that cannot be sent in a Set-Cookie header",
            check: Some(check_header_values),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`session`: no secret or two, an unknown `same_site` or `store`, a Redis store without `redis_url_env`, a bad cookie name, path or max_age",
            check: Some(check_values),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct Session {
    pub at: Loc,
    pub secret_env: Option<Spanned<String>>,
    pub secret: Option<Spanned<String>>,
    pub cookie: Option<Spanned<String>>,
    pub max_age: Option<Spanned<u64>>,
    pub path: Option<Spanned<String>>,
    pub domain: Option<Spanned<String>>,
    pub same_site: Option<Spanned<String>>,
    pub https_only: Option<Spanned<bool>>,
    pub store: Option<Spanned<String>>,
    pub redis_url_env: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    Config::Session(Session {
        at: at.clone(),
        secret_env: reader.string("secret_env"),
        secret: reader.string("secret"),
        cookie: reader.string("cookie"),
        max_age: reader.uint("max_age"),
        path: reader.string("path"),
        domain: reader.string("domain"),
        same_site: reader.string("same_site"),
        https_only: reader.bool("https_only"),
        store: reader.string("store"),
        redis_url_env: reader.string("redis_url_env"),
    })
}

impl Session {
    fn redis(&self) -> bool {
        self.store.as_ref().is_some_and(|s| s.value == "redis")
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let text = |value: &Option<Spanned<String>>, default: &str| {
            value.as_ref().map_or(default.to_string(), |v| v.value.clone())
        };
        let cookie = text(&self.cookie, "session");
        let path = text(&self.path, "/");
        let max_age = self.max_age.as_ref().map_or(1_209_600, |m| m.value);
        let domain = match &self.domain {
            Some(domain) => {
                let domain = &domain.value;
                quote!(Some(#domain))
            }
            None => quote!(None),
        };
        let same_site = match self.same_site.as_ref().map(|s| s.value.as_str()) {
            Some("strict") => quote!(Strict),
            Some("none") => quote!(None),
            _ => quote!(Lax),
        };
        let https_only = self.https_only.as_ref().is_none_or(|h| h.value);
        let (secret, secret_variable) = match (&self.secret_env, &self.secret) {
            (Some(variable), _) => (cx.env_checked(&variable.value, "session.secret_env", quote!(secret)), variable.value.clone()),
            (None, Some(literal)) => {
                let literal = &literal.value;
                (quote!(#literal), "session.secret".to_string())
            }
            (None, None) => (quote!(""), String::new()),
        };
        let items = quote! {
            static __STRATA_SESSION: #private::runtime::session::SessionPolicy =
                #private::runtime::session::SessionPolicy {
                    cookie: #cookie,
                    max_age: #max_age,
                    path: #path,
                    domain: #domain,
                    same_site: #private::runtime::session::SameSite::#same_site,
                    https_only: #https_only,
                };
        };
        let layer = if self.redis() {
            let url_variable = text(&self.redis_url_env, "");
            let url = cx.env_checked(&url_variable, "session.redis_url_env", quote!(redis_url));
            startup(
                cx,
                quote!(#private::runtime::session::redis::RedisSessionLayer::new(
                    &__STRATA_SESSION, &#secret, #secret_variable, &#url, #url_variable
                )),
            )
        } else {
            startup(
                cx,
                quote!(#private::runtime::session::SessionLayer::new(&__STRATA_SESSION, &#secret, #secret_variable)),
            )
        };
        let lowered = Lowered::layer(layer).with_items(items);
        match self.store.as_ref().filter(|store| store.value == "redis") {
            Some(store) => crate::features::gate(cx, "redis", "`session(store = \"redis\")`", &store.loc, lowered),
            None => lowered,
        }
    }
}

/// `same_site = "none"` sends the cookie on cross-site requests; browsers
/// refuse such a cookie unless it is also `Secure`, so with
/// `https_only = false` (`Secure` only on requests that came over HTTPS)
/// sessions silently never stick over plain HTTP (and, where a browser did
/// accept it, every site could ride the user's session).
fn check_same_site(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Session>() {
        let Some(same_site) = config.same_site.as_ref().filter(|s| s.value == "none") else {
            continue;
        };
        if let Some(https_only) = config.https_only.as_ref().filter(|h| !h.value) {
            diagnostics.push(
                Diagnostic::error(
                    SAME_SITE_NONE_INSECURE,
                    &same_site.loc,
                    "`session.same_site = \"none\"` needs `https_only = true`: browsers drop a SameSite=None cookie that is not Secure",
                )
                .note(&https_only.loc, "`https_only` is false here")
                .help("remove `https_only = false` (cookies then carry Secure), or use same_site = \"lax\""),
            );
        }
    }
}

/// Whether a literal `secret` may be compiled in: only when the description
/// is built for the `dev` profile (a `stack.toml` compiled with
/// `profile = "dev"`). This is the one place that
/// decides; the attribute alone names no profile, so a literal secret there
/// is always refused.
pub fn literal_secret_allowed(spec: &StackSpec) -> bool {
    spec.profile.as_deref() == Some("dev")
}

/// A secret in the source ends up in the repository, the binary and every
/// copy of both; a short one can be brute-forced offline from any cookie.
fn check_literal_secret(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Session>() {
        let Some(secret) = &config.secret else { continue };
        if secret.value.len() < MIN_SECRET_LEN {
            diagnostics.push(
                Diagnostic::error(
                    LITERAL_SECRET,
                    &secret.loc,
                    format!(
                        "`session.secret` is {} bytes; a session key needs at least {MIN_SECRET_LEN}",
                        secret.value.len()
                    ),
                )
                .help("write secret_env = \"SESSION_SECRET\" and put `openssl rand -base64 32` in that variable"),
            );
        } else if !literal_secret_allowed(spec) {
            diagnostics.push(
                Diagnostic::error(
                    LITERAL_SECRET,
                    &secret.loc,
                    "`session.secret` is written in the source; outside the dev profile secrets come from the environment",
                )
                .help("write secret_env = \"SESSION_SECRET\" and set that variable where the app runs"),
            );
        }
    }
}

/// The cookie's name, path and domain are written into every `Set-Cookie`;
/// one that is not a header value could never be sent, and every session
/// would be lost (a 500 at run time). Caught here, on the key.
fn check_header_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Session>() {
        for (key, value, help) in [
            (
                "session.cookie",
                &config.cookie,
                "use letters, digits, `-` and `_`, e.g. \"session\"",
            ),
            (
                "session.path",
                &config.path,
                "write an ASCII path starting with `/`, e.g. \"/\" (percent-encode anything else)",
            ),
            (
                "session.domain",
                &config.domain,
                "write the host name in ASCII (punycode for an international name), e.g. \"example.com\"",
            ),
        ] {
            if let Some(value) = value {
                rules::header_value(key, value, help, diagnostics);
            }
        }
    }
}

fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    // A value that cannot be a header at all is S0302 alone.
    let sendable = |value: &Spanned<String>| rules::header_value_problem(&value.value).is_none();
    for config in spec.each::<Session>() {
        match (&config.secret_env, &config.secret) {
            (None, None) => diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &config.at,
                    "`session` needs a signing key: `secret_env`",
                )
                .help("add secret_env = \"SESSION_SECRET\" and put `openssl rand -base64 32` in that variable"),
            ),
            (Some(variable), Some(literal)) => diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &literal.loc,
                    "`session` takes one key: `secret_env` or `secret`, not both",
                )
                .note(&variable.loc, "`secret_env` is set here")
                .help("remove `secret`"),
            ),
            (Some(variable), None) => check_env_name("session.secret_env", variable, diagnostics),
            (None, Some(_)) => {}
        }
        if let Some(same_site) = &config.same_site
            && !SAME_SITE.contains(&same_site.value.as_str())
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &same_site.loc,
                    format!(
                        "`session.same_site` must be \"lax\", \"strict\" or \"none\", found \"{}\"",
                        same_site.value
                    ),
                )
                .help("\"lax\" (the default) suits most apps"),
            );
        }
        let redis = match &config.store {
            Some(store) if !STORES.contains(&store.value.as_str()) => {
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        &store.loc,
                        format!(
                            "`session.store` must be \"cookie\" or \"redis\", found \"{}\"",
                            store.value
                        ),
                    )
                    .help("\"cookie\" (the default) keeps the data in a signed cookie; \"redis\" keeps it in Redis"),
                );
                false
            }
            Some(store) => store.value == "redis",
            None => false,
        };
        match (&config.redis_url_env, redis) {
            (None, true) => {
                let at = config.store.as_ref().map_or(&config.at, |s| &s.loc);
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        at,
                        "`session.store = \"redis\"` needs `redis_url_env`",
                    )
                    .help("add redis_url_env = \"REDIS_URL\""),
                );
            }
            (Some(variable), true) => check_env_name("session.redis_url_env", variable, diagnostics),
            (Some(variable), false) => diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &variable.loc,
                    "`session.redis_url_env` is only read with `store = \"redis\"`",
                )
                .help("add store = \"redis\", or remove `redis_url_env`"),
            ),
            (None, false) => {}
        }
        if let Some(cookie) = &config.cookie
            && sendable(cookie)
            && (cookie.value.is_empty()
                || !cookie
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)))
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &cookie.loc,
                    format!("`session.cookie` \"{}\" is not a cookie name", cookie.value),
                )
                .help("use letters, digits, `-` and `_`, e.g. \"session\""),
            );
        }
        if let Some(path) = &config.path
            && sendable(path)
            && (!path.value.starts_with('/') || path.value.bytes().any(|b| b == b';' || !b.is_ascii_graphic()))
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &path.loc,
                    format!("`session.path` \"{}\" is not a cookie path", path.value),
                )
                .help("write a path starting with `/`, e.g. \"/\""),
            );
        }
        if let Some(domain) = &config.domain
            && sendable(domain)
            && (domain.value.is_empty()
                || !domain
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &domain.loc,
                    format!("`session.domain` \"{}\" is not a domain", domain.value),
                )
                .help("write a host name such as \"example.com\", or remove `domain` to keep the cookie on this host"),
            );
        }
        if let Some(max_age) = config.max_age.as_ref().filter(|m| m.value == 0) {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &max_age.loc,
                    "`session.max_age = 0` expires every session at once",
                )
                .help("give the lifetime in seconds; the default is 1209600 (two weeks)"),
            );
        }
    }
}
