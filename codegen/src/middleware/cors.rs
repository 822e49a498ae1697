//! `cors`: Starlette's CORSMiddleware, with the insecure combinations that
//! browsers reject (or that leak credentials) refused at compile time.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

#[cfg(feature = "cors_regex")]
pub mod origin_regex;

#[cfg(feature = "cors_regex")]
use origin_regex::{OriginRegex, Unmeant};

pub const WILDCARD_ORIGIN_WITH_CREDENTIALS: &str = "S0101";
pub const WILDCARD_WITH_CREDENTIALS: &str = "S0102";
pub const NOT_AN_ORIGIN: &str = "S0103";
pub const BAD_REGEX: &str = "S0104";
pub const NULL_ORIGIN: &str = "S0105";
pub const BAD_TOKEN: &str = "S0106";
pub const REGEX_ADMITS_UNMEANT_ORIGIN: &str = "S0107";

/// What Starlette (1.10) expands `allow_methods = ["*"]` to; a preflight for
/// any other method is refused, as there.
pub const ALL_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"];
/// Request headers a browser may always send (the CORS safelist).
pub const SAFELISTED_HEADERS: &[&str] = &["accept", "accept-language", "content-language", "content-type"];

pub static DEF: Def = Def {
    name: "cors",
    aliases: &[],
    rank: 60,
    why: "CORS sits outside everything that can answer with an error, so 401/403/429/500 keep their CORS headers and preflights never hit auth or limits",
    whole_app: None,
    must_wrap: &["rate_limit", "jwt", "api_key", "block", "catch_panic"],
    must_wrap_why: "error responses from inside (401, 403, 429, 500) must carry CORS headers, or the browser hides them from the page",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[
        Rule {
            code: WILDCARD_ORIGIN_WITH_CREDENTIALS,
            level: Level::Error,
            summary: "`cors`: `*` in `allow_origins` with `allow_credentials = true`",
            check: Some(check_wildcard_origin),
        },
        Rule {
            code: WILDCARD_WITH_CREDENTIALS,
            level: Level::Error,
            summary: "`cors`: `*` in `allow_headers`, `allow_methods` or `expose_headers` with credentials",
            check: Some(check_wildcard_lists),
        },
        Rule {
            code: NOT_AN_ORIGIN,
            level: Level::Error,
            summary: "`cors`: an origin that is not an origin (path, trailing `/`, query, userinfo, no scheme, malformed)",
            check: Some(check_origins),
        },
        Rule {
            code: BAD_REGEX,
            level: Level::Error,
            summary: "`cors`: `allow_origin_regex` does not compile",
            check: Some(check_regex),
        },
        Rule {
            code: NULL_ORIGIN,
            level: Level::Warning,
            summary: "`cors`: \"null\" allowed as an origin",
            check: Some(check_null_origin),
        },
        Rule {
            code: BAD_TOKEN,
            level: Level::Error,
            summary: "`cors`: invalid method token or header name",
            check: Some(check_tokens),
        },
        Rule {
            code: REGEX_ADMITS_UNMEANT_ORIGIN,
            level: Level::Error,
            summary: "`cors`: with credentials, `allow_origin_regex` admits an origin the user did not mean (a foreign probe, `null`, an unescaped `.`, or more than the whole origin)",
            check: Some(check_regex_admits),
        },
    ],
};

type StringList = Option<Spanned<Vec<Spanned<String>>>>;

#[derive(Clone, Debug)]
pub struct Cors {
    pub allow_origins: StringList,
    pub allow_origin_regex: Option<Spanned<String>>,
    pub allow_methods: StringList,
    pub allow_headers: StringList,
    pub allow_credentials: Option<Spanned<bool>>,
    pub expose_headers: StringList,
    pub max_age: u64,
    pub allow_private_network: Option<Spanned<bool>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Cors(Cors {
        allow_origins: reader.strings("allow_origins"),
        allow_origin_regex: reader.string("allow_origin_regex"),
        allow_methods: reader.strings("allow_methods"),
        allow_headers: reader.strings("allow_headers"),
        allow_credentials: reader.bool("allow_credentials"),
        expose_headers: reader.strings("expose_headers"),
        max_age: reader.uint("max_age").map_or(600, |age| age.value),
        allow_private_network: reader.bool("allow_private_network"),
    })
}

fn values(list: &StringList) -> impl Iterator<Item = &Spanned<String>> {
    list.iter().flat_map(|list| &list.value)
}

impl Cors {
    fn credentials(&self) -> Option<&Spanned<bool>> {
        self.allow_credentials.as_ref().filter(|flag| flag.value)
    }
}

/// Browsers refuse `Access-Control-Allow-Origin: *` on credentialed requests,
/// so this stack cannot work as written; Starlette "fixes" it by reflecting
/// any origin, which hands every site on the web the user's session.
fn check_wildcard_origin(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        let Some(credentials) = cors.credentials() else {
            continue;
        };
        if let Some(star) = values(&cors.allow_origins).find(|o| o.value == "*") {
            diagnostics.push(
                Diagnostic::error(
                    WILDCARD_ORIGIN_WITH_CREDENTIALS,
                    &star.loc,
                    "`cors.allow_origins` allows any origin (\"*\") together with `allow_credentials = true`",
                )
                .note(&credentials.loc, "credentials are allowed here")
                .help("list the exact origins, e.g. allow_origins = [\"https://app.example.com\"], or use allow_origin_regex"),
            );
        }
    }
}

/// With credentials, browsers read `*` in these headers as the literal name
/// `*`, so the wildcard silently allows nothing.
fn check_wildcard_lists(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        let Some(credentials) = cors.credentials() else {
            continue;
        };
        for (key, list) in [
            ("allow_headers", &cors.allow_headers),
            ("allow_methods", &cors.allow_methods),
            ("expose_headers", &cors.expose_headers),
        ] {
            if let Some(star) = values(list).find(|v| v.value == "*") {
                diagnostics.push(
                    Diagnostic::error(
                        WILDCARD_WITH_CREDENTIALS,
                        &star.loc,
                        format!("`cors.{key}` uses \"*\" with `allow_credentials = true`; browsers read it as a literal name"),
                    )
                    .note(&credentials.loc, "credentials are allowed here")
                    .help(format!("list the exact values in `{key}`")),
                );
            }
        }
    }
}

/// Why `origin` is not a serialized origin (`scheme://host[:port]`), or `None`.
pub fn origin_problem(origin: &str) -> Option<&'static str> {
    if origin == "*" || origin == "null" {
        return None;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Some("it has no scheme (write `https://…`)");
    };
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_lowercase())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
    {
        return Some("its scheme is malformed (origins are lowercase)");
    }
    if rest.contains('@') {
        return Some("it has userinfo (`user@`)");
    }
    if rest.contains('?') {
        return Some("it has a query");
    }
    if rest.contains('#') {
        return Some("it has a fragment");
    }
    if rest.ends_with('/') {
        return Some("it ends with `/`; browsers send origins without one");
    }
    if rest.contains('/') {
        return Some("it has a path");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => (host, Some(port)),
        _ => (rest, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) || port.parse::<u16>().is_err())
    {
        return Some("its port is malformed");
    }
    let is_ipv6 = host.starts_with('[') && host.ends_with(']') && host.len() > 2;
    if !is_ipv6 {
        if host.is_empty() || host.split('.').any(str::is_empty) {
            return Some("its host is malformed");
        }
        if host.chars().any(|c| c.is_ascii_uppercase()) {
            return Some("its host has capitals; browsers send origins in lowercase, so it would never match");
        }
        if !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return Some("its host is malformed");
        }
    }
    None
}

/// An "origin" with a path or a trailing slash never equals the `Origin`
/// header a browser sends, so the entry silently allows nothing.
fn check_origins(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        for origin in values(&cors.allow_origins) {
            if let Some(problem) = origin_problem(&origin.value) {
                diagnostics.push(
                    Diagnostic::error(
                        NOT_AN_ORIGIN,
                        &origin.loc,
                        format!("\"{}\" is not an origin: {problem}", origin.value),
                    )
                    .help(suggest_origin(&origin.value)),
                );
            }
        }
    }
}

fn suggest_origin(written: &str) -> String {
    if let Some((scheme, rest)) = written.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit('@').next().unwrap_or_default().to_ascii_lowercase();
        if !authority.is_empty() {
            return format!(
                "write the origin alone: \"{}://{authority}\"",
                scheme.to_ascii_lowercase()
            );
        }
    }
    "write scheme, host and optional port only, e.g. \"https://app.example.com\"".into()
}

/// The regex is compiled exactly as the runtime compiles it (the pattern
/// parsed alone, so `a)|(.*` cannot escape an anchoring wrapper), so what
/// compiles here compiles there and nothing fails at start-up.
#[cfg(feature = "cors_regex")]
fn check_regex(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        let Some(pattern) = &cors.allow_origin_regex else {
            continue;
        };
        if let Err(reason) = OriginRegex::new(&pattern.value) {
            let last = reason
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid regex")
                .trim();
            diagnostics.push(
                Diagnostic::error(
                    BAD_REGEX,
                    &pattern.loc,
                    format!("`cors.allow_origin_regex` does not compile: {last}"),
                )
                .help(
                    "fix the pattern; it must match the whole origin, e.g. \"https://[a-z0-9-]+\\\\.example\\\\.com\"",
                ),
            );
        }
    }
}

/// With credentials, every origin the regex admits can read the user's data
/// with their cookies. Patterns are easy to get subtly wrong (an unescaped
/// `.`, a `.*` that lets the host run on), and Starlette's `fullmatch` does
/// not save them, so the compiled pattern is probed with origins nobody
/// means. The method, in full on [`origin_regex::unmeant_origin`]: the
/// intended origins are the listed ones plus samples generated from the
/// pattern's own syntax tree (regex-syntax HIR: literals as written, each
/// alternative, optional parts absent and present, a lone class that admits
/// `.` read as the `.` the user meant); the probes are `null` and hosts
/// under the reserved `.invalid`, then each intended origin with one `.` of
/// its host replaced by `x` or `-` so that the host leaves its registrable
/// domain, then `evil` before that domain, then `.evil.invalid` after the
/// host. The first probe the full-match regex admits is the error.
#[cfg(feature = "cors_regex")]
fn check_regex_admits(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        let (Some(credentials), Some(pattern)) = (cors.credentials(), &cors.allow_origin_regex) else {
            continue;
        };
        // A pattern that does not compile is S0104's.
        let Ok(regex) = OriginRegex::new(&pattern.value) else {
            continue;
        };
        let listed: Vec<&str> = values(&cors.allow_origins).map(|o| o.value.as_str()).collect();
        let Some(unmeant) = origin_regex::unmeant_origin(&regex, &listed) else {
            continue;
        };
        let example = "e.g. `https://[a-z0-9-]+\\.example\\.com` for the subdomains of example.com";
        let (message, help) = match unmeant {
            Unmeant::Foreign { origin: "null" } => (
                "`cors.allow_origin_regex` admits the \"null\" origin, which any sandboxed iframe or `file:` page sends, with credentials".to_owned(),
                format!("match only your own hosts, {example}"),
            ),
            Unmeant::Foreign { origin } => (
                format!("`cors.allow_origin_regex` admits \"{origin}\", an origin nobody listed; with credentials any such site reads your users' data"),
                format!("anchor the pattern to your own hosts, {example}"),
            ),
            Unmeant::UnescapedDot { origin, intended } => {
                let fixed = origin_regex::escape_lone_dots(&pattern.value);
                let help = if fixed == pattern.value {
                    "write `\\.` for a literal dot between labels".to_owned()
                } else {
                    format!("escape the dots that separate labels: `{fixed}`")
                };
                (
                    format!("`cors.allow_origin_regex` admits \"{origin}\" as well as \"{intended}\": an unescaped `.` matches any character"),
                    help,
                )
            }
            Unmeant::Prefixed { origin, domain } => (
                format!("`cors.allow_origin_regex` admits \"{origin}\": the host may begin with anything before `{domain}`"),
                format!("start subdomains at a dot, e.g. `https://([a-z0-9-]+\\.)?{}`", escape_literal(&domain)),
            ),
            Unmeant::Suffixed { origin, intended } => (
                format!("`cors.allow_origin_regex` admits \"{origin}\": the match goes on past the end of \"{intended}\""),
                format!("end the pattern where the origin ends (a port is `(:[0-9]+)?`), e.g. `{}`", escape_literal(&intended)),
            ),
        };
        diagnostics.push(
            Diagnostic::error(REGEX_ADMITS_UNMEANT_ORIGIN, &pattern.loc, message)
                .note(&credentials.loc, "credentials are allowed here")
                .help(help),
        );
    }
}

/// Without `cors_regex` (an app that turned the facade's feature off) there
/// is no regex engine to check with; the stack's feature gate refuses any
/// `allow_origin_regex` instead (see [`Cors::lower`]).
#[cfg(not(feature = "cors_regex"))]
fn check_regex(_spec: &StackSpec, _diagnostics: &mut Diagnostics) {}

#[cfg(not(feature = "cors_regex"))]
fn check_regex_admits(_spec: &StackSpec, _diagnostics: &mut Diagnostics) {}

/// `text` as a regex that matches it literally.
#[cfg(feature = "cors_regex")]
fn escape_literal(text: &str) -> String {
    regex_syntax::escape(text)
}

/// Sandboxed iframes, `file://` pages and redirects all send `Origin: null`;
/// allowing it allows all of them.
fn check_null_origin(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        for origin in values(&cors.allow_origins).filter(|o| o.value == "null") {
            diagnostics.push(
                Diagnostic::warning(
                    NULL_ORIGIN,
                    &origin.loc,
                    "`cors.allow_origins` allows the \"null\" origin, which any sandboxed page can send",
                )
                .help("remove \"null\" and list the real origins"),
            );
        }
    }
}

/// A method or header name that is not an HTTP token can never be matched,
/// and tower-http would panic on it when building the headers.
fn check_tokens(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for cors in spec.each::<Cors>() {
        for method in values(&cors.allow_methods).filter(|m| m.value != "*") {
            if http::Method::from_bytes(method.value.as_bytes()).is_err() || method.value.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        BAD_TOKEN,
                        &method.loc,
                        format!("\"{}\" is not an HTTP method", method.value),
                    )
                    .help("write a method token such as \"GET\" or \"POST\""),
                );
            }
        }
        for (key, list) in [
            ("allow_headers", &cors.allow_headers),
            ("expose_headers", &cors.expose_headers),
        ] {
            for header in values(list).filter(|h| h.value != "*") {
                rules::header_name(BAD_TOKEN, &format!("cors.{key}"), header, diagnostics);
            }
        }
    }
}

impl Cors {
    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let origins_written: Vec<&str> = values(&self.allow_origins).map(|o| o.value.as_str()).collect();
        let allow_all_origins = origins_written.contains(&"*");
        let mut origins: Vec<&str> = origins_written.into_iter().filter(|o| *o != "*").collect();
        origins.sort_unstable();
        origins.dedup();

        let methods_written: Vec<&str> = match &self.allow_methods {
            Some(list) => list.value.iter().map(|m| m.value.as_str()).collect(),
            None => vec!["GET"],
        };
        let methods: Vec<&str> = if methods_written.contains(&"*") {
            ALL_METHODS.to_vec()
        } else {
            methods_written
        };
        let preflight_allow_methods = methods.join(", ");

        let headers_written: Vec<String> = values(&self.allow_headers)
            .map(|h| h.value.to_ascii_lowercase())
            .collect();
        let allow_all_headers = headers_written.iter().any(|h| h == "*");
        let mut headers: Vec<String> = SAFELISTED_HEADERS.iter().map(|h| h.to_string()).collect();
        headers.extend(headers_written.into_iter().filter(|h| h != "*"));
        headers.sort();
        headers.dedup();
        let preflight_allow_headers = if allow_all_headers {
            quote!(None)
        } else {
            let joined = headers.join(", ");
            quote!(Some(#private::http::HeaderValue::from_static(#joined)))
        };

        let allow_credentials = self.credentials().is_some();
        let allow_private_network = self.allow_private_network.as_ref().is_some_and(|flag| flag.value);
        let expose: Vec<&str> = values(&self.expose_headers).map(|h| h.value.as_str()).collect();
        let expose_headers = if expose.is_empty() {
            quote!(None)
        } else {
            let joined = expose.join(", ");
            quote!(Some(#private::http::HeaderValue::from_static(#joined)))
        };
        let max_age = self.max_age.to_string();
        let origin_regex = match &self.allow_origin_regex {
            Some(regex) => {
                let text = &regex.value;
                quote!(Some(#text))
            }
            None => quote!(None),
        };

        let lowered = Lowered::layer(quote!(#private::runtime::cors::CorsLayer::new(&__STRATA_CORS))).with_items(quote! {
            static __STRATA_CORS: #private::runtime::cors::CorsPolicy = #private::runtime::cors::CorsPolicy {
                allow_all_origins: #allow_all_origins,
                origins: &[#(#origins),*],
                origin_regex: #origin_regex,
                methods: &[#(#methods),*],
                allow_all_headers: #allow_all_headers,
                headers: &[#(#headers),*],
                allow_credentials: #allow_credentials,
                allow_private_network: #allow_private_network,
                expose_headers: #expose_headers,
                preflight_allow_methods: #private::http::HeaderValue::from_static(#preflight_allow_methods),
                preflight_allow_headers: #preflight_allow_headers,
                max_age: #private::http::HeaderValue::from_static(#max_age),
            };
        });
        // The regex engine is the facade's feature `cors_regex`.
        match &self.allow_origin_regex {
            Some(regex) => crate::features::gate(
                cx,
                "cors_regex",
                "`cors(allow_origin_regex = ...)`",
                &regex.loc,
                lowered,
            ),
            None => lowered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_problem;

    #[test]
    fn accepts_origins() {
        for good in [
            "https://app.example.com",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "*",
            "null",
        ] {
            assert_eq!(origin_problem(good), None, "{good}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_origin() {
        for bad in [
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://app.example.com?q=1",
            "https://user@app.example.com",
            "app.example.com",
            "https://App.Example.com",
            "https://app.example.com:99999",
            "https://",
            "HTTPS://app.example.com",
        ] {
            assert!(origin_problem(bad).is_some(), "{bad}");
        }
    }
}
