//! The production audit of `strata check --deploy`: Django's `check
//! --deploy`, taken further because strata sees the whole stack.
//!
//! Every finding is an S13xx warning with its own code, a location (the key
//! or the table it is about, or where the description starts when something
//! is missing) and a fix. None of them is wrong in development, so none runs
//! in a build or in a plain `strata check`: their catalogue entries have no
//! `check`, and only [`audit`] reports them.
//!
//! Middlewares are found by name through the registry, so a middleware that
//! this build of strata does not know (`timeout`, `body_limit` before they
//! land) simply counts as absent from the stack.

use crate::checks::Rule;
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::middleware::cors::Cors;
use crate::middleware::security_headers::{SecurityHeaders, Toggle};
use crate::middleware::session::Session;
use crate::model::{Layer, StackSpec};
use crate::tree::{Document, Value};

pub const NO_TRUSTED_HOST: &str = "S1301";
pub const NO_HSTS: &str = "S1302";
pub const SESSION_NOT_HTTPS_ONLY: &str = "S1303";
pub const LITERAL_SECRET: &str = "S1304";
pub const CORS_NULL_ORIGIN: &str = "S1305";
pub const CORS_ORIGIN_REGEX: &str = "S1306";
pub const NO_TIMEOUT: &str = "S1307";
pub const NO_BODY_LIMIT: &str = "S1308";
pub const AUTH_WITHOUT_RATE_LIMIT: &str = "S1309";
pub const REDIRECT_WITHOUT_TRUSTED_HOST: &str = "S1310";
pub const NO_ACCESS_LOG: &str = "S1311";
pub const DEV_PROFILE: &str = "S1312";

/// The audit's entries in the rule catalogue. `check: None`: reported only
/// by [`audit`] (`strata check --deploy`), never by a build.
pub static RULES: &[Rule] = &[
    deploy(NO_TRUSTED_HOST, "(deploy) no `trusted_host`: any Host is answered"),
    deploy(
        NO_HSTS,
        "(deploy) no HSTS: `security_headers` absent, `hsts = false` or `hsts.max_age = 0`",
    ),
    deploy(SESSION_NOT_HTTPS_ONLY, "(deploy) `session.https_only = false`"),
    deploy(LITERAL_SECRET, "(deploy) a secret written in the description"),
    deploy(CORS_NULL_ORIGIN, "(deploy) `cors` allows the \"null\" origin"),
    deploy(
        CORS_ORIGIN_REGEX,
        "(deploy) `cors.allow_origin_regex` instead of a list",
    ),
    deploy(NO_TIMEOUT, "(deploy) no `timeout`"),
    deploy(NO_BODY_LIMIT, "(deploy) no `body_limit`"),
    deploy(
        AUTH_WITHOUT_RATE_LIMIT,
        "(deploy) `jwt` or `api_key` without a `rate_limit` in front",
    ),
    deploy(
        REDIRECT_WITHOUT_TRUSTED_HOST,
        "(deploy) `https_redirect` without `trusted_host`",
    ),
    deploy(NO_ACCESS_LOG, "(deploy) no `access_log`"),
    deploy(DEV_PROFILE, "(deploy) a development profile selected"),
];

const fn deploy(code: &'static str, summary: &'static str) -> Rule {
    Rule {
        code,
        level: Level::Warning,
        summary,
        check: None,
    }
}

/// Profile names that mean "not production".
pub const DEV_PROFILES: &[&str] = &["dev", "development", "local", "test"];

/// What the audit looks at: the typed stack, the document it was read from
/// (for the location of keys the model does not keep), where to report
/// something missing, and the selected profile's table, if any.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub spec: &'a StackSpec,
    pub document: &'a Document,
    /// The start of the description: a file's first byte, or the attribute.
    pub missing_at: &'a Loc,
    /// The selected profile's name and the location of its table.
    pub profile: Option<(&'a str, &'a Loc)>,
}

/// Every production finding, in the catalogue's order.
pub fn audit(target: Target<'_>) -> Diagnostics {
    let mut findings = Diagnostics::default();
    let spec = target.spec;
    let has = |name: &str| layers(spec, name).next().is_some();

    if has("https_redirect") && !has("trusted_host") {
        let redirect = layers(spec, "https_redirect").next().map(|l| l.key.loc.clone());
        findings.push(
            Diagnostic::warning(
                REDIRECT_WITHOUT_TRUSTED_HOST,
                redirect.as_ref().unwrap_or(target.missing_at),
                "`https_redirect` without `trusted_host`: the redirect sends clients to whatever Host they were given",
            )
            .help(
                "add [trusted_host] with allowed_hosts = [\"api.example.com\"]: a forged Host then gets 400 instead of a redirect to it",
            ),
        );
    } else if !has("trusted_host") {
        findings.push(
            Diagnostic::warning(
                NO_TRUSTED_HOST,
                target.missing_at,
                "no `trusted_host`: the app answers requests for any Host, and links it builds from the Host can be forged",
            )
            .help("add [trusted_host] with allowed_hosts = [\"api.example.com\"]; other hosts then get 400"),
        );
    }

    hsts(target, &mut findings);

    for session in spec.each::<Session>() {
        if let Some(off) = session.https_only.as_ref().filter(|flag| !flag.value) {
            findings.push(
                Diagnostic::warning(
                    SESSION_NOT_HTTPS_ONLY,
                    &off.loc,
                    "`session.https_only = false`: the session cookie is sent over plain HTTP too, where anyone on the path can read it",
                )
                .help("remove `https_only = false` (the cookie then carries Secure), or override it only in the dev profile"),
            );
        }
        if let Some(secret) = &session.secret {
            findings.push(
                Diagnostic::warning(
                    LITERAL_SECRET,
                    &secret.loc,
                    "`session.secret` is written in the description: it is in the repository and in the binary",
                )
                .help("write secret_env = \"SESSION_SECRET\" and set that variable where the app runs (`openssl rand -base64 32`)"),
            );
        }
    }

    for cors in spec.each::<Cors>() {
        for null in cors
            .allow_origins
            .iter()
            .flat_map(|list| &list.value)
            .filter(|origin| origin.value == "null")
        {
            findings.push(
                Diagnostic::warning(
                    CORS_NULL_ORIGIN,
                    &null.loc,
                    "`cors` allows the \"null\" origin: sandboxed iframes and `data:` pages of any site send it",
                )
                .help("remove \"null\" and list the real origins of your front end"),
            );
        }
        if let Some(regex) = &cors.allow_origin_regex {
            findings.push(
                Diagnostic::warning(
                    CORS_ORIGIN_REGEX,
                    &regex.loc,
                    format!(
                        "`cors.allow_origin_regex` (\"{}\"): every origin it matches, today's and tomorrow's, can read responses",
                        regex.value
                    ),
                )
                .help("list the origins in allow_origins; a regex is easy to get one character too wide"),
            );
        }
    }

    if !has("timeout") {
        findings.push(
            Diagnostic::warning(
                NO_TIMEOUT,
                target.missing_at,
                "no `timeout`: a slow handler or a stalled upstream holds its connection, and its memory, for ever",
            )
            .help("add [timeout] with request = \"30s\": the client then gets 503 instead of waiting"),
        );
    }
    if !has("body_limit") {
        findings.push(
            Diagnostic::warning(
                NO_BODY_LIMIT,
                target.missing_at,
                "no `body_limit`: a client can send a body as large as the handler is willing to read",
            )
            .help("add [body_limit] with max = \"2MB\": larger bodies then get 413 before the handler runs"),
        );
    }

    if !has("rate_limit") {
        for guard in spec
            .layers
            .iter()
            .filter(|layer| matches!(layer.config.def().name, "jwt" | "api_key"))
        {
            let name = guard.config.def().name;
            findings.push(
                Diagnostic::warning(
                    AUTH_WITHOUT_RATE_LIMIT,
                    &guard.key.loc,
                    format!("`{name}` checks credentials but no `rate_limit` slows down a client that guesses them"),
                )
                .help("add [rate_limit] with requests = 120, per = \"1m\": strata puts it in front of the auth layer"),
            );
        }
    }

    if !has("access_log") {
        findings.push(
            Diagnostic::warning(
                NO_ACCESS_LOG,
                target.missing_at,
                "no `access_log`: requests, rejections included, leave no trace to investigate an incident with",
            )
            .help("add [access_log]: one `tracing` event per request, without Authorization or Cookie"),
        );
    }

    if let Some((name, at)) = target.profile
        && DEV_PROFILES.contains(&name)
    {
        findings.push(
            Diagnostic::warning(
                DEV_PROFILE,
                at,
                format!("the `{name}` profile is selected: its overrides are meant for development"),
            )
            .help("build for production without a profile, or with one made for it (e.g. `--profile prod`)"),
        );
    }
    findings
}

/// The layers of one middleware, found by name: a name this build does not
/// know matches nothing.
fn layers<'a>(spec: &'a StackSpec, name: &'a str) -> impl Iterator<Item = &'a Layer> + 'a {
    spec.layers.iter().filter(move |layer| layer.config.def().name == name)
}

/// HSTS is on unless `security_headers` is absent, `hsts = false`, or
/// `hsts.max_age = 0` (which tells browsers to forget it).
fn hsts(target: Target<'_>, findings: &mut Diagnostics) {
    let Some(layer) = layers(target.spec, "security_headers").next() else {
        findings.push(
            Diagnostic::warning(
                NO_HSTS,
                target.missing_at,
                "no `security_headers`: responses carry no Strict-Transport-Security, so browsers keep trying plain HTTP first",
            )
            .help("add [security_headers]: HSTS (max-age=31536000), nosniff, frame and referrer policies"),
        );
        return;
    };
    let Some(headers) = target.spec.each::<SecurityHeaders>().next() else {
        return;
    };
    match &headers.hsts {
        Toggle::Off => {
            let at = option_value(target.document, "security_headers", "hsts").unwrap_or_else(|| layer.key.loc.clone());
            findings.push(
                Diagnostic::warning(
                    NO_HSTS,
                    &at,
                    "`security_headers.hsts = false`: browsers are never told to stay on HTTPS",
                )
                .help("remove `hsts = false` (the default sends max-age=31536000), or override it only in the dev profile"),
            );
        }
        Toggle::Set(hsts) => {
            if let Some(zero) = hsts.max_age.as_ref().filter(|age| age.value == 0) {
                findings.push(
                    Diagnostic::warning(
                        NO_HSTS,
                        &zero.loc,
                        "`security_headers.hsts.max_age = 0` tells browsers to forget HSTS",
                    )
                    .help("write hsts(max_age = 31536000), one year"),
                );
            }
        }
        Toggle::Default => {}
    }
}

/// Where the value of `middleware.key` is written, if it is.
fn option_value(document: &Document, middleware: &str, key: &str) -> Option<Loc> {
    document
        .middlewares
        .iter()
        .filter(|entry| entry.key.value == middleware)
        .filter_map(|entry| match &entry.value.value {
            Value::Table(table) => table.entries.iter().find(|option| option.key.value == key),
            _ => None,
        })
        .map(|option| option.value.loc.clone())
        .next()
}

/// The TOML front door with the audit: the description compiled with
/// `profile`, every finding of the compiler and of the audit, and how many
/// of them are the audit's. An audit finding supersedes a compiler warning
/// at the same place (`"null"` is S0105 in every check, S1305 here): one
/// place, one message.
#[cfg(feature = "toml")]
pub fn audit_toml(text: &str, profile: Option<&str>) -> (Option<crate::Compiled>, Diagnostics) {
    let (compiled, diagnostics) = crate::compile_toml(text, profile);
    let Some(compiled) = compiled else {
        return (None, diagnostics);
    };
    let (document, _) = crate::parse::toml::parse(text, profile);
    let profile_at = profile.map(|name| profile_table(text, name).unwrap_or(Loc::Bytes(0..0)));
    let findings = audit(Target {
        spec: &compiled.spec,
        document: &document,
        missing_at: &Loc::Bytes(0..0),
        profile: profile.zip(profile_at.as_ref()),
    });
    (Some(compiled), supersede(diagnostics, findings))
}

/// The compiler's findings less the warnings an audit finding replaces,
/// then the audit's.
pub fn supersede(compiler: Diagnostics, audit: Diagnostics) -> Diagnostics {
    let same_place = |a: &Loc, b: &Loc| match (a, b) {
        (Loc::Bytes(a), Loc::Bytes(b)) => a == b,
        (Loc::Span(a), Loc::Span(b)) => a.byte_range() == b.byte_range() && a.start() == b.start(),
        _ => false,
    };
    let mut merged = Diagnostics::default();
    for diagnostic in compiler.into_vec() {
        let replaced =
            diagnostic.level == Level::Warning && audit.iter().any(|finding| same_place(&finding.loc, &diagnostic.loc));
        if !replaced {
            merged.push(diagnostic);
        }
    }
    merged.extend(audit);
    merged
}

/// The `[profile.NAME]` key in a stack.toml, for findings about the profile.
#[cfg(feature = "toml")]
fn profile_table(text: &str, name: &str) -> Option<Loc> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let profiles = root.get_ref().get("profile")?;
    let toml::de::DeValue::Table(profiles) = profiles.get_ref() else {
        return None;
    };
    profiles
        .iter()
        .find(|(key, _)| key.get_ref() == name)
        .map(|(key, _)| Loc::Bytes(key.span()))
}

/// Whether a finding is one of the audit's (an S13xx code).
pub fn is_audit_code(code: &str) -> bool {
    RULES.iter().any(|rule| rule.code == code)
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;

    fn codes(text: &str, profile: Option<&str>) -> Vec<&'static str> {
        let (compiled, diagnostics) = audit_toml(text, profile);
        assert!(compiled.is_some(), "{diagnostics:?}");
        diagnostics
            .iter()
            .map(|d| d.code)
            .filter(|code| is_audit_code(code))
            .collect()
    }

    #[test]
    fn an_empty_stack_is_missing_everything_that_can_be_missing() {
        assert_eq!(
            codes("", None),
            [NO_TRUSTED_HOST, NO_HSTS, NO_TIMEOUT, NO_BODY_LIMIT, NO_ACCESS_LOG]
        );
    }

    #[test]
    fn the_audit_is_not_part_of_the_plain_pipeline() {
        let (_, diagnostics) = crate::compile_toml("[session]\nsecret_env = \"S\"\nhttps_only = false\n", None);
        assert!(diagnostics.iter().all(|d| !is_audit_code(d.code)), "{diagnostics:?}");
        assert!(crate::rules::catalogue().any(|rule| rule.code == NO_TRUSTED_HOST && rule.check.is_none()));
    }

    #[test]
    fn a_redirect_without_trusted_host_is_one_finding_not_two() {
        let found = codes("[https_redirect]\n", None);
        assert!(found.contains(&REDIRECT_WITHOUT_TRUSTED_HOST), "{found:?}");
        assert!(!found.contains(&NO_TRUSTED_HOST), "{found:?}");
    }

    #[test]
    fn the_null_origin_warning_is_reported_once() {
        let text = "[cors]\nallow_origins = [\"null\"]\n";
        let (_, diagnostics) = audit_toml(text, None);
        let at_null: Vec<&str> = diagnostics
            .iter()
            .filter(|d| matches!(&d.loc, Loc::Bytes(range) if range.start > 0))
            .map(|d| d.code)
            .collect();
        assert_eq!(at_null, [CORS_NULL_ORIGIN]);
    }

    #[test]
    fn the_dev_profile_is_located_at_its_table() {
        let text = "[timing]\n\n[profile.dev]\ntiming = false\n";
        let (_, diagnostics) = audit_toml(text, Some("dev"));
        let finding = diagnostics.iter().find(|d| d.code == DEV_PROFILE).unwrap();
        let Loc::Bytes(range) = &finding.loc else { panic!() };
        assert_eq!(&text[range.clone()], "dev");
        assert!(codes(text, None).iter().all(|code| *code != DEV_PROFILE));
    }
}
