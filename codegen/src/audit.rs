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
//! land) simply counts as absent from the stack. In a stack with scopes a
//! guard is looked for in every branch: a `timeout` in `/api/*` alone leaves
//! the other paths without one, and a `rate_limit` in `/api/*` does not slow
//! down guessing of the `api_key` in `/admin/*`.

use crate::checks::Rule;
use crate::diag::Level;

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
pub const PUBLIC_METRICS: &str = "S1313";

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
    deploy(
        PUBLIC_METRICS,
        "(deploy) `metrics` answers its path to anyone who reaches the app",
    ),
];

const fn deploy(code: &'static str, summary: &'static str) -> Rule {
    Rule {
        code,
        level: Level::Warning,
        summary,
        check: None,
    }
}

// The checks themselves: `strata check --deploy` (the CLI, feature
// `generate`) runs them; the macro needs only the catalogue above, so it
// does not compile them.
#[cfg(feature = "generate")]
pub use deploy::*;

#[cfg(feature = "generate")]
mod deploy {
    use super::*;
    use crate::diag::{Diagnostic, Diagnostics, Loc};
    use crate::middleware::FromConfig;
    use crate::middleware::cors::Cors;
    use crate::middleware::metrics::{DEFAULT_PATH, Metrics};
    use crate::middleware::rate_limit::{KeyKind, RateLimit};
    use crate::middleware::security_headers::{SecurityHeaders, Toggle};
    use crate::middleware::session::Session;
    use crate::model::{Layer, StackSpec};
    use crate::scope::Branch;
    use crate::tree::{Document, Value};

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
        let branches = crate::scope::branches(spec);

        if has("https_redirect") && !has("trusted_host") {
            let redirect = layers(spec, "https_redirect").next().map(|l| l.key.loc.clone());
            findings.push(
                Diagnostic::warning(
                    REDIRECT_WITHOUT_TRUSTED_HOST,
                    redirect.as_ref().unwrap_or(target.missing_at),
                    "`https_redirect` without `trusted_host`: the redirect sends clients to whatever Host they were given",
                )
                .help(format!(
                    "add {}: a forged Host then gets 400 instead of a redirect to it",
                    entry(target.missing_at, "trusted_host", ALLOWED_HOSTS)
                )),
            );
        } else if !has("trusted_host") {
            findings.push(
                Diagnostic::warning(
                    NO_TRUSTED_HOST,
                    target.missing_at,
                    "no `trusted_host`: the app answers requests for any Host, and links it builds from the Host can be forged",
                )
                .help(format!(
                    "add {}; other hosts then get 400",
                    entry(target.missing_at, "trusted_host", ALLOWED_HOSTS)
                )),
            );
        }

        hsts(target, &branches, &mut findings);

        for session in spec.each::<Session>() {
            if let Some(off) = session.https_only.as_ref().filter(|flag| !flag.value) {
                findings.push(
                    Diagnostic::warning(
                        SESSION_NOT_HTTPS_ONLY,
                        &off.loc,
                        "`session.https_only = false`: the session cookie is `Secure` only on requests strata sees came over HTTPS; one issued over plain HTTP, or behind a proxy that `proxy` does not trust, travels in clear where anyone on the path can read it",
                    )
                    .help("remove `https_only = false` (every cookie then carries Secure), or override it only in the dev profile"),
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

        if let Some(paths) = missing_on(spec, &branches, "timeout") {
            findings.push(
                Diagnostic::warning(
                    NO_TIMEOUT,
                    target.missing_at,
                    format!("no `timeout`: a slow handler or a stalled upstream holds its connection, and its memory, for ever{paths}"),
                )
                .help(format!(
                    "add {}: the client then gets 503 instead of waiting",
                    entry(target.missing_at, "timeout", "request = \"30s\"")
                )),
            );
        }
        if let Some(paths) = missing_on(spec, &branches, "body_limit") {
            findings.push(
                Diagnostic::warning(
                    NO_BODY_LIMIT,
                    target.missing_at,
                    format!(
                        "no `body_limit`: a client can send a body as large as the handler is willing to read{paths}"
                    ),
                )
                .help(format!(
                    "add {}: larger bodies then get 413 before the handler runs",
                    entry(target.missing_at, "body_limit", "max = \"2MB\"")
                )),
            );
        }

        auth_without_rate_limit(spec, &branches, &mut findings);

        if !has("access_log") {
            findings.push(
                Diagnostic::warning(
                    NO_ACCESS_LOG,
                    target.missing_at,
                    "no `access_log`: requests, rejections included, leave no trace to investigate an incident with",
                )
                .help(format!(
                    "add {}: one `tracing` event per request, without Authorization or Cookie",
                    entry(target.missing_at, "access_log", "")
                )),
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

        // `metrics` answers outside every scope and guard (S1101 says why a
        // scope cannot hide it), and whether the network keeps the path
        // internal is outside the description: the audit can only ask.
        for layer in layers(spec, "metrics") {
            let path = Metrics::from_config(&layer.config).map_or(DEFAULT_PATH, Metrics::path);
            findings.push(
                Diagnostic::warning(
                    PUBLIC_METRICS,
                    &layer.key.loc,
                    format!(
                        "`metrics` serves `{path}` to anyone who reaches the app: it answers before every host check, guard and scope, so the route templates and traffic counts are public"
                    ),
                )
                .help(format!(
                    "serve the app behind a proxy that blocks `{path}` from outside (nginx: `location = {path} {{ deny all; }}`) and scrape it from the internal network, or keep the port the app listens on internal; once it is, `strata check --deploy --allow S1313`"
                )),
            );
        }
        findings
    }

    const ALLOWED_HOSTS: &str = "allowed_hosts = [\"api.example.com\"]";

    /// A middleware to add, as the description at `at` writes one: an entry of
    /// the attribute (`timeout(request = "30s")`) or a stack.toml table.
    fn entry(at: &Loc, name: &str, options: &str) -> String {
        match (at, options) {
            (Loc::Span(_), "") => name.to_string(),
            (Loc::Span(_), _) => format!("{name}({options})"),
            (Loc::Bytes(_), "") => format!("[{name}]"),
            (Loc::Bytes(_), _) => format!("[{name}] with {options}"),
        }
    }

    /// Who takes a branch: "other paths" for the whole app's, else its scope's pattern.
    fn label(spec: &StackSpec, branch: &Branch) -> String {
        branch.scope.map_or_else(
            || "other paths".to_string(),
            |index| spec.scopes[index].pattern.value.clone(),
        )
    }

    fn branch_has(branch: &Branch, name: &str) -> bool {
        layers(&branch.spec, name).next().is_some()
    }

    /// Where `name` is missing: `None` when every branch has it, `Some("")`
    /// when none does, else the paths left without it (" (on other paths,
    /// /admin/*)"), to end the finding's message with.
    fn missing_on(spec: &StackSpec, branches: &[Branch], name: &str) -> Option<String> {
        let lacking: Vec<String> = branches
            .iter()
            .filter(|branch| !branch_has(branch, name))
            .map(|branch| label(spec, branch))
            .collect();
        match lacking.len() {
            0 => None,
            n if n == branches.len() => Some(String::new()),
            _ => Some(format!(" (on {})", lacking.join(", "))),
        }
    }

    /// S1309, branch by branch: an auth layer is guarded only by a `rate_limit`
    /// in its own branch keyed on the client's address. A limit keyed on the
    /// identity the auth layer verifies (`api_key`, `jwt:CLAIM`) sits inside
    /// it and never sees a request with wrong credentials (a header key is
    /// S0403 already). A whole-app
    /// guard is reported once, with every path it guards alone.
    fn auth_without_rate_limit(spec: &StackSpec, branches: &[Branch], findings: &mut Diagnostics) {
        // Per guard: the paths it is unguarded on, and the key of a limit
        // there that does not count guesses (if any).
        let mut unguarded: Vec<(usize, Vec<String>, Option<String>)> = Vec::new();
        for branch in branches {
            let limits: Vec<&RateLimit> = layers(&branch.spec, "rate_limit")
                .filter_map(|layer| RateLimit::from_config(&layer.config))
                .collect();
            if limits.iter().any(|limit| limit.key_kind() == KeyKind::ClientIp) {
                continue;
            }
            let other_key = limits
                .iter()
                .find_map(|limit| limit.key.as_ref().map(|key| key.value.clone()));
            for (position, layer) in branch.spec.layers.iter().enumerate() {
                if !matches!(layer.config.def().name, "jwt" | "api_key") {
                    continue;
                }
                let index = branch.origin[position];
                match unguarded.iter_mut().find(|(guard, _, _)| *guard == index) {
                    Some((_, paths, key)) => {
                        paths.push(label(spec, branch));
                        if key.is_none() {
                            key.clone_from(&other_key);
                        }
                    }
                    None => unguarded.push((index, vec![label(spec, branch)], other_key.clone())),
                }
            }
        }
        unguarded.sort_by_key(|(index, _, _)| *index);
        for (index, paths, key) in unguarded {
            let guard = &spec.layers[index];
            let name = guard.config.def().name;
            let (on, place) = if spec.scopes.is_empty() {
                (String::new(), "")
            } else {
                (
                    format!(" (on {})", paths.join(", ")),
                    " (to the whole app, or to the scope)",
                )
            };
            let finding = match key {
                None => Diagnostic::warning(
                    AUTH_WITHOUT_RATE_LIMIT,
                    &guard.key.loc,
                    format!(
                        "`{name}` checks credentials but no `rate_limit` slows down a client that guesses them{on}"
                    ),
                )
                .help(format!(
                    "add {}{place}: strata puts it in front of the auth layer",
                    entry(&guard.key.loc, "rate_limit", "requests = 120, per = \"1m\"")
                )),
                Some(key) => Diagnostic::warning(
                    AUTH_WITHOUT_RATE_LIMIT,
                    &guard.key.loc,
                    format!(
                        "`{name}` checks credentials but the `rate_limit` counts by `{key}`, which does not slow down a client that guesses them{on}"
                    ),
                )
                .help(
                    "key a `rate_limit` on the client's address (`key = \"client_ip\"`, the default) where this auth layer runs: a limit keyed on the identity the auth layer verifies runs after it and never counts a request with wrong credentials",
                ),
            };
            findings.push(finding);
        }
    }

    /// The layers of one middleware, found by name: a name this build does not
    /// know matches nothing.
    fn layers<'a>(spec: &'a StackSpec, name: &'a str) -> impl Iterator<Item = &'a Layer> + 'a {
        spec.layers.iter().filter(move |layer| layer.config.def().name == name)
    }

    /// HSTS is on unless `security_headers` is absent, `hsts = false`, or
    /// `hsts.max_age = 0` (which tells browsers to forget it).
    fn hsts(target: Target<'_>, branches: &[Branch], findings: &mut Diagnostics) {
        if let Some(paths) = missing_on(target.spec, branches, "security_headers") {
            findings.push(
                Diagnostic::warning(
                    NO_HSTS,
                    target.missing_at,
                    format!("no `security_headers`: responses carry no Strict-Transport-Security, so browsers keep trying plain HTTP first{paths}"),
                )
                .help(format!(
                    "add {}: HSTS (max-age=31536000), nosniff, frame and referrer policies",
                    entry(target.missing_at, "security_headers", "")
                )),
            );
        }
        for layer in layers(target.spec, "security_headers") {
            let Some(headers) = SecurityHeaders::from_config(&layer.config) else {
                continue;
            };
            hsts_off(target, layer, headers, findings);
        }
    }

    /// `hsts = false` or `hsts.max_age = 0` in one `security_headers`.
    fn hsts_off(target: Target<'_>, layer: &Layer, headers: &SecurityHeaders, findings: &mut Diagnostics) {
        match &headers.hsts {
            Toggle::Off => {
                // The document's top-level entry is the whole app's; a scope's is found by its key.
                let at = option_value(target.document, "security_headers", "hsts")
                    .filter(|_| layer.scope.is_none())
                    .unwrap_or_else(|| layer.key.loc.clone());
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
                        .help(match zero.loc {
                            Loc::Span(_) => "write hsts(max_age = 31536000), one year",
                            Loc::Bytes(_) => "write hsts = { max_age = 31536000 }, one year",
                        }),
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
            let replaced = diagnostic.level == Level::Warning
                && audit.iter().any(|finding| same_place(&finding.loc, &diagnostic.loc));
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
}

/// Whether a finding is one of the audit's (an S13xx code).
pub fn is_audit_code(code: &str) -> bool {
    RULES.iter().any(|rule| rule.code == code)
}

#[cfg(all(test, feature = "generate"))]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, Loc};

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
    fn metrics_in_the_stack_is_a_public_endpoint_located_at_its_key_and_naming_its_path() {
        for (text, path) in [
            ("[metrics]\n", "/metrics"),
            ("[metrics]\npath = \"/internal/prom\"\n", "/internal/prom"),
        ] {
            let (_, diagnostics) = audit_toml(text, None);
            let found: Vec<_> = diagnostics.iter().filter(|d| d.code == PUBLIC_METRICS).collect();
            assert_eq!(found.len(), 1, "{diagnostics:?}");
            let finding = found[0];
            assert_eq!(finding.level, Level::Warning);
            let Loc::Bytes(range) = &finding.loc else { panic!() };
            assert_eq!(&text[range.clone()], "metrics");
            assert!(finding.message.contains(&format!("`{path}`")), "{}", finding.message);
            let help = finding.help.as_deref().unwrap_or_default();
            assert!(help.contains(&format!("blocks `{path}`")), "{help}");
        }
        // Without `metrics`, nothing to say; and a plain check never says it.
        assert!(!codes("[timing]\n", None).contains(&PUBLIC_METRICS));
        let (_, plain) = crate::compile_toml("[metrics]\n", None);
        assert!(plain.iter().all(|d| d.code != PUBLIC_METRICS), "{plain:?}");
    }

    /// Each finding of `code` as "the text at its location: message".
    fn located(text: &str, code: &str) -> Vec<String> {
        let (_, diagnostics) = audit_toml(text, None);
        diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| {
                let Loc::Bytes(range) = &d.loc else { panic!() };
                format!("{}: {}", &text[range.clone()], d.message)
            })
            .collect()
    }

    #[test]
    fn a_scope_whose_auth_has_no_rate_limit_in_its_branch_is_s1309() {
        // The /api/* limit does not slow down guessing of the /admin/* keys.
        let text = "[scope.\"/api/*\".jwt]\nsecret_env = \"J\"\n\
                    [scope.\"/api/*\".rate_limit]\nrequests = 5\nper = \"1m\"\nkey = \"jwt:sub\"\n\
                    [scope.\"/admin/*\".api_key]\nkeys_env = \"K\"\n";
        assert_eq!(
            located(text, AUTH_WITHOUT_RATE_LIMIT),
            [
                // Keyed on the token's subject, the /api/* limit runs after
                // `jwt` and never counts a bad token.
                "jwt: `jwt` checks credentials but the `rate_limit` counts by `jwt:sub`, which does not slow down a client that guesses them (on /api/*)",
                "api_key: `api_key` checks credentials but no `rate_limit` slows down a client that guesses them (on /admin/*)",
            ]
        );
        // A whole-app limit guards every branch; a whole-app guard limited in
        // one scope only is reported once, naming the paths left unguarded.
        let guarded = "[rate_limit]\nrequests = 5\nper = \"1m\"\n[scope.\"/admin/*\".api_key]\nkeys_env = \"K\"\n";
        assert!(located(guarded, AUTH_WITHOUT_RATE_LIMIT).is_empty());
        // A limit keyed on the verified key runs after `api_key` and never
        // counts a wrong one; keyed explicitly on the address, it guards.
        let by_identity = "[api_key]\nkeys_env = \"K\"\n[rate_limit]\nrequests = 5\nper = \"1m\"\nkey = \"api_key\"\n";
        assert_eq!(
            located(by_identity, AUTH_WITHOUT_RATE_LIMIT),
            [
                "api_key: `api_key` checks credentials but the `rate_limit` counts by `api_key`, which does not slow down a client that guesses them"
            ]
        );
        let by_address = by_identity.replace("key = \"api_key\"", "key = \"client_ip\"");
        assert!(located(&by_address, AUTH_WITHOUT_RATE_LIMIT).is_empty());
        let partly = "[jwt]\nsecret_env = \"J\"\n\
                      [scope.\"/api/*\".rate_limit]\nrequests = 5\nper = \"1m\"\n\
                      [scope.\"/admin/*\".timing]\n";
        assert_eq!(
            located(partly, AUTH_WITHOUT_RATE_LIMIT),
            [
                "jwt: `jwt` checks credentials but no `rate_limit` slows down a client that guesses them (on other paths, /admin/*)"
            ]
        );
    }

    #[test]
    fn a_guard_only_some_scopes_have_is_still_missing_for_the_others() {
        let text = "[scope.\"/api/*\".timeout]\nrequest = \"5s\"\n\
                    [scope.\"/api/*\".body_limit]\nmax = \"1MB\"\n\
                    [scope.\"/api/*\".security_headers]\n[scope.\"/admin/*\".timing]\n";
        for code in [NO_TIMEOUT, NO_BODY_LIMIT, NO_HSTS] {
            let found = located(text, code);
            assert_eq!(found.len(), 1, "{code}: {found:?}");
            assert!(found[0].ends_with("(on other paths, /admin/*)"), "{code}: {found:?}");
        }
        // In every branch: nothing to say.
        let everywhere = "[timeout]\n[body_limit]\n[security_headers]\n[scope.\"/api/*\".timeout]\nrequest = \"5s\"\n";
        for code in [NO_TIMEOUT, NO_BODY_LIMIT, NO_HSTS] {
            assert!(located(everywhere, code).is_empty(), "{code}");
        }
    }

    #[test]
    fn each_fix_is_written_in_the_syntax_of_the_description_it_fixes() {
        let helps =
            |findings: &Diagnostics| -> Vec<String> { findings.iter().filter_map(|d| d.help.clone()).collect() };
        // `strata check --deploy src/main.rs` audits the attribute: the fix is an entry of it.
        let document = crate::parse::attr::parse(quote::quote!(
            jwt(secret_env = "J"),
            security_headers(hsts(max_age = 0))
        ))
        .unwrap();
        let (compiled, _) = crate::compile(&document);
        let findings = audit(Target {
            spec: &compiled.unwrap().spec,
            document: &document,
            missing_at: &Loc::Span(proc_macro2::Span::call_site()),
            profile: None,
        });
        let attribute = helps(&findings);
        for fix in [
            "add trusted_host(allowed_hosts = [\"api.example.com\"]); other hosts then get 400",
            "write hsts(max_age = 31536000), one year",
            "add timeout(request = \"30s\"): the client then gets 503 instead of waiting",
            "add rate_limit(requests = 120, per = \"1m\"): strata puts it in front of the auth layer",
            "add access_log: one `tracing` event per request, without Authorization or Cookie",
        ] {
            assert!(attribute.iter().any(|help| help == fix), "{fix}\n{attribute:#?}");
        }
        // stack.toml: tables.
        let (_, findings) = audit_toml(
            "[jwt]\nsecret_env = \"J\"\n[security_headers]\nhsts = { max_age = 0 }\n",
            None,
        );
        let toml = helps(&findings);
        for fix in [
            "add [trusted_host] with allowed_hosts = [\"api.example.com\"]; other hosts then get 400",
            "write hsts = { max_age = 31536000 }, one year",
            "add [access_log]: one `tracing` event per request, without Authorization or Cookie",
        ] {
            assert!(toml.iter().any(|help| help == fix), "{fix}\n{toml:#?}");
        }
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
