//! One module per middleware: its model (options and defaults), how it is
//! read from a table, its rules, its rank in the canonical order, and how it
//! lowers to the runtime layer. Adding a middleware means adding a module
//! here and one line in [`REGISTRY`] and [`Config`]; nothing else.

pub mod access_log;
pub mod api_key;
pub mod block;
pub mod catch_panic;
pub mod compression;
pub mod cors;
pub mod custom;
pub mod https_redirect;
pub mod jwt;
pub mod proxy;
pub mod rate_limit;
pub mod redirect_slashes;
pub mod request_id;
pub mod security_headers;
pub mod session;
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
    &proxy::DEF,
    &request_id::DEF,
    &access_log::DEF,
    &trusted_host::DEF,
    &https_redirect::DEF,
    &security_headers::DEF,
    &cors::DEF,
    &compression::DEF,
    &catch_panic::DEF,
    &block::DEF,
    &rate_limit::DEF,
    &redirect_slashes::DEF,
    &session::DEF,
    &jwt::DEF,
    &api_key::DEF,
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
    Proxy(proxy::Proxy),
    RequestId(request_id::RequestId),
    AccessLog(access_log::AccessLog),
    TrustedHost(trusted_host::TrustedHost),
    HttpsRedirect(https_redirect::HttpsRedirect),
    SecurityHeaders(security_headers::SecurityHeaders),
    Cors(cors::Cors),
    Compression(compression::Compression),
    CatchPanic(catch_panic::CatchPanic),
    Block(block::Block),
    RateLimit(rate_limit::RateLimit),
    RedirectSlashes(redirect_slashes::RedirectSlashes),
    Session(session::Session),
    Jwt(jwt::Jwt),
    ApiKey(api_key::ApiKey),
    Custom(custom::Custom),
    Timing(timing::Timing),
}

impl Config {
    pub fn def(&self) -> &'static Def {
        match self {
            Config::Proxy(_) => &proxy::DEF,
            Config::RequestId(_) => &request_id::DEF,
            Config::AccessLog(_) => &access_log::DEF,
            Config::TrustedHost(_) => &trusted_host::DEF,
            Config::HttpsRedirect(_) => &https_redirect::DEF,
            Config::SecurityHeaders(_) => &security_headers::DEF,
            Config::Cors(_) => &cors::DEF,
            Config::Compression(_) => &compression::DEF,
            Config::CatchPanic(_) => &catch_panic::DEF,
            Config::Block(_) => &block::DEF,
            Config::RateLimit(_) => &rate_limit::DEF,
            Config::RedirectSlashes(_) => &redirect_slashes::DEF,
            Config::Session(_) => &session::DEF,
            Config::Jwt(_) => &jwt::DEF,
            Config::ApiKey(_) => &api_key::DEF,
            Config::Custom(_) => &custom::DEF,
            Config::Timing(_) => &timing::DEF,
        }
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        match self {
            Config::Proxy(m) => m.lower(cx),
            Config::RequestId(m) => m.lower(cx),
            Config::AccessLog(m) => m.lower(cx),
            Config::TrustedHost(m) => m.lower(cx),
            Config::HttpsRedirect(m) => m.lower(cx),
            Config::SecurityHeaders(m) => m.lower(cx),
            Config::Cors(m) => m.lower(cx),
            Config::Compression(m) => m.lower(cx),
            Config::CatchPanic(m) => m.lower(cx),
            Config::Block(m) => m.lower(cx),
            Config::RateLimit(m) => m.lower(cx),
            Config::RedirectSlashes(m) => m.lower(cx),
            Config::Session(m) => m.lower(cx),
            Config::Jwt(m) => m.lower(cx),
            Config::ApiKey(m) => m.lower(cx),
            Config::Custom(m) => m.lower(cx),
            Config::Timing(m) => m.lower(cx),
        }
    }

    /// The path lists this middleware matches requests against (S0703).
    pub fn path_lists(&self) -> Vec<(&'static str, &Spanned<Vec<Spanned<String>>>)> {
        match self {
            Config::AccessLog(m) => m.exclude_paths.iter().map(|p| ("exclude_paths", p)).collect(),
            Config::TrustedHost(m) => m.exempt_paths.iter().map(|p| ("exempt_paths", p)).collect(),
            Config::RateLimit(m) => m.exempt_paths.iter().map(|p| ("exempt_paths", p)).collect(),
            Config::Jwt(m) => m.public_paths.iter().map(|p| ("public_paths", p)).collect(),
            Config::ApiKey(m) => m.public_paths.iter().map(|p| ("public_paths", p)).collect(),
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
    Proxy => proxy::Proxy,
    RequestId => request_id::RequestId,
    AccessLog => access_log::AccessLog,
    TrustedHost => trusted_host::TrustedHost,
    HttpsRedirect => https_redirect::HttpsRedirect,
    SecurityHeaders => security_headers::SecurityHeaders,
    Cors => cors::Cors,
    Compression => compression::Compression,
    CatchPanic => catch_panic::CatchPanic,
    Block => block::Block,
    RateLimit => rate_limit::RateLimit,
    RedirectSlashes => redirect_slashes::RedirectSlashes,
    Session => session::Session,
    Jwt => jwt::Jwt,
    ApiKey => api_key::ApiKey,
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

/// `text` as a JSON string literal, quotes included, for bodies built at compile time.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A start-up step that may fail (a secret missing from the environment, or
/// unusable): `?` when the user's function returns a `Result`, else a panic
/// whose message names the variable, before any request is served.
pub(crate) fn startup(cx: &crate::lower::Cx, fallible: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    if cx.fallible {
        quote::quote!(#fallible?)
    } else {
        quote::quote!(#fallible.unwrap_or_else(|error| ::core::panic!("{error}")))
    }
}

/// Why `name` cannot be an environment variable's name, or `None`.
pub(crate) fn env_name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("starts with a digit");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some("is not a variable name (letters, digits and `_`)");
    }
    None
}
