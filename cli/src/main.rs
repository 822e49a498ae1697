//! `strata`: check, generate and explain middleware stacks described in
//! `stack.toml`. Every command is a thin shell over `strata-codegen`, the
//! same compiler the `#[strata::stack]` macro and build.rs use.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_codegen::render::{Source, human, json};
use strata_codegen::{Compiled, explain, module, schema};

#[derive(Debug, Parser)]
#[command(
    name = "strata",
    version,
    about = "Compile HTTP middleware stacks: check, generate, explain"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a stack description; exit 1 on any error.
    Check {
        /// The description file.
        #[arg(default_value = "stack.toml")]
        file: PathBuf,
        /// The [profile.NAME] to apply (default: none, the base tables).
        #[arg(long)]
        profile: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Render the stack as a Rust module (`stack(app)`, `try_stack(app)`).
    Gen {
        file: PathBuf,
        /// Where to write the module.
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long)]
        profile: Option<String>,
        /// Write nothing; exit 1 when OUTPUT is missing or stale.
        #[arg(long)]
        check: bool,
    },
    /// Show the onion: every layer outer → inner, and why it sits there.
    Explain {
        file: PathBuf,
        #[arg(long)]
        profile: Option<String>,
        #[arg(long, value_enum, default_value_t = Picture::Text)]
        format: Picture,
    },
    /// Write a commented stack.toml and a minimal axum src/main.rs.
    Init {
        /// The project folder.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of stack.toml, for editor completion.
    Schema,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Picture {
    Text,
    Mermaid,
    Dot,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A file read and compiled; diagnostics already printed when `quiet` is off.
struct Loaded {
    name: String,
    text: String,
    compiled: Option<Compiled>,
    diagnostics: strata_codegen::diag::Diagnostics,
}

fn load(file: &Path, profile: Option<&str>) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let (compiled, diagnostics) = strata_codegen::compile_toml(&text, profile);
    Ok(Loaded {
        name: file.display().to_string(),
        text,
        compiled,
        diagnostics,
    })
}

impl Loaded {
    fn source(&self) -> Source<'_> {
        Source {
            name: &self.name,
            text: &self.text,
        }
    }

    /// Prints the diagnostics to stderr; the compiled stack, if any.
    fn report(&self) -> Option<&Compiled> {
        if !self.diagnostics.is_empty() {
            eprint!("{}", human(self.source(), &self.diagnostics));
        }
        self.compiled.as_ref()
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Check { file, profile, format } => {
            let loaded = load(&file, profile.as_deref())?;
            match format {
                Format::Human => {
                    if loaded.report().is_none() {
                        return Ok(ExitCode::FAILURE);
                    }
                    let layers = loaded.compiled.as_ref().map_or(0, |c| c.plan.layers.len());
                    println!("{}: ok, {layers} layers", loaded.name);
                }
                Format::Json => {
                    let records = json(loaded.source(), &loaded.diagnostics);
                    println!("{}", serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?);
                    if loaded.compiled.is_none() {
                        return Ok(ExitCode::FAILURE);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            file,
            output,
            profile,
            check,
        } => {
            let loaded = load(&file, profile.as_deref())?;
            let Some(compiled) = loaded.report() else {
                return Ok(ExitCode::FAILURE);
            };
            let origin = module::Origin {
                source: &loaded.name,
                text: &loaded.text,
                profile: profile.as_deref(),
            };
            let rendered = module::render(compiled, origin)?;
            let existing = std::fs::read_to_string(&output).ok();
            if check {
                if existing.as_deref() == Some(rendered.as_str()) {
                    println!("{} is up to date with {}", output.display(), loaded.name);
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!(
                    "{} is stale: run `strata gen {} -o {}{}`",
                    output.display(),
                    loaded.name,
                    output.display(),
                    profile.map(|p| format!(" --profile {p}")).unwrap_or_default()
                );
                return Ok(ExitCode::FAILURE);
            }
            if existing.as_deref() != Some(rendered.as_str()) {
                std::fs::write(&output, &rendered)
                    .map_err(|error| format!("cannot write {}: {error}", output.display()))?;
            }
            println!("wrote {} ({} layers)", output.display(), compiled.plan.layers.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { file, profile, format } => {
            let loaded = load(&file, profile.as_deref())?;
            let Some(compiled) = loaded.report() else {
                return Ok(ExitCode::FAILURE);
            };
            let picture = match format {
                Picture::Text => explain::text(compiled, &loaded.name),
                Picture::Mermaid => explain::mermaid(compiled),
                Picture::Dot => explain::dot(compiled),
            };
            print!("{picture}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&schema::schema()).map_err(|e| e.to_string())?;
            println!("{schema}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

const INIT_STACK: &str = include_str!("../../templates/init/stack.toml.j2");
const INIT_MAIN: &str = include_str!("../../templates/init/main.rs.j2");

fn init(dir: &Path, force: bool) -> Result<ExitCode, String> {
    let files = [
        (dir.join("stack.toml"), INIT_STACK),
        (dir.join("src").join("main.rs"), INIT_MAIN),
    ];
    if !force && let Some((existing, _)) = files.iter().find(|(path, _)| path.exists()) {
        eprintln!("{} exists; use --force to overwrite", existing.display());
        return Ok(ExitCode::FAILURE);
    }
    let mut environment = minijinja::Environment::new();
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let context = minijinja::context! { version => env!("CARGO_PKG_VERSION") };
    for (path, template) in &files {
        let mut text = environment
            .render_str(template, &context)
            .map_err(|e| format!("strata bug: {e}"))?;
        // minijinja drops the template's final newline; files end with one.
        if !text.ends_with('\n') {
            text.push('\n');
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: add strata, axum, tokio (macros, rt-multi-thread) and tracing-subscriber to Cargo.toml, then `cargo run`"
    );
    Ok(ExitCode::SUCCESS)
}
