//! The gates behind strata's cargo features (see "Cargo features" in the
//! crate docs). Generated code calls `__strata_require_<feature>!` for
//! every middleware or option that needs a feature, spanned on its name:
//!
//! - `__strata_require_jwt!("`jwt`" => TOKENS)` is `TOKENS` when the feature
//!   is on (the attribute wraps what a gated middleware lowers to, so with
//!   the feature off nothing names the runtime items that are missing);
//! - `__strata_require_jwt!("`jwt`");` is nothing when it is on (the
//!   generated module of `strata gen` and build.rs declares its gates this
//!   way and stays readable);
//! - with the feature off, both are one `compile_error!` that names the
//!   feature and how to turn it on.
//!
//! strata's compiler cannot see these features itself (the attribute runs in
//! a proc-macro crate, the module in build.rs or the CLI), so it asks here,
//! where the features are. `strata_codegen::features::FEATURES` lists the
//! features it can ask about; a test checks that each has its gate.

/// Defines both forms of one feature's gate. `$d` is a `$` token, so the
/// macros defined here can have metavariables of their own.
macro_rules! feature_gates {
    ($d:tt $($feature:literal => $gate:ident),* $(,)?) => {$(
        #[cfg(feature = $feature)]
        #[doc(hidden)]
        #[macro_export]
        macro_rules! $gate {
            ($d what:literal) => {};
            ($d what:literal => $d($d tokens:tt)*) => { $d($d tokens)* };
        }

        #[cfg(not(feature = $feature))]
        #[doc(hidden)]
        #[macro_export]
        macro_rules! $gate {
            ($d what:literal $d(=> $d($d tokens:tt)*)?) => {
                ::core::compile_error!(::core::concat!(
                    "strata: ", $d what, " needs strata's cargo feature `", $feature, "`, which is off\n",
                    "help: add it to strata's features in Cargo.toml: strata = { version = \"...\", features = [\"",
                    $feature, "\"] }",
                ))
            };
        }
    )*};
}

feature_gates! {
    $
    "api_key" => __strata_require_api_key,
    "compression" => __strata_require_compression,
    "compression_br" => __strata_require_compression_br,
    "cors_regex" => __strata_require_cors_regex,
    "decompression" => __strata_require_decompression,
    "jwt" => __strata_require_jwt,
    "metrics" => __strata_require_metrics,
    "redis" => __strata_require_redis,
    "session" => __strata_require_session,
}
