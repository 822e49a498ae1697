//! strata's cargo features, seen from an app outside this workspace (inside
//! it, the dev-dependencies turn every feature on):
//!
//! - a stack that uses a middleware or option whose feature is off fails to
//!   compile with an error that names the feature, spanned on what needs it,
//!   through the attribute and through the generated module alike; with the
//!   features on, the same crate compiles;
//! - an app with `cors`, `compression` and `request_id` alone does not build
//!   jsonwebtoken, rsa, hmac, redis, a regex engine, a TOML parser or
//!   libdeflate.
//!
//! Each runs cargo on a copy of a small crate under `target/`, with its own
//! target directory there and the workspace's `Cargo.lock` (the same
//! versions, all in the local cache: `--offline`). `cargo check` only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `from` (a crate in this repository that depends on strata by the
/// relative path `strata_path`) copied to `target/cargo-features/<name>`,
/// with that path made absolute and the workspace's lock beside it.
fn copy_crate(from: &Path, strata_path: &str, name: &str) -> PathBuf {
    let to = workspace().join("target/cargo-features").join(name);
    std::fs::create_dir_all(to.join("src")).unwrap();
    let manifest = std::fs::read_to_string(from.join("Cargo.toml")).unwrap();
    let relative = format!("path = \"{strata_path}\"");
    assert!(
        manifest.contains(&relative),
        "{} depends on strata by {relative}",
        from.display()
    );
    let absolute = format!("path = {:?}", workspace().display().to_string());
    std::fs::write(to.join("Cargo.toml"), manifest.replace(&relative, &absolute)).unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), to.join("Cargo.lock")).unwrap();
    for entry in std::fs::read_dir(from.join("src")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join("src").join(entry.file_name())).unwrap();
    }
    to
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .arg("--offline")
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/cargo-features/target"))
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap()
}

/// Each error of a human-readable rustc report: its first line and where
/// its `-->` points (`src/main.rs:12:5`), if anywhere.
fn errors(stderr: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if !line.starts_with("error") {
            continue;
        }
        let at = lines[index + 1..]
            .iter()
            .take_while(|next| !next.is_empty() && !next.starts_with("error"))
            .find_map(|next| next.trim_start().strip_prefix("--> "))
            .unwrap_or("");
        found.push((line.to_string(), at.to_string()));
    }
    found
}

#[test]
fn a_stack_that_needs_a_feature_that_is_off_names_it_and_compiles_once_it_is_on() {
    let fixture = workspace().join("tests/features-off");
    let app = copy_crate(&fixture, "../..", "features-off");
    std::fs::copy(fixture.join("stack.toml"), app.join("stack.toml")).unwrap();
    // What build.rs would write into OUT_DIR, or `strata gen` into src/.
    strata_codegen::Builder::new()
        .file(app.join("stack.toml"))
        .out_dir(app.join("src"))
        .out_name("generated.rs")
        .compile()
        .unwrap();
    let generated = std::fs::read_to_string(app.join("src/generated.rs")).unwrap();
    let gate_line = |feature: &str| {
        let marker = format!("::strata::__strata_require_{feature}!(");
        let index = generated
            .lines()
            .position(|line| line.contains(&marker))
            .unwrap_or_else(|| panic!("no gate for `{feature}` in the generated module:\n{generated}"));
        format!("src/generated.rs:{}:", index + 1)
    };

    let off = cargo(&app, &["check", "--quiet"]);
    let stderr = String::from_utf8_lossy(&off.stderr);
    assert!(!off.status.success(), "compiled with the features off:\n{stderr}");
    let found = errors(&stderr);
    let needs = |what: &str, feature: &str| {
        format!("error: strata: {what} needs strata's cargo feature `{feature}`, which is off")
    };
    // The attribute: one error per gate, on the token that needs it (line:column in src/main.rs).
    for (what, feature, at) in [
        ("`cors(allow_origin_regex = ...)`", "cors_regex", "src/main.rs:12:76"),
        (
            "`compression(algorithms = [\"br\"])`",
            "compression_br",
            "src/main.rs:13:39",
        ),
        ("`jwt`", "jwt", "src/main.rs:15:5"),
        ("`rate_limit(backend = \"redis\")`", "redis", "src/main.rs:16:53"),
        // A middleware with no dependencies of its own has its feature too.
        ("`timing`", "timing", "src/main.rs:17:5"),
        // `file = ...`: the macro's TOML reader, on the `file` key.
        ("`file = \"...\"`", "toml", "src/main.rs:25:17"),
    ] {
        let expected = (needs(what, feature), at.to_string());
        assert!(found.contains(&expected), "{expected:?} not in {found:#?}\n{stderr}");
    }
    assert!(
        stderr.contains(
            "help: add it to strata's features in Cargo.toml: strata = { version = \"...\", features = [\"jwt\"] }"
        ),
        "{stderr}"
    );
    // The generated module: the gates it declares, each reported.
    for (what, feature) in [
        ("`metrics`", "metrics"),
        ("`session`", "session"),
        ("`session(store = \"redis\")`", "redis"),
    ] {
        let expected = needs(what, feature);
        assert!(
            found
                .iter()
                .any(|(message, at)| *message == expected && at.starts_with(&gate_line(feature))),
            "{expected:?} at {} not in {found:#?}\n{stderr}",
            gate_line(feature)
        );
    }
    // The attribute passes what a gate holds only through the gate, so its
    // errors are the gates' alone; only the generated module (which keeps
    // its code readable) adds rustc's own about the paths it cannot find.
    let unexpected: Vec<_> = found
        .iter()
        .filter(|(message, at)| !message.starts_with("error: strata: ") && !at.starts_with("src/generated.rs"))
        .filter(|(message, _)| !message.starts_with("error: could not compile"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}\n{stderr}");

    let on = cargo(&app, &["check", "--quiet", "--features", "on"]);
    assert!(
        on.status.success(),
        "does not compile with the features on:\n{}",
        String::from_utf8_lossy(&on.stderr)
    );
}

#[test]
fn an_app_with_cors_compression_and_request_id_builds_no_jwt_rsa_hmac_redis_regex_or_toml() {
    let app = copy_crate(
        &workspace().join("benches/build-size/strata-app"),
        "../../..",
        "strata-app",
    );
    let tree = cargo(
        &app,
        &["tree", "--edges", "normal", "--prefix", "none", "--format", "{p}"],
    );
    let stdout = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.status.success(), "{}", String::from_utf8_lossy(&tree.stderr));
    let crates: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    // The app does build strata, its macro and the middlewares it uses.
    for needed in [
        "strata",
        "strata-macros",
        "strata-runtime",
        "async-compression",
        "flate2",
        "uuid",
    ] {
        assert!(crates.contains(&needed), "{needed} not in\n{stdout}");
    }
    for absent in [
        "jsonwebtoken",
        "rsa",
        "hmac",
        "redis",
        "regex-automata",
        "regex-syntax",
        "brotli",
        "zstd",
        "serde_json",
        // The macro's TOML reader (`file = ...`, the `toml` feature) and the
        // grown stack it no longer needs.
        "toml",
        "toml_parser",
        "winnow",
        "stacker",
        "psm",
        // `compression_libdeflate` is off: bodies in memory go through
        // flate2, and no C library is compiled.
        "libdeflater",
        "libdeflate-sys",
        // None of the middlewares that log is in the stack.
        "tracing",
        "tracing-core",
    ] {
        assert!(!crates.contains(&absent), "{absent} is built:\n{stdout}");
    }
}

/// Every feature strata's compiler can gate on has its gate macro in the
/// facade (src/features.rs) and is a feature of the facade: a gate it lacks
/// would fail every app that uses the middleware, features on or off.
#[test]
fn every_feature_the_compiler_gates_on_is_a_facade_feature_with_a_gate() {
    let gates = std::fs::read_to_string(workspace().join("src/features.rs")).unwrap();
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let features = &manifest[manifest.find("\n[features]\n").unwrap()..];
    for feature in strata_codegen::features::FEATURES {
        let gate = format!("{feature:?} => __strata_require_{feature},");
        assert!(gates.contains(&gate), "src/features.rs lacks `{gate}`");
        let declared = format!("\n{feature} = [");
        assert!(features.contains(&declared), "Cargo.toml [features] lacks `{feature}`");
    }
    // And each compiles here, where every feature is on.
    ::strata::__strata_require_api_key!("`api_key`");
    ::strata::__strata_require_compression!("`compression`");
    ::strata::__strata_require_compression_br!("`compression(algorithms = [\"br\"])`");
    ::strata::__strata_require_cors_regex!("`cors(allow_origin_regex = ...)`");
    ::strata::__strata_require_decompression!("`decompression`");
    ::strata::__strata_require_jwt!("`jwt`");
    ::strata::__strata_require_metrics!("`metrics`");
    ::strata::__strata_require_redis!("`rate_limit(backend = \"redis\")`");
    ::strata::__strata_require_session!("`session`");
    let held: u8 = ::strata::__strata_require_jwt! { "`jwt`" => 7 };
    assert_eq!(held, 7);
}
