//! One module per middleware: its model (options and defaults), how it is
//! read from a table, its rules, its rank in the canonical order, and how it
//! lowers to the runtime layer. Adding a middleware means adding a module
//! here and one line in [`REGISTRY`] and [`Config`]; nothing else.

pub mod access_log;
pub mod catch_panic;
pub mod compression;
pub mod cors;
pub mod custom;
pub mod request_id;
pub mod timing;
pub mod trusted_host;

use crate::diag::Loc;
use crate::lower::{Cx, Lowered};
use crate::model::Reader;
use crate::rules::Rule;
use crate::tree::Spanned;

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
    /// Middlewares this one must wrap, whatever the mode, and why.
    pub must_wrap: &'static [&'static str],
    pub must_wrap_why: &'static str,
    /// Reads the middleware's table; the location is the middleware's key.
    pub read: fn(&mut Reader<'_>, &Loc) -> Config,
    pub rules: &'static [Rule],
}

/// Every middleware strata knows, in canonical order.
pub static REGISTRY: &[&Def] = &[
    &request_id::DEF,
    &access_log::DEF,
    &trusted_host::DEF,
    &cors::DEF,
    &compression::DEF,
    &catch_panic::DEF,
    &custom::DEF,
    &timing::DEF,
];

/// Finds a middleware by its name or an alias.
pub fn lookup(name: &str) -> Option<&'static Def> {
    REGISTRY
        .iter()
        .copied()
        .find(|def| def.name == name || def.aliases.contains(&name))
}

/// The typed options of one middleware.
#[derive(Clone, Debug)]
pub enum Config {
    RequestId(request_id::RequestId),
    AccessLog(access_log::AccessLog),
    TrustedHost(trusted_host::TrustedHost),
    Cors(cors::Cors),
    Compression(compression::Compression),
    CatchPanic(catch_panic::CatchPanic),
    Custom(custom::Custom),
    Timing(timing::Timing),
}

impl Config {
    pub fn def(&self) -> &'static Def {
        match self {
            Config::RequestId(_) => &request_id::DEF,
            Config::AccessLog(_) => &access_log::DEF,
            Config::TrustedHost(_) => &trusted_host::DEF,
            Config::Cors(_) => &cors::DEF,
            Config::Compression(_) => &compression::DEF,
            Config::CatchPanic(_) => &catch_panic::DEF,
            Config::Custom(_) => &custom::DEF,
            Config::Timing(_) => &timing::DEF,
        }
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        match self {
            Config::RequestId(m) => m.lower(cx),
            Config::AccessLog(m) => m.lower(cx),
            Config::TrustedHost(m) => m.lower(cx),
            Config::Cors(m) => m.lower(cx),
            Config::Compression(m) => m.lower(cx),
            Config::CatchPanic(m) => m.lower(cx),
            Config::Custom(m) => m.lower(cx),
            Config::Timing(m) => m.lower(cx),
        }
    }

    /// The path lists this middleware matches requests against (S0703).
    pub fn path_lists(&self) -> Vec<(&'static str, &Spanned<Vec<Spanned<String>>>)> {
        match self {
            Config::AccessLog(m) => m.exclude_paths.iter().map(|p| ("exclude_paths", p)).collect(),
            _ => Vec::new(),
        }
    }
}

/// Picks one middleware's options out of a [`Config`], for rules that look
/// at one middleware type (`spec.each::<Cors>()`).
pub trait FromConfig {
    fn from_config(config: &Config) -> Option<&Self>;
}

macro_rules! from_config {
    ($($variant:ident => $ty:ty),* $(,)?) => {$(
        impl FromConfig for $ty {
            fn from_config(config: &Config) -> Option<&Self> {
                match config {
                    Config::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
        }
    )*};
}

from_config! {
    RequestId => request_id::RequestId,
    AccessLog => access_log::AccessLog,
    TrustedHost => trusted_host::TrustedHost,
    Cors => cors::Cors,
    Compression => compression::Compression,
    CatchPanic => catch_panic::CatchPanic,
    Custom => custom::Custom,
    Timing => timing::Timing,
}

/// The absolute path of strata's hidden re-exports, used by every emitted item.
pub(crate) fn private() -> proc_macro2::TokenStream {
    quote::quote!(::strata::__private)
}

/// Header names are case-insensitive; `HeaderName::from_static` wants them lowercase.
pub(crate) fn header_name_tokens(name: &str) -> proc_macro2::TokenStream {
    let private = private();
    let lower = name.to_ascii_lowercase();
    quote::quote!(#private::http::HeaderName::from_static(#lower))
}
