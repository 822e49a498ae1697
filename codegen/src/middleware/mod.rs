//! One module per middleware: its model (options and defaults), how it is
//! read from a table, its rules, its rank in the canonical order, the
//! constraints it owns, and how it lowers to the runtime layer.
//!
//! Adding a middleware means writing its module and adding one line to the
//! `registry!` below; the module list, [`REGISTRY`], the [`Config`] enum
//! and its dispatch, [`FromConfig`], the schema, the rule catalogue and the
//! order tests all follow from that line.
//!
//! The one cycle left on purpose: [`Config`] names every middleware's
//! options type, and a middleware's rules see the whole [`StackSpec`]
//! (`spec.each::<Cors>()`). Everything else a middleware module uses is a
//! leaf: [`crate::reader`], [`crate::checks`], [`crate::ir`], [`crate::diag`],
//! [`crate::tree`].
//!
//! [`StackSpec`]: crate::model::StackSpec

use crate::checks::Rule;
use crate::diag::Loc;
use crate::ir::{Cx, Lowered};
use crate::reader::Reader;

/// What strata knows about one middleware, as data.
#[derive(Debug)]
pub struct Def {
    /// The key in the attribute and in TOML.
    pub name: &'static str,
    /// Other accepted keys (`gzip` for `compression`).
    pub aliases: &'static [&'static str],
    /// Position in the canonical order, outermost first.
    pub rank: u16,
    /// Why it sits at that rank, in one line: what `explain` prints.
    pub why: &'static str,
    /// `Some(why)` for a middleware that applies to every request of the
    /// app, and so cannot go in a `scope` (S1201).
    pub whole_app: Option<&'static str>,
    /// Middlewares this one must wrap, whatever the mode, and why.
    pub must_wrap: &'static [&'static str],
    pub must_wrap_why: &'static str,
    /// Middlewares that must wrap this one, whatever the mode, and why: the
    /// same hard constraint as `must_wrap`, declared by the inner middleware,
    /// so a new middleware states where it must sit without editing others.
    pub wrapped_by: &'static [&'static str],
    pub wrapped_by_why: &'static str,
    /// The smallest valid options, in attribute syntax (`allowed_hosts =
    /// ["localhost"]`), or "" when the defaults do: lets tests build every
    /// middleware from the registry alone.
    pub example: &'static str,
    /// Reads the middleware's table; the location is the middleware's key.
    pub read: fn(&mut Reader<'_>, &Loc) -> Config,
    pub rules: &'static [Rule],
}

/// The one list of middlewares: `module => Variant(OptionsType)`, in
/// canonical order, with `needs "feature"` when the middleware sits behind a
/// cargo feature of the facade (see [`crate::features`]). Everything else
/// that enumerates middlewares is generated from it.
macro_rules! registry {
    (@feature $feature:literal) => { Some($feature) };
    (@feature) => { None };
    ($($module:ident => $variant:ident($options:ident) $(needs $feature:literal)?),* $(,)?) => {
        $(pub mod $module;)*

        /// Every middleware strata knows, in canonical order.
        pub static REGISTRY: &[&Def] = &[$(&$module::DEF),*];

        impl Def {
            /// The facade's cargo feature this middleware needs, if any: the
            /// generated code asks the facade for it (see [`crate::features`]).
            pub fn feature(&self) -> Option<&'static str> {
                $(
                    if ::core::ptr::eq(self, &$module::DEF) {
                        return registry!(@feature $($feature)?);
                    }
                )*
                None
            }
        }

        /// The typed options of one middleware.
        #[derive(Clone, Debug)]
        pub enum Config {
            $($variant($module::$options),)*
        }

        impl Config {
            pub fn def(&self) -> &'static Def {
                match self {
                    $(Config::$variant(_) => &$module::DEF,)*
                }
            }

            pub fn lower(&self, cx: &Cx) -> Lowered {
                match self {
                    $(Config::$variant(options) => options.lower(cx),)*
                }
            }
        }

        $(
            impl FromConfig for $module::$options {
                fn from_config(config: &Config) -> Option<&Self> {
                    match config {
                        Config::$variant(options) => Some(options),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*
    };
}

registry! {
    proxy => Proxy(Proxy) needs "proxy",
    request_id => RequestId(RequestId) needs "request_id",
    trace_context => TraceContext(TraceContext) needs "trace_context",
    access_log => AccessLog(AccessLog) needs "access_log",
    metrics => Metrics(Metrics) needs "metrics",
    trusted_host => TrustedHost(TrustedHost) needs "trusted_host",
    https_redirect => HttpsRedirect(HttpsRedirect) needs "https_redirect",
    security_headers => SecurityHeaders(SecurityHeaders) needs "security_headers",
    cors => Cors(Cors) needs "cors",
    compression => Compression(Compression) needs "compression",
    catch_panic => CatchPanic(CatchPanic) needs "catch_panic",
    timeout => Timeout(Timeout) needs "timeout",
    concurrency_limit => ConcurrencyLimit(ConcurrencyLimit) needs "concurrency_limit",
    block => Block(Block) needs "block",
    rate_limit => RateLimit(RateLimit) needs "rate_limit",
    decompression => Decompression(Decompression) needs "decompression",
    body_limit => BodyLimit(BodyLimit) needs "body_limit",
    session => Session(Session) needs "session",
    jwt => Jwt(Jwt) needs "jwt",
    api_key => ApiKey(ApiKey) needs "api_key",
    custom => Custom(Custom) needs "custom",
    timing => Timing(Timing) needs "timing",
    redirect_slashes => RedirectSlashes(RedirectSlashes) needs "redirect_slashes",
}

/// Finds a middleware by its name or an alias.
pub fn lookup(name: &str) -> Option<&'static Def> {
    REGISTRY
        .iter()
        .copied()
        .find(|def| def.name == name || def.aliases.contains(&name))
}

/// Picks one middleware's options out of a [`Config`], for rules that look
/// at one middleware type (`spec.each::<Cors>()`).
pub trait FromConfig {
    fn from_config(config: &Config) -> Option<&Self>;
}

// Shared helpers live in leaf modules; re-exported where the middleware
// modules have always found them.
pub(crate) use crate::ir::{header_name_tokens, json_string, private, startup};
