//! The generated module of `strata gen` and build.rs: the same lowered stack
//! the macro emits, rendered through `templates/module.rs.j2` and formatted.

use crate::Compiled;
use crate::lower::{Cx, stack_expr};
use crate::middleware::Config;
use crate::model::StackSpec;
use minijinja::{AutoEscape, Environment, context};
use quote::quote;
use sha2::{Digest, Sha256};

const TEMPLATE: &str = include_str!("../../templates/module.rs.j2");

/// Where the module came from, for its header.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    /// The source file as the user names it (`stack.toml`).
    pub source: &'a str,
    /// The source's text, whose digest the header records.
    pub text: &'a str,
    pub profile: Option<&'a str>,
}

/// The hex sha256 of the source text, as the header records it.
pub fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Renders and formats the module. Fails only if the template and the
/// lowering disagree, which is a bug in strata, reported as such.
pub fn render(compiled: &Compiled, origin: Origin<'_>) -> Result<String, String> {
    let spec = located_custom_layers(compiled, origin);
    let stack = stack_expr(&spec, &compiled.plan, quote!(app), &Cx::new(true).declaring_gates());
    let service_type = crate::emit::service_type();
    let layers: Vec<minijinja::Value> = compiled
        .plan
        .layers
        .iter()
        .map(|placed| context! { name => placed.name.clone(), reason => placed.reason.clone() })
        .collect();
    let scopes: Vec<minijinja::Value> = compiled
        .plan
        .scopes
        .iter()
        .map(|scope| {
            let names: Vec<String> = scope.layers.iter().map(|p| format!("`{}`", p.name)).collect();
            context! { pattern => scope.pattern.clone(), layers => names.join(" → ") }
        })
        .collect();
    let order = compiled.spec.order.name();
    let mut environment = Environment::new();
    environment.set_auto_escape_callback(|_| AutoEscape::None);
    // What the header quotes from the description (the file's name, the
    // profile, a scope's path, a custom layer's name) must stay inside its
    // `//` comment: a newline in a TOML string would end the comment and
    // put the rest of the line into the code.
    environment.add_filter("comment", |text: String| one_line(&text));
    let rendered = environment
        .render_str(
            TEMPLATE,
            context! {
                source => origin.source,
                profile => origin.profile,
                digest => digest(origin.text),
                order => order,
                layers => layers,
                scopes => scopes,
                service_type => service_type.to_string(),
                stack => stack.to_string(),
            },
        )
        .map_err(|error| format!("strata bug: the module template failed to render: {error}"))?;
    // The header is plain `//` comments (an `include!`d file cannot carry
    // inner `//!` docs), which the formatter would drop: format the code only.
    let code_start = rendered
        .lines()
        .take_while(|line| line.starts_with("//"))
        .map(|line| line.len() + 1)
        .sum::<usize>()
        .min(rendered.len());
    let (header, code) = rendered.split_at(code_start);
    // Parsing and formatting recurse through the user's `layer` expressions:
    // on a stack of their own (`parse::limits`).
    let formatted = crate::parse::limits::on_big_stack(|| {
        syn::parse_str::<syn::File>(code)
            .map(|file| prettyplease::unparse(&file))
            .map_err(|error| format!("strata bug: the generated module does not parse: {error}"))
    })?;
    Ok(format!("{header}\n{formatted}"))
}

/// `text` with its control characters escaped (`\n`, `\u{7f}`), so that it
/// fits on one comment line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The spec with each `custom` layer's expression wrapped in a check whose
/// error names where its `layer = "..."` is written (`stack.toml:16:9`).
/// rustc reports errors in the generated file (`OUT_DIR/strata_stack.rs`),
/// which the user never wrote; a value that is not a tower `Layer` fails in
/// this check first, with a message that points back at the description.
fn located_custom_layers(compiled: &Compiled, origin: Origin<'_>) -> StackSpec {
    let private = crate::ir::private();
    let source = crate::render::Source {
        name: origin.source,
        text: origin.text,
    };
    let mut spec = compiled.spec.clone();
    for layer in &mut spec.layers {
        let Config::Custom(custom) = &mut layer.config else {
            continue;
        };
        let name = custom.display_name();
        let Some(layer) = &mut custom.layer else { continue };
        let at = source.position(&layer.loc);
        let location = format!("{}:{}:{}", origin.source, at.line, at.column);
        // `{` and `}` are on_unimplemented's placeholders.
        let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
        let message = format!(
            "{}: the `layer` of custom `{}` is not a tower `Layer`: `{{Self}}`",
            escape(&location),
            escape(&name)
        );
        let label = format!("the `layer` written at {}", escape(&location));
        let note = format!(
            "fix `layer = \"...\"` at {}: write a Rust expression that builds a tower Layer",
            escape(&location)
        );
        let expr = &layer.value;
        layer.value = quote! {{
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            trait WrittenInTheDescription {}
            impl<L: #private::runtime::custom::CustomLayer> WrittenInTheDescription for L {}
            fn written_at<L: WrittenInTheDescription>(layer: L) -> L {
                layer
            }
            written_at(#expr)
        }};
    }
    spec
}

/// The digest recorded in a generated module's header, if it has one.
pub fn recorded_digest(module: &str) -> Option<&str> {
    module
        .lines()
        .find_map(|line| line.strip_prefix("// sha256 of the source: "))
        .map(str::trim)
}
