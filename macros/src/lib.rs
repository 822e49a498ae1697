//! The `#[strata::stack(...)]` attribute.
//!
//! Thin on purpose, like `serde_derive` over its internals: parsing the
//! attribute, the model, the rules, the order and the lowering are ordinary,
//! unit-tested code in `strata-codegen`; this crate only hands it the tokens
//! and hands back what it emits.

use proc_macro::TokenStream;

/// Compiles a middleware stack around the annotated function's service.
///
/// ```rust,ignore
/// #[strata::stack(
///     trusted_host(allowed_hosts = ["api.example.com", "*.example.com"]),
///     cors(allow_origins = ["https://app.example.com"], allow_credentials = true),
///     request_id,
///     access_log,
///     rate_limit(requests = 120, per = "1m"),
///     jwt(secret_env = "JWT_SECRET", public_paths = ["/health"]),
///     custom(name = "audit", layer = AuditLayer::new(audit_sink), after = "jwt"),
/// )]
/// fn app(audit_sink: Sink) -> Router {
///     Router::new().route("/", get(|| async { "hi" }))
/// }
/// ```
///
/// # Syntax
///
/// `#[strata::stack(ENTRY, ...)]`, entries in any order (strata sorts them):
///
/// - `name`: a middleware with its defaults (`request_id`);
/// - `name(key = value, ...)`: with options; values as in TOML: `"strings"`,
///   integers, `true`/`false`, `[arrays]`; an inline table is a nested call
///   (`security_headers(hsts(max_age = 31536000, include_subdomains = true))`);
/// - `custom(layer = EXPR, name = "...", before = "...", after = "...")`: any
///   tower `Layer`, `EXPR` a Rust expression (up to the next comma outside
///   brackets, generic arguments and closure parameters; at most 512
///   tokens) that may use the function's parameters by value;
/// - `order = "as-written"` first: keep the written order and enforce the
///   order constraints on it instead of sorting;
/// - `file = "stack.toml", profile = "prod"` alone: read the description
///   from a TOML file (relative to `CARGO_MANIFEST_DIR`) at compile time
///   (the facade's cargo feature `toml`, on by default).
///
/// The middlewares: `proxy`, `request_id`, `trace_context`, `access_log`,
/// `metrics`, `trusted_host`, `https_redirect`, `security_headers`, `cors`,
/// `compression`, `catch_panic`, `timeout`, `concurrency_limit`, `block`,
/// `rate_limit`, `redirect_slashes`, `decompression`, `body_limit`,
/// `session`, `jwt`, `api_key`, `custom`, `timing`.
///
/// # The function
///
/// A free function returning the inner service (usually an axum `Router`;
/// a `Router<S>` must get `.with_state(state)` and return `Router`). It may
/// be `async`, take parameters (plain names), be generic, or return
/// `Result<Router, E>` with `E: From<strata::EnvError>`: missing or
/// unusable environment variables then come back as one `Err` instead of a
/// panic. It keeps its name, visibility and parameters and returns a
/// `strata::Stack` (inside the `Result`, if any), which `strata::serve` and
/// `axum::serve` serve as they are.
///
/// Every rule violation is a compile error spanned on the offending key or
/// value, with a rule code (`S0101`, …) and the fix, all of them at once.
///
/// # Reference
///
/// The [`strata` crate page](../strata/index.html) (quick start, syntax,
/// accepted functions, the order) and the
/// [reference](../strata/reference/index.html): one page per middleware with
/// its options, defaults, what a client sees, its rule codes and a tested
/// example; the rule-code table; how to test a stack.
#[proc_macro_attribute]
pub fn stack(attribute: TokenStream, item: TokenStream) -> TokenStream {
    strata_codegen::emit::attribute(attribute.into(), item.into()).into()
}
