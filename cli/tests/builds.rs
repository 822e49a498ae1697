//! Crates a user would write, built for real with cargo: the app `strata
//! init` scaffolds in an empty folder (built, then served and asked over a
//! socket), and a build.rs crate whose `custom` layer is not a Layer (the
//! error must name the stack.toml line and column).
//!
//! They build offline, with this checkout's Cargo.lock (the same versions as
//! the workspace, already downloaded) into this workspace's own target
//! folder, so most dependencies are already compiled. Measured on the
//! 2-core machine: about 1.5 min for the first build after a clean
//! workspace build (the user crates' feature sets differ from the
//! workspace's for some dependencies), seconds after that.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// This workspace's target folder (`CARGO_TARGET_TMPDIR` is `target/tmp`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf()
}

/// `cargo build --offline` in `dir`; the status and stderr.
fn cargo_build(dir: &Path) -> (bool, String) {
    std::fs::copy(checkout().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", target_dir())
        // Non-incremental: the user crates are built once per run.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("RUSTC_WRAPPER")
        .stdout(Stdio::null())
        .output()
        .unwrap();
    eprintln!(
        "cargo build of {} took {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Kills the app when the test ends, passed or failed.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(address: &str, host: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn strata_init_in_an_empty_folder_builds_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_strata"))
        .current_dir(dir.path())
        .args(["init", "--name", "strata-init-smoke", "--strata-path"])
        .arg(checkout())
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let (built, stderr) = cargo_build(dir.path());
    assert!(built, "the scaffold does not build:\n{stderr}");

    // PORT=0: the app binds a free port and prints it.
    let binary = target_dir().join("debug").join("strata-init-smoke");
    let mut app = Running(
        Command::new(binary)
            .env("PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(app.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .strip_prefix("serving on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    assert!(!address.ends_with(":8080"), "PORT was read: {line}");
    let response = get(&address, "localhost");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("hello from strata\n"), "{response}");
    assert!(response.contains("x-request-id: "), "{response}");
    // A debug build applies [profile.dev], which turns trusted_host off: a
    // host the base tables refuse (400) is served.
    let other_host = get(&address, "anything.invalid");
    assert!(other_host.starts_with("HTTP/1.1 200 OK\r\n"), "{other_host}");
}

#[test]
fn a_custom_layer_that_is_not_a_layer_is_reported_at_its_stack_toml_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = checkout();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let manifest = format!(
        r#"[package]
name = "strata-buildrs-smoke"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
strata = {{ path = "{root}" }}
axum = {{ version = "0.8.9", default-features = false, features = ["tokio", "http1"] }}

[build-dependencies]
strata-codegen = {{ path = "{root}/codegen" }}
"#,
        root = root.display()
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::write(
        dir.path().join("build.rs"),
        "fn main() -> Result<(), Box<dyn std::error::Error>> {\n    strata_codegen::Builder::new().file(\"stack.toml\").compile()?;\n    Ok(())\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("stack.toml"),
        "[request_id]\n\n[[custom]]\nname = \"audit\"\nlayer = \"std::time::Duration::from_secs(5)\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/main.rs"),
        "strata::include_stack!();\n\nfn main() {\n    let _ = stack(axum::Router::new());\n}\n",
    )
    .unwrap();
    let (built, stderr) = cargo_build(dir.path());
    assert!(!built, "a Duration is not a Layer");
    // The first error names the place in stack.toml, not only OUT_DIR.
    let first = stderr
        .lines()
        .find(|line| line.starts_with("error"))
        .unwrap_or_default();
    assert_eq!(
        first, "error[E0277]: stack.toml:5:9: the `layer` of custom `audit` is not a tower `Layer`: `Duration`",
        "{stderr}"
    );
    assert!(stderr.contains("fix `layer = \"...\"` at stack.toml:5:9"), "{stderr}");
}
