//! The description as written, before it means anything.
//!
//! Both front doors produce this tree: the macro from attribute tokens, the
//! TOML reader from a parsed file. Keeping every value's location lets the
//! model and the rules point at the exact key or value, whatever the source.

use crate::diag::Loc;
use proc_macro2::TokenStream;

/// A value with the place it was written.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Spanned<T> {
    pub fn new(value: T, loc: Loc) -> Self {
        Spanned { value, loc }
    }
}

#[derive(Clone, Debug)]
pub enum Value {
    Str(String),
    Int(i64),
    /// A number with a fraction or an exponent (`metrics.buckets`).
    Float(f64),
    Bool(bool),
    Array(Vec<Spanned<Value>>),
    Table(Table),
    /// A Rust expression (`custom(layer = ...)`); TOML gives it as a string.
    Expr(TokenStream),
}

impl Value {
    /// How the value is called in "expected a list, found an integer".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number with a fraction",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
            Value::Expr(_) => "a Rust expression",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Spanned<String>,
    pub value: Spanned<Value>,
}

#[derive(Clone, Debug, Default)]
pub struct Table {
    pub entries: Vec<Entry>,
}

/// `scope("/api/*", jwt(...), ...)` or `[scope."/api/*".jwt]`: middlewares
/// for the requests whose path matches `pattern`.
#[derive(Clone, Debug)]
pub struct ScopeEntry {
    /// The `scope` keyword as written (the attribute), or the pattern's key (TOML).
    pub key: Spanned<String>,
    pub pattern: Spanned<String>,
    pub middlewares: Vec<Entry>,
    /// How many whole-app middleware entries were written before this
    /// scope: where its entries sit in `order = "as-written"`.
    pub position: usize,
}

/// A whole description: stack-wide settings (`order`), the middleware
/// entries in the order they were written, and the scopes.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub settings: Vec<Entry>,
    pub middlewares: Vec<Entry>,
    pub scopes: Vec<ScopeEntry>,
    /// The profile applied to produce this document, if any.
    pub profile: Option<String>,
}
