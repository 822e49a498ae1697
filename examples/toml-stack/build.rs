//! Compiles `stack.toml` into `OUT_DIR/strata_stack.rs` (the prost-build
//! convention). The profile is `dev` unless `STRATA_PROFILE` says otherwise:
//! `STRATA_PROFILE=prod cargo run -p toml-stack-example`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-env-changed=STRATA_PROFILE");
    let profile = std::env::var("STRATA_PROFILE").unwrap_or_else(|_| "dev".into());
    strata_codegen::Builder::new()
        .file("stack.toml")
        .profile(profile)
        .compile()?;
    Ok(())
}
