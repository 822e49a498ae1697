//! `strata`: check, generate and explain middleware stacks described in
//! `stack.toml` (or in a Rust file's `#[strata::stack(...)]` attribute).
//! Every command is a thin shell over `strata-codegen`, the same compiler
//! the `#[strata::stack]` macro and build.rs use.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_codegen::audit;
use strata_codegen::diag::Diagnostics;
use strata_codegen::explain::{self, Description};
use strata_codegen::render::{self, Source, human, json};
use strata_codegen::{Compiled, module, schema};

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
        /// The description: a stack.toml, or a Rust file whose
        /// #[strata::stack(...)] attributes are checked.
        #[arg(default_value = "stack.toml")]
        file: PathBuf,
        /// The [profile.NAME] to apply (default: none, the base tables).
        #[arg(long)]
        profile: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Also run the production audit (S13xx); exit 1 when any fires.
        #[arg(long)]
        deploy: bool,
        /// With --deploy: an audit finding (S13xx) this deployment has
        /// dealt with elsewhere, e.g. `--allow S1313` when the proxy in front
        /// blocks /metrics. Repeatable. Errors cannot be allowed.
        #[arg(long, value_name = "CODE", requires = "deploy")]
        allow: Vec<String>,
    },
    /// Render the stack as a Rust module (`stack(app)`, `try_stack(app)`).
    Gen {
        /// The description file.
        #[arg(default_value = "stack.toml")]
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
        /// A stack.toml, or a Rust file whose #[strata::stack(...)]
        /// attributes are explained (`strata explain src/main.rs`).
        #[arg(default_value = "stack.toml")]
        file: PathBuf,
        #[arg(long)]
        profile: Option<String>,
        #[arg(long, value_enum, default_value_t = Picture::Text)]
        format: Picture,
    },
    /// Write a Cargo.toml, a commented stack.toml, its JSON Schema and a
    /// minimal axum src/main.rs that uses it: `cargo run` serves it.
    Init {
        /// The project folder.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The package name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
        /// Depend on strata at this path instead of the crates.io release
        /// (a checkout of strata, for instance).
        #[arg(long)]
        strata_path: Option<PathBuf>,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of stack.toml, for editor completion.
    Schema,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Picture {
    Text,
    Mermaid,
    Dot,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Output::default();
    match run(cli.command, &mut out) {
        Ok(code) => code,
        Err(message) => {
            out.error(&format!("error: {message}\n"));
            ExitCode::from(2)
        }
    }
}

/// stdout and stderr without panics: `println!` panics when the reader has
/// gone (`strata schema | head`). A closed stdout stops the printing, not
/// the command, which still exits with its own status; a closed stderr is
/// ignored, there being nowhere left to say so.
#[derive(Debug, Default)]
struct Output {
    closed: bool,
}

impl Output {
    fn print(&mut self, text: &str) -> Result<(), String> {
        if self.closed {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(error) => Err(format!("cannot write to stdout: {error}")),
        }
    }

    fn error(&mut self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// One stack to report on: a stack.toml, or one attribute of a Rust file.
struct Unit {
    /// How the stack is named in output: `stack.toml`, or `src/main.rs: fn app`.
    title: String,
    /// The file the diagnostics point into, as the user names it, and its text.
    name: String,
    text: String,
    compiled: Option<Compiled>,
    diagnostics: Diagnostics,
}

impl Unit {
    fn source(&self) -> Source<'_> {
        Source {
            name: &self.name,
            text: &self.text,
        }
    }

    /// Prints the diagnostics to stderr; the compiled stack, if any.
    fn report(&self, out: &mut Output) -> Option<&Compiled> {
        if !self.diagnostics.is_empty() {
            out.error(&human(self.source(), &self.diagnostics));
        }
        self.compiled.as_ref()
    }

    fn audit_findings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| audit::is_audit_code(diagnostic.code))
            .count()
    }
}

fn read(file: &Path) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|error| format!("cannot read {}: {error}", file.display()))
}

fn is_rust(file: &Path) -> bool {
    file.extension().is_some_and(|extension| extension == "rs")
}

/// Reads `file` and compiles every stack it describes: one for a stack.toml,
/// one per `#[strata::stack(...)]` for a Rust file. With `deploy`, the
/// production audit's findings are among the diagnostics.
fn load(file: &Path, profile: Option<&str>, deploy: bool) -> Result<Vec<Unit>, String> {
    let text = read(file)?;
    let name = file.display().to_string();
    if is_rust(file) {
        if profile.is_some() {
            return Err(format!(
                "--profile applies to a stack.toml; in {name} the attribute chooses it (`profile = \"...\"`)"
            ));
        }
        return load_rust(file, name, text, deploy);
    }
    let (compiled, diagnostics) = compile_toml(&text, profile, deploy);
    Ok(vec![Unit {
        title: name.clone(),
        name,
        text,
        compiled,
        diagnostics,
    }])
}

fn compile_toml(text: &str, profile: Option<&str>, deploy: bool) -> (Option<Compiled>, Diagnostics) {
    if deploy {
        audit::audit_toml(text, profile)
    } else {
        strata_codegen::compile_toml(text, profile)
    }
}

fn load_rust(file: &Path, name: String, text: String, deploy: bool) -> Result<Vec<Unit>, String> {
    let stacks = match explain::rust_stacks(&text) {
        Ok(stacks) => stacks,
        Err(diagnostic) => {
            let mut diagnostics = Diagnostics::default();
            diagnostics.push(diagnostic);
            return Ok(vec![Unit {
                title: name.clone(),
                name,
                diagnostics: render::spans_to_bytes(diagnostics),
                text,
                compiled: None,
            }]);
        }
    };
    if stacks.is_empty() {
        return Err(format!(
            "{name} has no #[strata::stack(...)] attribute; give a stack.toml, or the Rust file that has the attribute"
        ));
    }
    let mut units = Vec::new();
    for stack in stacks {
        let title = match &stack.condition {
            Some(condition) => format!("{name}: fn {} (when {condition})", stack.function),
            None => format!("{name}: fn {}", stack.function),
        };
        units.push(match stack.description {
            Description::File { ref path, ref profile } => {
                // Relative to the crate's Cargo.toml, as the macro reads it.
                let toml = crate_root(file).join(path);
                let toml_text = read(&toml)?;
                let (compiled, diagnostics) = compile_toml(&toml_text, profile.as_deref(), deploy);
                Unit {
                    title: match profile {
                        Some(profile) => format!("{title}, {path} with profile `{profile}`"),
                        None => format!("{title}, {path}"),
                    },
                    name: relative_to_here(&toml).display().to_string(),
                    text: toml_text,
                    compiled,
                    diagnostics,
                }
            }
            Description::Unreadable(ref error) => {
                let mut diagnostics = Diagnostics::default();
                diagnostics.push(error.clone());
                Unit {
                    title,
                    name: name.clone(),
                    text: text.clone(),
                    compiled: None,
                    diagnostics: render::spans_to_bytes(diagnostics),
                }
            }
            Description::Inline(ref document) => {
                let (compiled, mut diagnostics) = strata_codegen::compile(document);
                if deploy && let Some(compiled) = &compiled {
                    let findings = audit::audit(audit::Target {
                        spec: &compiled.spec,
                        document,
                        missing_at: &stack.at,
                        profile: None,
                    });
                    diagnostics = audit::supersede(diagnostics, findings);
                }
                Unit {
                    title,
                    name: name.clone(),
                    text: text.clone(),
                    compiled,
                    diagnostics: render::spans_to_bytes(diagnostics),
                }
            }
        });
    }
    Ok(units)
}

/// `path` as seen from the current folder, when it is below it.
fn relative_to_here(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|here| path.strip_prefix(here).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// The folder of the nearest Cargo.toml above `file`, where the macro
/// resolves `file = "..."`; the current folder when there is none.
fn crate_root(file: &Path) -> PathBuf {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    absolute
        .ancestors()
        .skip(1)
        .find(|folder| folder.join("Cargo.toml").is_file())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn run(command: Command, out: &mut Output) -> Result<ExitCode, String> {
    match command {
        Command::Check {
            file,
            profile,
            format,
            deploy,
            allow,
        } => check(&file, profile.as_deref(), format, deploy, &allow, out),
        Command::Gen {
            file,
            output,
            profile,
            check,
        } => generate(&file, &output, profile.as_deref(), check, out),
        Command::Explain { file, profile, format } => {
            let units = load(&file, profile.as_deref(), false)?;
            let mut failed = false;
            for (index, unit) in units.iter().enumerate() {
                let Some(compiled) = unit.report(out) else {
                    failed = true;
                    continue;
                };
                let picture = match format {
                    Picture::Text => explain::text(compiled, &unit.title),
                    Picture::Mermaid if units.len() > 1 => {
                        format!("%% {}\n{}", unit.title, explain::mermaid(compiled))
                    }
                    Picture::Mermaid => explain::mermaid(compiled),
                    Picture::Dot if units.len() > 1 => format!("// {}\n{}", unit.title, explain::dot(compiled)),
                    Picture::Dot => explain::dot(compiled),
                };
                if index > 0 {
                    out.print("\n")?;
                }
                out.print(&picture)?;
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Init {
            dir,
            name,
            strata_path,
            force,
        } => init(&dir, name, strata_path.as_deref(), force, out),
        Command::Schema => {
            let schema = serde_json::to_string_pretty(&schema::schema()).map_err(|e| e.to_string())?;
            out.print(&format!("{schema}\n"))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(
    file: &Path,
    profile: Option<&str>,
    format: Format,
    deploy: bool,
    allow: &[String],
    out: &mut Output,
) -> Result<ExitCode, String> {
    if let Some(code) = allow.iter().find(|code| !audit::is_audit_code(code)) {
        return Err(format!(
            "--allow {code}: only production-audit findings (S1301 to S1313) can be allowed; errors must be fixed"
        ));
    }
    let mut units = load(file, profile, deploy)?;
    for unit in &mut units {
        unit.diagnostics
            .retain(|diagnostic| !allow.iter().any(|code| code == diagnostic.code));
    }
    let failed = units
        .iter()
        .any(|unit| unit.compiled.is_none() || (deploy && unit.audit_findings() > 0));
    match format {
        Format::Human => {
            for unit in &units {
                let Some(compiled) = unit.report(out) else {
                    continue;
                };
                let layers = match compiled.plan.scopes.len() {
                    0 => format!("{} layers", compiled.plan.layers.len()),
                    scopes => format!("{} layers, {scopes} scopes", compiled.spec.layers.len()),
                };
                let findings = unit.audit_findings();
                if !deploy {
                    out.print(&format!("{}: ok, {layers}\n", unit.title))?;
                } else if findings == 0 {
                    let audited = match profile {
                        Some(profile) => format!("profile `{profile}`"),
                        None => "no profile".to_string(),
                    };
                    out.print(&format!(
                        "{}: ok, {layers}; production audit ({audited}): no findings\n",
                        unit.title
                    ))?;
                } else {
                    out.error(&format!(
                        "{}: the production audit found {findings} problem(s) (S13xx); each says how to fix it\n",
                        unit.title
                    ));
                }
            }
        }
        Format::Json => {
            let records: Vec<serde_json::Value> = units
                .iter()
                .flat_map(|unit| match json(unit.source(), &unit.diagnostics) {
                    serde_json::Value::Array(records) => records,
                    other => vec![other],
                })
                .collect();
            let text = serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?;
            out.print(&format!("{text}\n"))?;
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn generate(
    file: &Path,
    output: &Path,
    profile: Option<&str>,
    check: bool,
    out: &mut Output,
) -> Result<ExitCode, String> {
    if is_rust(file) {
        return Err(format!(
            "`strata gen` renders a stack.toml; the stack of {} is compiled by its #[strata::stack] attribute",
            file.display()
        ));
    }
    let mut units = load(file, profile, false)?;
    let unit = units.remove(0);
    let Some(compiled) = unit.report(out) else {
        return Ok(ExitCode::FAILURE);
    };
    let origin = module::Origin {
        source: &unit.name,
        text: &unit.text,
        profile,
    };
    let rendered = module::render(compiled, origin)?;
    let existing = std::fs::read_to_string(output).ok();
    let again = format!(
        "strata gen {} -o {}{}",
        unit.name,
        output.display(),
        profile.map(|p| format!(" --profile {p}")).unwrap_or_default()
    );
    if check {
        return Ok(match existing {
            Some(existing) if existing == rendered => {
                out.print(&format!("{} is up to date with {}\n", output.display(), unit.name))?;
                ExitCode::SUCCESS
            }
            Some(_) => {
                out.error(&format!("{} is stale: run `{again}`\n", output.display()));
                ExitCode::FAILURE
            }
            None => {
                out.error(&format!("{} is missing: run `{again}`\n", output.display()));
                ExitCode::FAILURE
            }
        });
    }
    if existing.as_deref() != Some(rendered.as_str()) {
        std::fs::write(output, &rendered).map_err(|error| format!("cannot write {}: {error}", output.display()))?;
    }
    out.print(&format!(
        "wrote {} ({} layers)\n",
        output.display(),
        compiled.spec.layers.len()
    ))?;
    Ok(ExitCode::SUCCESS)
}

const INIT_CARGO: &str = include_str!("../../templates/init/Cargo.toml.j2");
const INIT_STACK: &str = include_str!("../../templates/init/stack.toml.j2");
const INIT_MAIN: &str = include_str!("../../templates/init/main.rs.j2");

/// A package name cargo accepts, from a folder name: `My App` → `my-app`.
fn package_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '_' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    name = name.trim_matches('-').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "app-");
    }
    name.trim_end_matches('-').to_string()
}

fn init(
    dir: &Path,
    name: Option<String>,
    strata_path: Option<&Path>,
    force: bool,
    out: &mut Output,
) -> Result<ExitCode, String> {
    let name = match name {
        Some(name) => name,
        None => {
            let absolute = std::path::absolute(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
            let folder = absolute
                .components()
                .next_back()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            package_name(&folder)
        }
    };
    let schema = serde_json::to_string_pretty(&schema::schema()).map_err(|e| e.to_string())?;
    let files = [
        (dir.join("Cargo.toml"), INIT_CARGO),
        (dir.join("stack.toml"), INIT_STACK),
        (dir.join("stack.schema.json"), "{{ schema }}"),
        (dir.join("src").join("main.rs"), INIT_MAIN),
    ];
    if !force && let Some((existing, _)) = files.iter().find(|(path, _)| path.exists()) {
        out.error(&format!("{} exists; use --force to overwrite\n", existing.display()));
        return Ok(ExitCode::FAILURE);
    }
    let mut environment = minijinja::Environment::new();
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // TOML basic strings: a Windows path's backslashes must be escaped.
    let strata_path = strata_path.map(|path| path.display().to_string().replace('\\', "\\\\"));
    let context = minijinja::context! {
        version => env!("CARGO_PKG_VERSION"),
        name => name,
        strata_path => strata_path,
        schema => schema,
    };
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
        out.print(&format!("wrote {}\n", path.display()))?;
    }
    let here = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    out.print(&format!(
        "next: `{here}cargo run` serves the app on http://127.0.0.1:8080 (PORT and HOST change it); \
         debug builds use [profile.dev] of stack.toml, release builds the base tables\n"
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::package_name;

    #[test]
    fn folder_names_become_package_names() {
        assert_eq!(package_name("init-app"), "init-app");
        assert_eq!(package_name("My App"), "my-app");
        assert_eq!(package_name("2fast"), "app-2fast");
        assert_eq!(package_name("..."), "app");
        assert_eq!(package_name("tmp.X1y2"), "tmp-x1y2");
    }
}
