//! The deepest stack builds in release (issue 11): every built-in
//! middleware and 16 custom layers, `examples/deep-stack`, with the binary
//! that serves it, so that every layer's service and response future is
//! compiled. rustc's E0275 ("overflow evaluating the requirement") showed
//! only in release builds, where the optimiser walks the nested response
//! futures; a user must never meet it. A debug build of the same crate is
//! part of `cargo test --workspace` already. `benches/compile_budget.sh`
//! builds stacks of 4 to 30 layers in release too (BENCHMARKS.md, section 12).

use std::path::Path;
use std::process::Command;

#[test]
fn the_deepest_stack_builds_in_release() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/deep-stack/Cargo.toml");
    // A target directory of its own: the outer `cargo test` holds its own.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deep-stack-release");
    let output = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the deep stack does not build in release:\n{stderr}"
    );
    assert!(!stderr.contains("E0275"), "{stderr}");
}
