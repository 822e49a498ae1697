//! `security_headers`: HSTS, nosniff, frame and referrer policies on every response.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::{Spanned, Value};
use quote::quote;

pub const HSTS_PRELOAD: &str = "S0301";

/// What the HSTS preload list (hstspreload.org) requires of a site.
pub const PRELOAD_MIN_AGE: u64 = 31_536_000;

pub const FRAME_OPTIONS: &[&str] = &["DENY", "SAMEORIGIN"];
pub const REFERRER_POLICIES: &[&str] = &[
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

pub static DEF: Def = Def {
    name: "security_headers",
    aliases: &[],
    rank: 50,
    why: "outside everything that answers, so every response carries the headers, errors and redirects included",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[
        Rule {
            code: HSTS_PRELOAD,
            level: Level::Error,
            summary: "`security_headers`: `hsts.preload` without `include_subdomains` and `max_age` ≥ 31536000",
            check: Some(check_preload),
        },
        Rule {
            code: rules::HEADER_VALUE,
            level: Level::Error,
            summary: "`security_headers`: a content security policy, frame or referrer policy that is not a valid header value",
            check: Some(check_header_values),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`security_headers`: an unknown frame or referrer policy, or an empty content security policy",
            check: Some(check_values),
        },
    ],
};

/// A header option: left to its default, turned off with `false`, or set.
#[derive(Clone, Debug)]
pub enum Toggle<T> {
    Default,
    Off,
    Set(T),
}

#[derive(Clone, Debug)]
pub struct Hsts {
    pub max_age: Option<Spanned<u64>>,
    pub include_subdomains: Option<Spanned<bool>>,
    pub preload: Option<Spanned<bool>>,
}

#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    pub hsts: Toggle<Hsts>,
    pub content_type_options: bool,
    pub frame_options: Toggle<Spanned<String>>,
    pub referrer_policy: Toggle<Spanned<String>>,
    pub content_security_policy: Option<Spanned<String>>,
}

fn wrong_type(reader: &mut Reader<'_>, key: &str, expected: &str, found: &Spanned<Value>, help: String) {
    reader.diagnostics.push(
        Diagnostic::error(
            rules::WRONG_VALUE,
            &found.loc,
            format!(
                "`security_headers.{key}` expects {expected}, found {}",
                found.value.kind()
            ),
        )
        .help(help),
    );
}

/// A string, or `false` to send no such header (`true` keeps the default).
fn string_or_off(reader: &mut Reader<'_>, key: &'static str, example: &str) -> Toggle<Spanned<String>> {
    match reader.value(key) {
        None
        | Some(Spanned {
            value: Value::Bool(true),
            ..
        }) => Toggle::Default,
        Some(Spanned {
            value: Value::Bool(false),
            ..
        }) => Toggle::Off,
        Some(Spanned {
            value: Value::Str(text),
            loc,
        }) => Toggle::Set(Spanned::new(text.clone(), loc.clone())),
        Some(other) => {
            let help = format!("write {key} = {example}, or {key} = false to send no such header");
            wrong_type(reader, key, "a string or false", other, help);
            Toggle::Default
        }
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    let hsts = match reader.value("hsts") {
        None
        | Some(Spanned {
            value: Value::Bool(true),
            ..
        }) => Toggle::Default,
        Some(Spanned {
            value: Value::Bool(false),
            ..
        }) => Toggle::Off,
        Some(Spanned {
            value: Value::Table(table),
            ..
        }) => {
            let mut nested = Reader::new("security_headers.hsts", &table.entries, reader.diagnostics);
            let hsts = Hsts {
                max_age: nested.uint("max_age"),
                include_subdomains: nested.bool("include_subdomains"),
                preload: nested.bool("preload"),
            };
            nested.finish();
            Toggle::Set(hsts)
        }
        Some(other) => {
            wrong_type(
                reader,
                "hsts",
                "a table or false",
                other,
                "write hsts(max_age = 31536000, include_subdomains = true), or hsts = false".into(),
            );
            Toggle::Default
        }
    };
    Config::SecurityHeaders(SecurityHeaders {
        hsts,
        content_type_options: reader.bool("content_type_options").is_none_or(|flag| flag.value),
        frame_options: string_or_off(reader, "frame_options", "\"DENY\""),
        referrer_policy: string_or_off(reader, "referrer_policy", "\"strict-origin-when-cross-origin\""),
        content_security_policy: reader.string("content_security_policy"),
    })
}

impl SecurityHeaders {
    /// The `Strict-Transport-Security` value, or `None` when turned off.
    pub fn hsts_value(&self) -> Option<String> {
        let (max_age, subdomains, preload) = match &self.hsts {
            Toggle::Off => return None,
            Toggle::Default => (PRELOAD_MIN_AGE, false, false),
            Toggle::Set(hsts) => (
                hsts.max_age.as_ref().map_or(PRELOAD_MIN_AGE, |a| a.value),
                hsts.include_subdomains.as_ref().is_some_and(|f| f.value),
                hsts.preload.as_ref().is_some_and(|f| f.value),
            ),
        };
        let mut value = format!("max-age={max_age}");
        if subdomains {
            value.push_str("; includeSubDomains");
        }
        if preload {
            value.push_str("; preload");
        }
        Some(value)
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let some = |value: Option<String>| match value {
            Some(text) => quote!(Some(#private::http::HeaderValue::from_static(#text))),
            None => quote!(None),
        };
        let toggle = |toggle: &Toggle<Spanned<String>>, default: &str, normalise: fn(&str) -> String| match toggle {
            Toggle::Off => None,
            Toggle::Default => Some(default.to_string()),
            Toggle::Set(text) => Some(normalise(&text.value)),
        };
        let hsts = some(self.hsts_value());
        let nosniff = some(self.content_type_options.then(|| "nosniff".to_string()));
        let frame = some(toggle(&self.frame_options, "DENY", |t| t.to_ascii_uppercase()));
        let referrer = some(toggle(&self.referrer_policy, "strict-origin-when-cross-origin", |t| {
            t.to_ascii_lowercase()
        }));
        let csp = some(self.content_security_policy.as_ref().map(|c| c.value.clone()));
        Lowered::layer(
            quote!(#private::runtime::security_headers::SecurityHeadersLayer::new(&__STRATA_SECURITY_HEADERS)),
        )
        .with_items(quote! {
            static __STRATA_SECURITY_HEADERS: #private::runtime::security_headers::SecurityHeadersPolicy =
                #private::runtime::security_headers::SecurityHeadersPolicy {
                    strict_transport_security: #hsts,
                    content_type_options: #nosniff,
                    frame_options: #frame,
                    referrer_policy: #referrer,
                    content_security_policy: #csp,
                };
        })
    }
}

/// The preload list only accepts sites whose HSTS covers every subdomain for
/// at least a year; a `preload` token without both is refused by the list,
/// and browsers that ship the list never learn about the site, while the
/// author believes it is preloaded.
fn check_preload(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<SecurityHeaders>() {
        let Toggle::Set(hsts) = &config.hsts else { continue };
        let Some(preload) = hsts.preload.as_ref().filter(|p| p.value) else {
            continue;
        };
        let subdomains = hsts.include_subdomains.as_ref().filter(|s| s.value).is_some();
        let max_age = hsts.max_age.as_ref().map_or(PRELOAD_MIN_AGE, |a| a.value);
        let mut missing = Vec::new();
        if !subdomains {
            missing.push("`include_subdomains = true`".to_string());
        }
        if max_age < PRELOAD_MIN_AGE {
            missing.push(format!("`max_age` ≥ {PRELOAD_MIN_AGE} (one year)"));
        }
        if missing.is_empty() {
            continue;
        }
        let mut error = Diagnostic::error(
            HSTS_PRELOAD,
            &preload.loc,
            format!(
                "`security_headers.hsts.preload` needs {}; the preload list refuses this header",
                missing.join(" and ")
            ),
        )
        .help("write hsts(max_age = 31536000, include_subdomains = true, preload = true), or drop `preload`");
        if let Some(flag) = &hsts.include_subdomains
            && !flag.value
        {
            error = error.note(&flag.loc, "`include_subdomains` is false here");
        }
        if let Some(age) = &hsts.max_age
            && age.value < PRELOAD_MIN_AGE
        {
            error = error.note(&age.loc, format!("`max_age` is {} here", age.value));
        }
        diagnostics.push(error);
    }
}

/// Every value here becomes a `HeaderValue::from_static` in the generated
/// code, which panics on anything but visible ASCII; a curly quote pasted
/// from a web page (`default-src ’self’`) must be an error on the key, not a
/// panic at start-up with no rule code.
fn check_header_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<SecurityHeaders>() {
        if let Toggle::Set(frame) = &config.frame_options {
            rules::header_value(
                "security_headers.frame_options",
                frame,
                "write \"DENY\" or \"SAMEORIGIN\"",
                diagnostics,
            );
        }
        if let Toggle::Set(policy) = &config.referrer_policy {
            rules::header_value(
                "security_headers.referrer_policy",
                policy,
                "write a referrer policy such as \"strict-origin-when-cross-origin\"",
                diagnostics,
            );
        }
        if let Some(csp) = &config.content_security_policy {
            rules::header_value(
                "security_headers.content_security_policy",
                csp,
                "write the policy on one line of ASCII with straight quotes, e.g. \"default-src 'self'\"; non-ASCII sources go in as punycode or percent-encoded",
                diagnostics,
            );
        }
    }
}

/// An unknown token is ignored by browsers, so the page silently gets no
/// protection. (A value that cannot be a header at all is S0302 alone.)
fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    let sendable = |value: &Spanned<String>| rules::header_value_problem(&value.value).is_none();
    for config in spec.each::<SecurityHeaders>() {
        if let Toggle::Set(frame) = &config.frame_options
            && sendable(frame)
            && !FRAME_OPTIONS.iter().any(|f| f.eq_ignore_ascii_case(&frame.value))
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &frame.loc,
                    format!("`security_headers.frame_options` is \"{}\"; browsers know only DENY and SAMEORIGIN", frame.value),
                )
                .help("write \"DENY\" or \"SAMEORIGIN\", or false to send no X-Frame-Options (use a CSP frame-ancestors instead)"),
            );
        }
        if let Toggle::Set(policy) = &config.referrer_policy
            && sendable(policy)
            && !REFERRER_POLICIES.iter().any(|p| p.eq_ignore_ascii_case(&policy.value))
        {
            let mut error = Diagnostic::error(
                rules::WRONG_VALUE,
                &policy.loc,
                format!(
                    "`security_headers.referrer_policy` \"{}\" is not a referrer policy",
                    policy.value
                ),
            );
            error = match crate::diag::suggest(&policy.value, REFERRER_POLICIES.iter().copied()) {
                Some(near) => error.help(format!("did you mean \"{near}\"?")),
                None => error.help(format!("use one of: {}", REFERRER_POLICIES.join(", "))),
            };
            diagnostics.push(error);
        }
        if let Some(csp) = &config.content_security_policy
            && csp.value.trim().is_empty()
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &csp.loc,
                    "`security_headers.content_security_policy` is empty, so it would protect nothing",
                )
                .help("write the policy, e.g. \"default-src 'self'\", or remove the key"),
            );
        }
    }
}
