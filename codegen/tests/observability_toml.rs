//! The TOML front door for `trace_context`, `access_log.span` and
//! `metrics`: numbers with a fraction are read (`buckets`), and S1101 and
//! the bucket checks are reported at `file:line:col` as the macro reports
//! them on tokens.

use strata_codegen::diag::Level;
use strata_codegen::render::{Source, human};

const BAD: &str = include_str!("fixtures/observability_bad.toml");

#[test]
fn a_hidden_metrics_path_and_bad_buckets_are_reported_at_file_line_col() {
    let (compiled, diagnostics) = strata_codegen::compile_toml(BAD, None);
    assert!(compiled.is_none(), "errors stop the build");
    let found: Vec<(&str, Level)> = diagnostics.iter().map(|d| (d.code, d.level)).collect();
    assert_eq!(
        found,
        [
            ("S1101", Level::Error),
            ("S0704", Level::Error),
            ("S0704", Level::Error)
        ],
        "{diagnostics:?}"
    );
    let rendered = human(
        Source {
            name: "stack.toml",
            text: BAD,
        },
        &diagnostics,
    );
    for expected in [
        "S1101",
        "stack.toml:5:29",
        "hides the metrics endpoint `/internal/metrics`",
        "stack.toml:9:8",
        "stack.toml:10:25",
        "`metrics.buckets`: 0.01 does not come after 0.05",
        "stack.toml:10:31",
        "`metrics.buckets`: inf is not a positive number of seconds",
    ] {
        assert!(rendered.contains(expected), "{expected:?} in\n{rendered}");
    }
}

#[test]
fn fractional_and_integer_buckets_lower_to_the_layer() {
    let good = "[trace_context]\n[access_log]\nspan = false\n[metrics]\nbuckets = [0.25, 1, 2.5, 1e1]\n";
    let (compiled, diagnostics) = strata_codegen::compile_toml(good, None);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let compiled = compiled.unwrap();
    let names: Vec<&str> = compiled.plan.layers.iter().map(|layer| layer.name.as_str()).collect();
    assert_eq!(names, ["trace_context", "access_log", "metrics"]);
    let tokens = strata_codegen::lower::stack_expr(
        &compiled.spec,
        &compiled.plan,
        quote::quote!(app),
        &strata_codegen::lower::Cx::new(true),
    )
    .to_string()
    .replace(' ', "");
    for expected in [
        "static__STRATA_METRICS_BUCKETS:&[f64]=&[0.25f64,1f64,2.5f64,10f64];",
        "TraceContextLayer::new(true)",
        ".with_span(false)",
        "MetricsLayer::new(\"/metrics\",__STRATA_METRICS_BUCKETS)",
        "RouteHook::new(__strata_router)).record_routes()",
    ] {
        assert!(tokens.contains(expected), "{expected} in {tokens}");
    }
}
