//! The model: what a description means, typed, with every value's location.
//!
//! [`read`] turns a [`Document`] (from either front door) into a
//! [`StackSpec`]. Reading reports what cannot even be typed: unknown
//! middlewares and keys (with a suggestion), duplicates, values of the wrong
//! type. Everything that can be typed but is wrong is left to the rules.

use crate::diag::{Diagnostic, Diagnostics, Loc, suggest};
use crate::middleware::{self, Config};
use crate::tree::{Document, Entry, Spanned, Value};
use proc_macro2::TokenStream;

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
    pub layers: Vec<Layer>,
    /// The profile the description was built for (TOML front door only).
    pub profile: Option<String>,
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
            continue;
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
                continue;
            }
        };
        if def.name != "custom"
            && let Some(first) = layers.iter().find(|l: &&Layer| l.config.def().name == def.name)
        {
            diagnostics.push(
                Diagnostic::error(
                    crate::rules::UNKNOWN_OR_DUPLICATE,
                    &entry.key.loc,
                    format!("`{}` appears twice in the stack", def.name),
                )
                .note(&first.key.loc, "first declared here")
                .help("merge the two entries into one"),
            );
            continue;
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
        });
    }
    StackSpec {
        order,
        layers,
        profile: document.profile.clone(),
    }
}

/// Typed access to one table's keys. Every key asked for is remembered, so
/// that [`Reader::finish`] can report the keys nobody asked for, with the
/// nearest known key as a suggestion.
#[derive(Debug)]
pub struct Reader<'a> {
    middleware: &'static str,
    entries: &'a [Entry],
    used: Vec<bool>,
    known: Vec<(&'static str, Kind)>,
    required: Vec<&'static str>,
    pub diagnostics: &'a mut Diagnostics,
}

/// The type of an option, as the reader asked for it: what `strata schema`
/// publishes, derived from the same calls that read the options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Strings,
    Bool,
    UInt,
    /// A Rust expression, written as a string in TOML.
    Expr,
    /// A nested table, or a boolean that switches it off or on.
    Nested,
}

impl<'a> Reader<'a> {
    pub fn new(middleware: &'static str, entries: &'a [Entry], diagnostics: &'a mut Diagnostics) -> Self {
        Reader {
            middleware,
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
            required: Vec::new(),
            diagnostics,
        }
    }

    fn take(&mut self, key: &'static str, kind: Kind) -> Option<&'a Entry> {
        self.known.push((key, kind));
        let mut found: Option<&'a Entry> = None;
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.key.value != key {
                continue;
            }
            self.used[index] = true;
            match found {
                None => found = Some(entry),
                Some(first) => self.diagnostics.push(
                    Diagnostic::error(
                        crate::rules::UNKNOWN_OR_DUPLICATE,
                        &entry.key.loc,
                        format!("`{}.{key}` is set twice", self.middleware),
                    )
                    .note(&first.key.loc, "first set here")
                    .help("keep one of the two"),
                ),
            }
        }
        found
    }

    fn wrong_type(&mut self, key: &str, expected: &str, found: &Spanned<Value>) {
        self.diagnostics.push(
            Diagnostic::error(
                crate::rules::WRONG_VALUE,
                &found.loc,
                format!(
                    "`{}.{key}` expects {expected}, found {}",
                    self.middleware,
                    found.value.kind()
                ),
            )
            .help(format!("write {key} = {}", example_of(expected))),
        );
    }

    pub fn string(&mut self, key: &'static str) -> Option<Spanned<String>> {
        let entry = self.take(key, Kind::String)?;
        match &entry.value.value {
            Value::Str(text) => Some(Spanned::new(text.clone(), entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a string", &entry.value);
                None
            }
        }
    }

    pub fn strings(&mut self, key: &'static str) -> Option<Spanned<Vec<Spanned<String>>>> {
        let entry = self.take(key, Kind::Strings)?;
        let Value::Array(items) = &entry.value.value else {
            self.wrong_type(key, "a list of strings", &entry.value);
            return None;
        };
        let mut strings = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Value::Str(text) => strings.push(Spanned::new(text.clone(), item.loc.clone())),
                _ => self.wrong_type(key, "a list of strings", item),
            }
        }
        Some(Spanned::new(strings, entry.value.loc.clone()))
    }

    /// The value as written, for options that accept more than one type
    /// (`hsts = false` or `hsts(max_age = ...)`); the caller reports wrong types.
    pub fn value(&mut self, key: &'static str) -> Option<&'a Spanned<Value>> {
        self.take(key, Kind::Nested).map(|entry| &entry.value)
    }

    /// A key that no longer exists, read only so that a rule can say where it
    /// went: it is left out of the options (`strata schema`, "did you mean").
    pub fn retired(&mut self, key: &'static str) -> Option<&'a Spanned<Value>> {
        let found = self.take(key, Kind::Nested);
        self.known.pop();
        found.map(|entry| &entry.value)
    }

    pub fn bool(&mut self, key: &'static str) -> Option<Spanned<bool>> {
        let entry = self.take(key, Kind::Bool)?;
        match &entry.value.value {
            Value::Bool(flag) => Some(Spanned::new(*flag, entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a boolean", &entry.value);
                None
            }
        }
    }

    pub fn uint(&mut self, key: &'static str) -> Option<Spanned<u64>> {
        let entry = self.take(key, Kind::UInt)?;
        match &entry.value.value {
            Value::Int(number) if *number >= 0 => Some(Spanned::new(number.unsigned_abs(), entry.value.loc.clone())),
            _ => {
                self.wrong_type(key, "a non-negative integer", &entry.value);
                None
            }
        }
    }

    /// A Rust expression: written as one in the attribute, as a string in TOML.
    pub fn expr(&mut self, key: &'static str) -> Option<Spanned<TokenStream>> {
        let entry = self.take(key, Kind::Expr)?;
        match &entry.value.value {
            Value::Expr(tokens) => Some(Spanned::new(tokens.clone(), entry.value.loc.clone())),
            Value::Str(text) => match syn::parse_str::<syn::Expr>(text) {
                Ok(expr) => Some(Spanned::new(
                    quote::ToTokens::to_token_stream(&expr),
                    entry.value.loc.clone(),
                )),
                Err(error) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            crate::rules::WRONG_VALUE,
                            &entry.value.loc,
                            format!("`{}.{key}` is not a Rust expression: {error}", self.middleware),
                        )
                        .help("write a Rust expression that builds a tower Layer, e.g. \"crate::audit::AuditLayer::new()\""),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, "a Rust expression", &entry.value);
                None
            }
        }
    }

    /// A required key: reports its absence at the middleware's own key.
    pub fn require<T>(&mut self, value: Option<T>, key: &'static str, at: &Loc, example: &str) -> Option<T> {
        self.required.push(key);
        if value.is_none() && !self.entries.iter().any(|e| e.key.value == key) {
            self.diagnostics.push(
                Diagnostic::error(
                    crate::rules::WRONG_VALUE,
                    at,
                    format!("`{}` needs `{key}`", self.middleware),
                )
                .help(format!("add {key} = {example}")),
            );
        }
        value
    }

    /// The options read so far, with their kinds, and which are required.
    pub fn options(&self) -> (&[(&'static str, Kind)], &[&'static str]) {
        (&self.known, &self.required)
    }

    /// Reports every key that no one asked for.
    pub fn finish(self) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let key = entry.key.value.as_str();
            let mut error = Diagnostic::error(
                crate::rules::UNKNOWN_OR_DUPLICATE,
                &entry.key.loc,
                format!("unknown key `{key}` in `{}`", self.middleware),
            );
            error = match suggest(key, self.known.iter().map(|(known, _)| *known)) {
                Some(near) => error.help(format!("did you mean `{near}`?")),
                None if self.known.is_empty() => error.help(format!("`{}` takes no options", self.middleware)),
                None => error.help(format!(
                    "`{}` knows: {}",
                    self.middleware,
                    self.known
                        .iter()
                        .map(|(known, _)| *known)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diagnostics.push(error);
        }
    }
}

fn example_of(expected: &str) -> &'static str {
    match expected {
        "a string" => "\"...\"",
        "a list of strings" => "[\"...\"]",
        "a boolean" => "true",
        "a non-negative integer" => "600",
        _ => "...",
    }
}
