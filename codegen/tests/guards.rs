//! The guards through the TOML front door: every S1001 and S0801 at its
//! `file:line:col`, all at once; and what a valid table lowers to.

use quote::quote;

const FILE: &str = "tests/fixtures/guards_bad.toml";

fn expand(file: &str) -> String {
    strata_codegen::emit::attribute(
        quote!(file = #file),
        quote!(
            fn app() -> Router {
                Router::new()
            }
        ),
    )
    .to_string()
}

#[test]
fn every_bad_guard_value_is_reported_at_its_line_and_column() {
    let expanded = expand(FILE);
    for (code, at, what) in [
        (
            "S1001",
            "3:11",
            "`timeout.request = \\\"30 seconds\\\"` is not a duration",
        ),
        ("S1001", "4:10", "`timeout.status` is 200, not 408, 503 or 504"),
        ("S1001", "5:16", "`timeout.request_body = \\\"0s\\\"` is zero"),
        (
            "S1001",
            "8:17",
            "`concurrency_limit.max_in_flight = 0` refuses every request",
        ),
        ("S0801", "11:23", "unknown decompression algorithm \\\"lzma\\\""),
        ("S1001", "14:7", "`body_limit.max = \\\"2XB\\\"` is not a size"),
    ] {
        let located = format!("{FILE}:{at}");
        let error = expanded
            .split("compile_error")
            .find(|error| error.contains(&located))
            .unwrap_or_else(|| panic!("nothing reported at {located}: {expanded}"));
        assert!(error.contains(code), "{located}: {error}");
        assert!(error.contains(what), "{located}: {error}");
    }
    assert_eq!(expanded.matches("S1001").count(), 5, "{expanded}");
}

#[test]
fn a_valid_guard_stack_lowers_to_the_runtime_layers_in_order() {
    let (compiled, diagnostics) = strata_codegen::compile_toml(
        r#"
[body_limit]
max = 1048576
[timeout]
request = "5s"
status = 504
request_body = "2s"
[decompression]
algorithms = ["zstd", "gzip"]
[concurrency_limit]
max_in_flight = 64
[cors]
allow_origins = ["https://app.example.com"]
"#,
        None,
    );
    let compiled = compiled.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let names: Vec<&str> = compiled.plan.layers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["cors", "timeout", "concurrency_limit", "decompression", "body_limit"]
    );
    let cx = strata_codegen::ir::Cx::new(false);
    let tokens = strata_codegen::lower::stack_expr(&compiled.spec, &compiled.plan, quote!(inner), &cx).to_string();
    for expected in [
        "timeout :: TimeoutLayer :: new (:: core :: time :: Duration :: from_millis (5000u64) , :: strata :: __private :: http :: StatusCode :: GATEWAY_TIMEOUT ,) . request_body (:: core :: time :: Duration :: from_millis (2000u64))",
        "concurrency_limit :: ConcurrencyLimitLayer :: new (64usize)",
        "gzip : true , br : false , deflate : false , zstd : true",
        "HeaderValue :: from_static (\"gzip, zstd, identity\")",
        "body_limit :: BodyLimitLayer :: new (1048576u64)",
    ] {
        assert!(tokens.contains(expected), "{expected}\nin {tokens}");
    }
}
