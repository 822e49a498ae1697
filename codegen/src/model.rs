//! The model: what a description means, typed, with every value's location.
//!
//! [`read`] turns a [`Document`] (from either front door) into a
//! [`StackSpec`]. Reading reports what cannot even be typed: unknown
//! middlewares and keys (with a suggestion), duplicates, values of the wrong
//! type. Everything that can be typed but is wrong is left to the rules.

use crate::diag::{Diagnostic, Diagnostics, Loc, suggest};
use crate::middleware::{self, Config};
use crate::tree::{Document, Entry, ScopeEntry, Spanned, Value};

// Moved to a leaf module; re-exported for the middleware modules' old paths.
pub use crate::reader::{Kind, Reader};

/// Whether strata sorts the layers or keeps the written order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderMode {
    /// Sort by rank; the default.
    Canonical,
    /// Keep the written order and enforce the hard constraints on it.
    AsWritten,
}

impl OrderMode {
    /// The value of `order` that selects this mode.
    pub fn name(self) -> &'static str {
        match self {
            OrderMode::Canonical => "canonical",
            OrderMode::AsWritten => "as-written",
        }
    }
}

/// One middleware as written.
#[derive(Clone, Debug)]
pub struct Layer {
    /// The key as the user wrote it (`gzip` for a compression entry).
    pub key: Spanned<String>,
    pub config: Config,
    /// The scope it was written in (an index into [`StackSpec::scopes`]),
    /// or `None` for the whole app.
    pub scope: Option<usize>,
}

impl Layer {
    /// The canonical middleware name (`compression` for `gzip`), or the
    /// `name` of a custom layer.
    pub fn display_name(&self) -> String {
        match &self.config {
            Config::Custom(custom) => custom.display_name(),
            other => other.def().name.to_string(),
        }
    }
}

/// The typed description of one stack: the single input of validation,
/// ordering and lowering, whichever front door it came through.
#[derive(Clone, Debug)]
pub struct StackSpec {
    pub order: OrderMode,
    /// Every layer written: the whole app's, then each scope's.
    pub layers: Vec<Layer>,
    /// The profile the description was built for (TOML front door only).
    pub profile: Option<String>,
    /// The scopes, in written order. A branch's spec (see
    /// [`crate::scope::branches`]) has none.
    pub scopes: Vec<Scope>,
    /// In a branch's spec, the names of layers that only other branches
    /// have: a `before`/`after` naming one of them is no mistake here.
    pub elsewhere: Vec<String>,
}

/// `scope("/api/*", ...)`: a path pattern with its own middlewares.
#[derive(Clone, Debug)]
pub struct Scope {
    /// Where the scope is written (the `scope` keyword; TOML: its pattern).
    pub at: Loc,
    /// The pattern, checked: it starts with `/`, and a `*` is only a final `/*`.
    pub pattern: Spanned<String>,
    /// How many whole-app entries were written before it.
    pub position: usize,
}

impl StackSpec {
    /// Every configuration of one middleware type, in written order.
    pub fn each<'a, T: middleware::FromConfig + 'a>(&'a self) -> impl Iterator<Item = &'a T> + 'a {
        self.layers.iter().filter_map(|layer| T::from_config(&layer.config))
    }
}

/// Reads a document into the model, reporting every problem found.
pub fn read(document: &Document, diagnostics: &mut Diagnostics) -> StackSpec {
    let mut order = OrderMode::Canonical;
    let mut settings = Reader::new("stack", &document.settings, diagnostics);
    if let Some(mode) = settings.string("order") {
        match mode.value.as_str() {
            "canonical" => order = OrderMode::Canonical,
            "as-written" => order = OrderMode::AsWritten,
            other => settings.diagnostics.push(
                Diagnostic::error(
                    crate::rules::WRONG_VALUE,
                    &mode.loc,
                    format!("`order` must be \"canonical\" or \"as-written\", found \"{other}\""),
                )
                .help("remove `order` to let strata sort the layers, or write order = \"as-written\""),
            ),
        }
    }
    settings.finish();

    let mut layers = Vec::new();
    for entry in &document.middlewares {
        read_layer(entry, None, &mut layers, diagnostics);
    }
    let mut scopes: Vec<Scope> = Vec::new();
    for written in &document.scopes {
        let scope = crate::scope::read(written, &scopes, diagnostics);
        scopes.push(scope);
        for entry in &written.middlewares {
            read_scoped_layer(entry, written, scopes.len() - 1, &mut layers, diagnostics);
        }
    }
    StackSpec {
        order,
        layers,
        profile: document.profile.clone(),
        scopes,
        elsewhere: Vec::new(),
    }
}

/// A middleware written inside a scope: read as at the top level, unless it
/// applies to the whole app (S1201) or is itself a scope.
fn read_scoped_layer(
    entry: &Entry,
    scope: &ScopeEntry,
    index: usize,
    layers: &mut Vec<Layer>,
    diagnostics: &mut Diagnostics,
) {
    let name = entry.key.value.as_str();
    if name == "scope" {
        diagnostics.push(
            Diagnostic::error(crate::rules::SCOPE, &entry.key.loc, "scopes do not nest").help(
                "write the inner scope at the top level with its full pattern; the longest matching pattern wins",
            ),
        );
        return;
    }
    if let Some(def) = middleware::lookup(name)
        && let Some(why) = def.whole_app
    {
        diagnostics.push(
            Diagnostic::error(
                crate::rules::SCOPE,
                &entry.key.loc,
                format!(
                    "`{}` applies to the whole app; it cannot go in scope \"{}\"",
                    def.name, scope.pattern.value
                ),
            )
            .help(format!("move `{}` out of the scope: {why}", def.name)),
        );
        return;
    }
    read_layer(entry, Some(index), layers, diagnostics);
}

/// Reads one middleware entry into `layers`; a second entry of the same
/// middleware in the same place (the whole app, or one scope) is S0701.
fn read_layer(entry: &Entry, scope: Option<usize>, layers: &mut Vec<Layer>, diagnostics: &mut Diagnostics) {
    let name = entry.key.value.as_str();
    let Some(def) = middleware::lookup(name) else {
        let known = middleware::REGISTRY
            .iter()
            .flat_map(|def| std::iter::once(def.name).chain(def.aliases.iter().copied()));
        let mut error = Diagnostic::error(
            crate::rules::UNKNOWN_OR_DUPLICATE,
            &entry.key.loc,
            format!("unknown middleware `{name}`"),
        );
        error = match suggest(name, known) {
            Some(near) => error.help(format!("did you mean `{near}`?")),
            None => error.help(format!(
                "the middlewares are: {}",
                middleware::REGISTRY
                    .iter()
                    .map(|d| d.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        diagnostics.push(error);
        return;
    };
    let entries: &[Entry] = match &entry.value.value {
        Value::Table(table) => &table.entries,
        other => {
            diagnostics.push(
                Diagnostic::error(
                    crate::rules::WRONG_VALUE,
                    &entry.value.loc,
                    format!("`{name}` takes a table of options, found {}", other.kind()),
                )
                .help(format!(
                    "write `{name}` alone for the defaults, or `{name}(key = value, ...)`"
                )),
            );
            return;
        }
    };
    if def.name != "custom"
        && let Some(first) = layers
            .iter()
            .find(|l: &&Layer| l.scope == scope && l.config.def().name == def.name)
    {
        diagnostics.push(
            Diagnostic::error(
                crate::rules::UNKNOWN_OR_DUPLICATE,
                &entry.key.loc,
                format!(
                    "`{}` appears twice in {}",
                    def.name,
                    if scope.is_some() { "the scope" } else { "the stack" }
                ),
            )
            .note(&first.key.loc, "first declared here")
            .help("merge the two entries into one"),
        );
        return;
    }
    let mut reader = Reader::new(def.name, entries, diagnostics);
    let mut config = (def.read)(&mut reader, &entry.key.loc);
    reader.finish();
    if let Config::Custom(custom) = &mut config {
        custom.ordinal = 1 + layers
            .iter()
            .filter(|l: &&Layer| matches!(l.config, Config::Custom(_)))
            .count();
    }
    layers.push(Layer {
        key: entry.key.clone(),
        config,
        scope,
    });
}
