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
    "access_log" => __strata_require_access_log,
    "api_key" => __strata_require_api_key,
    "block" => __strata_require_block,
    "body_limit" => __strata_require_body_limit,
    "catch_panic" => __strata_require_catch_panic,
    "compression" => __strata_require_compression,
    "compression_br" => __strata_require_compression_br,
    "concurrency_limit" => __strata_require_concurrency_limit,
    "cors" => __strata_require_cors,
    "cors_regex" => __strata_require_cors_regex,
    "custom" => __strata_require_custom,
    "decompression" => __strata_require_decompression,
    "https_redirect" => __strata_require_https_redirect,
    "jwt" => __strata_require_jwt,
    "metrics" => __strata_require_metrics,
    "proxy" => __strata_require_proxy,
    "rate_limit" => __strata_require_rate_limit,
    "redirect_slashes" => __strata_require_redirect_slashes,
    "redis" => __strata_require_redis,
    "request_id" => __strata_require_request_id,
    "security_headers" => __strata_require_security_headers,
    "session" => __strata_require_session,
    "timeout" => __strata_require_timeout,
    "timing" => __strata_require_timing,
    "trace_context" => __strata_require_trace_context,
    "trusted_host" => __strata_require_trusted_host,
}
