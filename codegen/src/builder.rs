//! The build.rs front door, in the prost-build convention:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     strata_codegen::Builder::new().file("stack.toml").profile("prod").compile()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate, `strata::include_stack!();` brings in `stack(app)` and
//! `try_stack(app)`. The module is written to `OUT_DIR` only when it changed,
//! and cargo reruns the script when the file changes.

use crate::module::{Origin, render};
use crate::render::{Source, human};
use std::fmt;
use std::path::{Path, PathBuf};

/// Compiles a `stack.toml` into `OUT_DIR/strata_stack.rs`.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    file: Option<PathBuf>,
    profile: Option<String>,
    out_dir: Option<PathBuf>,
    out_name: Option<String>,
}

/// A stack description that did not compile: its diagnostics, rendered as
/// `stack.toml:LINE:COL` snippets. `Debug` prints the same text, so that a
/// build script returning it with `?` shows readable diagnostics.
pub struct BuildError {
    rendered: String,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strata could not compile the stack:\n\n{}", self.rendered)
    }
}

impl std::error::Error for BuildError {}

impl BuildError {
    fn new(rendered: impl Into<String>) -> Self {
        BuildError {
            rendered: rendered.into(),
        }
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }

    /// The description file; relative paths are relative to `CARGO_MANIFEST_DIR`.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// The `[profile.NAME]` to apply; without one, the base tables are used.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Where to write; defaults to `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The generated file's name; defaults to `strata_stack.rs`.
    pub fn out_name(mut self, name: impl Into<String>) -> Self {
        self.out_name = Some(name.into());
        self
    }

    /// Reads, checks, orders and renders the stack; prints warnings as cargo
    /// warnings; fails with the rendered diagnostics on any error.
    pub fn compile(self) -> Result<PathBuf, BuildError> {
        let file = self.file.unwrap_or_else(|| PathBuf::from("stack.toml"));
        let path = match std::env::var_os("CARGO_MANIFEST_DIR") {
            Some(manifest) if file.is_relative() => Path::new(&manifest).join(&file),
            _ => file.clone(),
        };
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path)
            .map_err(|error| BuildError::new(format!("cannot read {}: {error}", path.display())))?;
        let name = file.display().to_string();
        let source = Source {
            name: &name,
            text: &text,
        };
        let (compiled, diagnostics) = crate::compile_toml(&text, self.profile.as_deref());
        let Some(compiled) = compiled else {
            return Err(BuildError::new(human(source, &diagnostics)));
        };
        if !diagnostics.is_empty() {
            for line in human(source, &diagnostics).lines() {
                println!("cargo:warning={line}");
            }
        }
        let module = render(
            &compiled,
            Origin {
                source: &name,
                text: &text,
                profile: self.profile.as_deref(),
            },
        )
        .map_err(BuildError::new)?;
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| {
                BuildError::new("OUT_DIR is not set: call Builder::compile from build.rs, or set out_dir")
            })?,
        };
        let out = out_dir.join(self.out_name.as_deref().unwrap_or("strata_stack.rs"));
        let unchanged = std::fs::read_to_string(&out).is_ok_and(|existing| existing == module);
        if !unchanged {
            std::fs::write(&out, module)
                .map_err(|error| BuildError::new(format!("cannot write {}: {error}", out.display())))?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Builder;

    /// The generated module wraps each custom layer in a check whose error
    /// names the stack.toml line and column (cli/tests/builds.rs builds such
    /// a crate and reads rustc's error).
    #[test]
    fn custom_layers_are_checked_with_their_stack_toml_location() {
        let dir = tempfile::tempdir().unwrap();
        let stack = dir.path().join("stack.toml");
        std::fs::write(
            &stack,
            "[request_id]\n\n[[custom]]\nname = \"audit\"\nlayer = \"crate::Audit::new()\"\n",
        )
        .unwrap();
        let out = Builder::new().file(&stack).out_dir(dir.path()).compile().unwrap();
        let module = std::fs::read_to_string(out).unwrap();
        let name = stack.display().to_string();
        for expected in [
            format!("message = \"{name}:5:9: the `layer` of custom `audit` is not a tower `Layer`: `{{Self}}`\""),
            format!("label = \"the `layer` written at {name}:5:9\""),
            "written_at(crate::Audit::new())".to_string(),
        ] {
            assert!(module.contains(&expected), "{expected}\n{module}");
        }
    }
}
