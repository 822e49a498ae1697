//! strata's compiler.
//!
//! One pipeline serves every front door: **parse** (the macro's tokens or a
//! TOML file become a [`tree::Document`]) → **model** ([`model::read`] types
//! it into a [`model::StackSpec`]) → **validate** ([`rules::validate`] runs
//! the rule catalogue) → **order** ([`order::solve`] produces the
//! [`order::Plan`]; with scopes, [`scope::check`] runs both per branch) → **lower** ([`lower::stack_expr`] builds the layers from
//! static configuration) → **emit** ([`emit`] wraps the user's function, or
//! renders diagnostics).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

// `proc_macro::is_available()`: whether the front door runs inside the
// macro (`parse::limits::in_proc_macro`).
extern crate proc_macro;

pub mod audit;
#[cfg(feature = "generate")]
pub mod builder;
pub mod checks;
pub mod diag;
pub mod emit;
#[cfg(feature = "generate")]
pub mod explain;
pub mod features;
pub mod ir;
pub mod lower;
pub mod middleware;
pub mod model;
#[cfg(feature = "generate")]
pub mod module;
pub mod order;
pub mod parse;
pub mod reader;
pub mod render;
pub mod rules;
#[cfg(feature = "generate")]
pub mod schema;
pub mod scope;
pub mod tree;

#[cfg(feature = "generate")]
pub use builder::{BuildError, Builder};
use diag::Diagnostics;
use model::StackSpec;
use order::Plan;

/// A description that passed every rule, in its one correct order.
#[derive(Debug)]
pub struct Compiled {
    pub spec: StackSpec,
    pub plan: Plan,
}

/// Runs model → validate → order on a document. Every finding is in the
/// returned diagnostics; the stack is there only when none is an error.
pub fn compile(document: &tree::Document) -> (Option<Compiled>, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let spec = model::read(document, &mut diagnostics);
    // Each branch (the whole app, and each scope) is validated and ordered
    // as a stack of its own.
    let plan = scope::check(&spec, &mut diagnostics);
    match plan {
        Some(plan) if !diagnostics.has_errors() => (Some(Compiled { spec, plan }), diagnostics),
        _ => (None, diagnostics),
    }
}

/// Parses a `stack.toml` (with a profile) and compiles it: the TOML front
/// door's whole pipeline, reporting syntax and rule problems together.
#[cfg(feature = "toml")]
pub fn compile_toml(text: &str, profile: Option<&str>) -> (Option<Compiled>, Diagnostics) {
    let (document, mut diagnostics) = parse::toml::parse(text, profile);
    let (compiled, found) = compile(&document);
    let syntax_failed = diagnostics.has_errors();
    diagnostics.extend(found);
    match compiled {
        Some(compiled) if !syntax_failed => (Some(compiled), diagnostics),
        _ => (None, diagnostics),
    }
}
