//! `concurrency_limit`: load shedding. Over `max_in_flight` requests at once,
//! the next one is answered 503 at once; nothing queues.

use super::{Config, Def};
use crate::checks::Rule;
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::ir::{Cx, Lowered, private};
use crate::model::StackSpec;
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::quote;

/// Shared with `timeout` and `body_limit`.
pub const BAD_GUARD_VALUE: &str = "S1001";

pub static DEF: Def = Def {
    name: "concurrency_limit",
    aliases: &[],
    rank: 86,
    why: "load shedding answers before any work is spent, and its 503 still gets CORS headers, the request ID and a log line",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &["cors"],
    wrapped_by_why: "a guard's error response (408, 413, 415, 503, 504) must carry CORS headers, or the browser hides it from the page",
    example: "max_in_flight = 100",
    read,
    rules: &[Rule {
        code: BAD_GUARD_VALUE,
        level: Level::Error,
        summary: "`concurrency_limit`: `max_in_flight` zero or too large",
        check: Some(check_values),
    }],
};

#[derive(Clone, Debug)]
pub struct ConcurrencyLimit {
    pub max_in_flight: Option<Spanned<u64>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let max_in_flight = reader.uint("max_in_flight");
    let max_in_flight = reader.require(max_in_flight, "max_in_flight", at, "100");
    Config::ConcurrencyLimit(ConcurrencyLimit { max_in_flight })
}

impl ConcurrencyLimit {
    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let max = self
            .max_in_flight
            .as_ref()
            .and_then(|m| usize::try_from(m.value).ok())
            .unwrap_or(1);
        Lowered::layer(quote!(#private::runtime::concurrency_limit::ConcurrencyLimitLayer::new(#max)))
    }
}

/// Zero in flight refuses every request; more than a `u32` holds is no limit
/// at all, and a typo.
fn check_values(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<ConcurrencyLimit>() {
        let Some(max) = &config.max_in_flight else { continue };
        let message = match max.value {
            0 => "`concurrency_limit.max_in_flight = 0` refuses every request".to_string(),
            n if n > u64::from(u32::MAX) => format!("`concurrency_limit.max_in_flight` is {n}, more than 4294967295"),
            _ => continue,
        };
        diagnostics.push(
            Diagnostic::error(BAD_GUARD_VALUE, &max.loc, message)
                .help("allow as many requests at once as the app can serve well, e.g. max_in_flight = 100"),
        );
    }
}
