//! `metrics`: Prometheus text exposition, answered by the layer itself at
//! `path`, of the requests it saw, labelled by method, matched route
//! template and status: labels that no client can multiply.

use super::access_log::AccessLog;
use super::{Config, Def};
use crate::checks::{PATH_PATTERN, Rule, WRONG_VALUE};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::{Cx, Lowered, private};
use crate::model::StackSpec;
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::{format_ident, quote};

/// `metrics.path` collides with another path setting in a way that hides it.
pub const PATH_HIDDEN: &str = "S1101";

pub const DEFAULT_PATH: &str = "/metrics";

/// The Prometheus client libraries' default buckets, in seconds.
pub const DEFAULT_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

pub static DEF: Def = Def {
    name: "metrics",
    aliases: &[],
    rank: 25,
    why: "the metrics count every answer, rejections included, and the scrape is answered before any host check or auth",
    whole_app: Some("the metrics count every request of the app, and serve them at one path"),
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &["proxy"],
    wrapped_by_why: "what `proxy` resolves and strips holds for every request the metrics count and every scrape they answer",
    example: "",
    read,
    rules: &[
        Rule {
            code: PATH_HIDDEN,
            level: Level::Error,
            summary: "`metrics.path` inside `access_log.exclude_paths` (the scrapes of an endpoint no auth guards would leave no trace), or inside a scope pattern (whose middlewares never run there)",
            check: Some(check_hidden),
        },
        Rule {
            code: WRONG_VALUE,
            level: Level::Error,
            summary: "`metrics.path` is not one plain path, or `metrics.buckets` is empty, not positive, not finite or not increasing",
            check: Some(check_values),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct Metrics {
    pub path: Option<Spanned<String>>,
    pub buckets: Option<Spanned<Vec<Spanned<f64>>>>,
}

impl Metrics {
    pub fn path(&self) -> &str {
        self.path.as_ref().map_or(DEFAULT_PATH, |path| path.value.as_str())
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let buckets_ident = format_ident!("__STRATA_METRICS_BUCKETS");
        let buckets: Vec<f64> = match &self.buckets {
            Some(list) => list.value.iter().map(|bucket| bucket.value).collect(),
            None => DEFAULT_BUCKETS.to_vec(),
        };
        let path = self.path();
        Lowered::layer(quote!(#private::runtime::metrics::MetricsLayer::new(#path, #buckets_ident)))
            .with_items(quote!(static #buckets_ident: &[f64] = &[#(#buckets),*];))
            .reading_route()
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Metrics(Metrics {
        path: reader.string("path"),
        buckets: reader.numbers("buckets"),
    })
}

/// Whether the path-list `pattern` (`/health`, `/docs/*`) matches `path`,
/// with the runtime's rules: exact but for one trailing slash, or a subtree.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let trim = |text: &'_ str| -> String {
        match text.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => text.to_string(),
        }
    };
    match pattern.strip_suffix("/*") {
        Some(prefix) => prefix.is_empty() || trim(path) == prefix || path.starts_with(&format!("{prefix}/")),
        None => trim(pattern) == trim(path),
    }
}

/// The metrics endpoint answers whoever reaches it, from inside the access
/// log and outside every auth layer: a scrape must be visible in the log. A
/// `jwt.public_paths` entry for it is harmless (`jwt` never sees the path).
fn check_hidden(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for metrics in spec.each::<Metrics>() {
        let path = metrics.path();
        let at = metrics.path.as_ref().map(|path| path.loc.clone());
        for log in spec.each::<AccessLog>() {
            for pattern in log.exclude_paths.iter().flat_map(|list| &list.value) {
                if !pattern_matches(&pattern.value, path) {
                    continue;
                }
                let mut error = Diagnostic::error(
                    PATH_HIDDEN,
                    &pattern.loc,
                    format!(
                        "`access_log.exclude_paths` entry \"{}\" hides the metrics endpoint `{path}` from the access log",
                        pattern.value
                    ),
                )
                .help(format!(
                    "`{path}` answers anyone who reaches it, before any auth layer, so its readers must show in the log: remove \"{}\" from `exclude_paths`, or move the metrics with `metrics(path = ...)`",
                    pattern.value
                ));
                if let Some(at) = &at {
                    error = error.note(at, "the metrics are served here");
                }
                diagnostics.push(error);
            }
        }
    }
}

fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for metrics in spec.each::<Metrics>() {
        if let Some(path) = &metrics.path {
            check_path(path, diagnostics);
        }
        if let Some(buckets) = &metrics.buckets {
            check_buckets(buckets, diagnostics);
        }
    }
}

fn check_path(path: &Spanned<String>, diagnostics: &mut Diagnostics) {
    let text = path.value.as_str();
    if !text.starts_with('/') {
        diagnostics.push(
            Diagnostic::error(PATH_PATTERN, &path.loc, format!("`metrics.path` \"{text}\" does not start with `/`"))
                .help(format!("write \"/{}\"", text.trim_start_matches('/'))),
        );
        return;
    }
    let plain = !text.contains(['*', '?', '#', '{', '}'])
        && text.parse::<http::uri::PathAndQuery>().is_ok_and(|parsed| parsed.as_str() == text);
    if !plain {
        diagnostics.push(
            Diagnostic::error(
                WRONG_VALUE,
                &path.loc,
                format!("`metrics.path` \"{text}\" is not one plain path"),
            )
            .help("the metrics are served at one exact path, without wildcards, query or fragment, e.g. \"/metrics\""),
        );
    }
}

fn check_buckets(buckets: &Spanned<Vec<Spanned<f64>>>, diagnostics: &mut Diagnostics) {
    let help = "bucket bounds are seconds, positive and increasing, e.g. [0.005, 0.01, 0.1, 1, 10]; `+Inf` is always added";
    if buckets.value.is_empty() {
        diagnostics.push(
            Diagnostic::error(WRONG_VALUE, &buckets.loc, "`metrics.buckets` is empty").help(
                "leave `buckets` out for the Prometheus defaults (5 ms to 10 s), or list the bounds in seconds",
            ),
        );
        return;
    }
    let mut previous: Option<&Spanned<f64>> = None;
    for bucket in &buckets.value {
        let value = bucket.value;
        if !value.is_finite() || value <= 0.0 {
            diagnostics.push(
                Diagnostic::error(
                    WRONG_VALUE,
                    &bucket.loc,
                    format!("`metrics.buckets`: {value} is not a positive number of seconds"),
                )
                .help(help),
            );
        } else if let Some(before) = previous
            && value <= before.value
        {
            diagnostics.push(
                Diagnostic::error(
                    WRONG_VALUE,
                    &bucket.loc,
                    format!("`metrics.buckets`: {value} does not come after {}", before.value),
                )
                .note(&before.loc, "the bound before it")
                .help(help),
            );
        }
        if value.is_finite() && value > 0.0 {
            previous = Some(bucket);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn patterns_match_as_the_runtime_path_lists_do() {
        for (pattern, path, expected) in [
            ("/metrics", "/metrics", true),
            ("/metrics/", "/metrics", true),
            ("/metrics", "/metrics/", true),
            ("/metric", "/metrics", false),
            ("/*", "/metrics", true),
            ("/internal/*", "/internal/metrics", true),
            ("/internal/*", "/internal", true),
            ("/internal/*", "/internalmetrics", false),
            ("/Metrics", "/metrics", false),
        ] {
            assert_eq!(pattern_matches(pattern, path), expected, "{pattern} {path}");
        }
    }
}
