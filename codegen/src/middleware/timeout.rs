//! `timeout`: the response head must arrive within `request`, else the
//! client gets `status` and the work below is dropped; with `request_body`,
//! a body that stalls longer than that between frames gets 408.

use super::{Config, Def};
use crate::checks::{Rule, parse_duration};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::{Cx, Lowered, private};
use crate::model::StackSpec;
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::quote;

/// A zero or unparsable duration, size or count; a status strata does not
/// allow. The code is shared with `body_limit` and `concurrency_limit`.
pub const BAD_GUARD_VALUE: &str = "S1001";

/// `"30s"`, as crates.io and most load balancers have it.
pub const DEFAULT_REQUEST_MS: u64 = 30_000;
pub const DEFAULT_STATUS: u64 = 503;
/// 408 (the client was too slow), 503 (the server is overloaded, retry) and
/// 504 (an upstream was too slow): the statuses a timeout may honestly mean.
pub const STATUSES: &[u64] = &[408, 503, 504];

pub static DEF: Def = Def {
    name: "timeout",
    aliases: &[],
    rank: 84,
    why: "timeouts answer before more work is spent, and their answer still gets CORS headers, the request ID and a log line",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &["cors"],
    wrapped_by_why: "a guard's error response (408, 413, 415, 503, 504) must carry CORS headers, or the browser hides it from the page",
    example: "",
    read,
    rules: &[Rule {
        code: BAD_GUARD_VALUE,
        level: Level::Error,
        summary: "`timeout`: a zero or unparsable `request` or `request_body`; a `status` other than 408, 503, 504",
        check: Some(check_values),
    }],
};

#[derive(Clone, Debug)]
pub struct Timeout {
    pub request: Option<Spanned<String>>,
    pub status: Option<Spanned<u64>>,
    pub request_body: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Timeout(Timeout {
        request: reader.string("request"),
        status: reader.uint("status"),
        request_body: reader.string("request_body"),
    })
}

impl Timeout {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let request_ms = self
            .request
            .as_ref()
            .and_then(|r| parse_duration(&r.value))
            .unwrap_or(DEFAULT_REQUEST_MS);
        let status = match self.status.as_ref().map_or(DEFAULT_STATUS, |s| s.value) {
            408 => quote!(REQUEST_TIMEOUT),
            504 => quote!(GATEWAY_TIMEOUT),
            _ => quote!(SERVICE_UNAVAILABLE),
        };
        let mut layer = quote!(#private::runtime::timeout::TimeoutLayer::new(
            ::core::time::Duration::from_millis(#request_ms),
            #private::http::StatusCode::#status,
        ));
        if let Some(body_ms) = self.request_body.as_ref().and_then(|b| parse_duration(&b.value)) {
            layer = quote!(#layer.request_body(::core::time::Duration::from_millis(#body_ms)));
        }
        Lowered::layer(layer)
    }
}

/// A zero timeout answers every request with an error; an unparsable one
/// cannot mean anything. Any status but 408/503/504 would tell the client
/// something else than "too slow" (a 200 or a 500 would be a lie).
fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Timeout>() {
        for (key, value) in [("request", &config.request), ("request_body", &config.request_body)] {
            if let Some(value) = value {
                check_duration("timeout", key, value, diagnostics);
            }
        }
        if let Some(status) = config.status.as_ref().filter(|s| !STATUSES.contains(&s.value)) {
            diagnostics.push(
                Diagnostic::error(
                    BAD_GUARD_VALUE,
                    &status.loc,
                    format!("`timeout.status` is {}, not 408, 503 or 504", status.value),
                )
                .help("use 503 (the default: retry later), 504 (an upstream was too slow) or 408 (the client was too slow)"),
            );
        }
    }
}

fn check_duration(middleware: &str, key: &str, value: &Spanned<String>, diagnostics: &mut Diagnostics) {
    let message = match parse_duration(&value.value) {
        Some(0) => format!("`{middleware}.{key} = \"{}\"` is zero: every request would time out", value.value),
        Some(_) => return,
        None => format!("`{middleware}.{key} = \"{}\"` is not a duration", value.value),
    };
    diagnostics.push(
        Diagnostic::error(BAD_GUARD_VALUE, &value.loc, message)
            .help("write a whole number and a unit: \"500ms\", \"10s\", \"30s\", \"1m\""),
    );
}
