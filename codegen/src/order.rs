//! The order solver: decides the one correct order of the layers, outermost
//! first, and why each layer sits where it does.
//!
//! In `canonical` mode every built-in middleware sorts by its rank; custom
//! layers take the rank of `custom` unless their `before`/`after` say
//! otherwise, and a placement that cannot be satisfied is a cycle. In
//! `as-written` mode the written order stands, and every hard constraint
//! (a middleware that must wrap another, a custom placement) is checked
//! against it.

use crate::diag::{Diagnostic, Diagnostics, Loc, suggest};
use crate::middleware::{Config, Def, rate_limit};
use crate::model::{OrderMode, StackSpec};
use crate::rules::ORDER;

/// The ordered stack: the single plan the macro, `gen` and `explain` consume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The whole app's layers: what a request no scope matches goes through.
    pub layers: Vec<Placed>,
    /// Each scope's branch, in written order; see [`crate::scope::onion`]
    /// for the tree they share.
    pub scopes: Vec<ScopePlan>,
}

/// The layers of one scope's branch, outermost first: the whole app's and
/// the scope's, ordered together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopePlan {
    /// The branch number (`scope index + 1`), as the runtime's switch knows it.
    pub branch: usize,
    pub pattern: String,
    pub layers: Vec<Placed>,
}

/// One layer in its place, outermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    /// Index into `StackSpec::layers`.
    pub layer: usize,
    /// The layer's name, as `explain` shows it.
    pub name: String,
    /// Why it sits there.
    pub reason: String,
}

/// A "must be outside of" relation between two layers.
#[derive(Clone, Debug)]
struct Edge {
    outer: usize,
    inner: usize,
    why: Why,
}

#[derive(Clone, Debug)]
enum Why {
    /// Canonical ranks, only in canonical mode.
    Rank,
    /// A built-in hard constraint (`Def::must_wrap`).
    MustWrap(&'static str),
    /// A custom layer's `before`/`after`: the layer that wrote it, where,
    /// and the text (`before = "jwt"`).
    Placement(usize, Loc, String),
}

/// Orders the layers, or reports every broken constraint.
pub fn solve(spec: &StackSpec, diagnostics: &mut Diagnostics) -> Option<Plan> {
    let errors_before = diagnostics.iter().filter(|d| d.code == ORDER).count();
    let edges = constraints(spec, diagnostics);
    let plan = match spec.order {
        OrderMode::Canonical => canonical(spec, &edges, diagnostics),
        OrderMode::AsWritten => as_written(spec, &edges, diagnostics),
    };
    let errors_after = diagnostics.iter().filter(|d| d.code == ORDER).count();
    plan.filter(|_| errors_after == errors_before)
}

/// A middleware's rank; a `rate_limit` keyed on a verified identity ranks
/// just inside the auth layer that verifies it.
fn rank(config: &Config) -> u16 {
    match config {
        Config::RateLimit(limit) if limit.identity_of().is_some() => rate_limit::IDENTITY_RANK,
        other => other.def().rank,
    }
}

/// Why a middleware sits at its rank.
fn why(config: &Config) -> &'static str {
    match config {
        Config::RateLimit(limit) if limit.identity_of().is_some() => rate_limit::IDENTITY_WHY,
        other => other.def().why,
    }
}

/// Finds the layer a `before`/`after` names: a middleware name or alias, or
/// a custom layer's `name`.
fn resolve(spec: &StackSpec, name: &str) -> Option<usize> {
    spec.layers.iter().position(|layer| match &layer.config {
        Config::Custom(custom) => custom.name.as_ref().is_some_and(|n| n.value == name),
        config => {
            let def: &Def = config.def();
            def.name == name || def.aliases.contains(&name)
        }
    })
}

fn constraints(spec: &StackSpec, diagnostics: &mut Diagnostics) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (outer, layer) in spec.layers.iter().enumerate() {
        let def = layer.config.def();
        // A hard constraint is declared by either side: the outer middleware
        // (`must_wrap`) or the inner one (`wrapped_by`).
        for (other_index, other) in spec.layers.iter().enumerate() {
            let other_def = other.config.def();
            if def.must_wrap.contains(&other_def.name) {
                edges.push(Edge {
                    outer,
                    inner: other_index,
                    why: Why::MustWrap(def.must_wrap_why),
                });
            }
            if other_def.wrapped_by.contains(&def.name) && !def.must_wrap.contains(&other_def.name) {
                edges.push(Edge {
                    outer,
                    inner: other_index,
                    why: Why::MustWrap(other_def.wrapped_by_why),
                });
            }
        }
        if let Config::RateLimit(limit) = &layer.config
            && let Some(auth) = limit.identity_of()
        {
            for (verifier, other) in spec.layers.iter().enumerate() {
                if other.config.def().name == auth {
                    edges.push(Edge {
                        outer: verifier,
                        inner: outer,
                        why: Why::MustWrap(
                            "a limit keyed on a verified identity runs inside the auth layer that verifies it; outside, the identity is whatever the client sent",
                        ),
                    });
                }
            }
        }
        let Config::Custom(custom) = &layer.config else {
            continue;
        };
        if let Some(reads) = &custom.reads_session {
            let sessions: Vec<usize> = (0..spec.layers.len())
                .filter(|&i| matches!(spec.layers[i].config, Config::Session(_)))
                .collect();
            if sessions.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        ORDER,
                        &reads.loc,
                        format!(
                            "`{}` reads the session, but the stack has no `session`",
                            custom.display_name()
                        ),
                    )
                    .help("add `session(secret_env = \"SESSION_SECRET\")`, or remove `reads_session`"),
                );
            }
            for session in sessions {
                edges.push(Edge {
                    outer: session,
                    inner: outer,
                    why: Why::MustWrap("a layer that reads the session runs inside the session layer, which loads it"),
                });
            }
        }
        for (key, target, is_before) in [("before", &custom.before, true), ("after", &custom.after, false)] {
            let Some(target) = target else { continue };
            let Some(other) = resolve(spec, &target.value) else {
                if spec.elsewhere.contains(&target.value) {
                    // Only another branch has that layer: nothing to place here.
                    continue;
                }
                let names = spec.layers.iter().map(|l| l.display_name()).collect::<Vec<_>>();
                let mut error = Diagnostic::error(
                    ORDER,
                    &target.loc,
                    format!("`{key} = \"{}\"` names no layer of this stack", target.value),
                );
                error = match suggest(&target.value, names.iter().map(String::as_str)) {
                    Some(near) => error.help(format!("did you mean \"{near}\"?")),
                    None => error.help(format!("the layers are: {}", names.join(", "))),
                };
                diagnostics.push(error);
                continue;
            };
            let why = Why::Placement(outer, target.loc.clone(), format!("{key} = \"{}\"", target.value));
            let (outer, inner) = if is_before { (outer, other) } else { (other, outer) };
            edges.push(Edge { outer, inner, why });
        }
    }
    edges
}

fn canonical(spec: &StackSpec, edges: &[Edge], diagnostics: &mut Diagnostics) -> Option<Plan> {
    let count = spec.layers.len();
    let mut all = edges.to_vec();
    for (a, first) in spec.layers.iter().enumerate() {
        for (b, second) in spec.layers.iter().enumerate() {
            let builtin = |config: &Config| !matches!(config, Config::Custom(_));
            if builtin(&first.config) && builtin(&second.config) && rank(&first.config) < rank(&second.config) {
                all.push(Edge {
                    outer: a,
                    inner: b,
                    why: Why::Rank,
                });
            }
        }
    }
    // Kahn's algorithm, always taking the ready layer of lowest rank (then
    // the first written), so constraints move a layer only as far as needed.
    let mut incoming = vec![0usize; count];
    for edge in &all {
        incoming[edge.inner] += 1;
    }
    let mut placed = Vec::with_capacity(count);
    let mut done = vec![false; count];
    while placed.len() < count {
        let next = (0..count)
            .filter(|&i| !done[i] && incoming[i] == 0)
            .min_by_key(|&i| (rank(&spec.layers[i].config), i));
        let Some(next) = next else {
            report_cycle(spec, &all, &done, diagnostics);
            return None;
        };
        done[next] = true;
        for edge in all.iter().filter(|e| e.outer == next) {
            incoming[edge.inner] -= 1;
        }
        placed.push(Placed {
            layer: next,
            name: spec.layers[next].display_name(),
            reason: canonical_reason(spec, next, edges),
        });
    }
    Some(Plan {
        layers: placed,
        scopes: Vec::new(),
    })
}

fn canonical_reason(spec: &StackSpec, index: usize, edges: &[Edge]) -> String {
    let placements: Vec<String> = edges
        .iter()
        .filter_map(|e| match &e.why {
            Why::Placement(owner, _, text) if *owner == index => Some(text.clone()),
            _ => None,
        })
        .collect();
    if placements.is_empty() {
        why(&spec.layers[index].config).to_string()
    } else {
        format!("placed by {}", placements.join(", "))
    }
}

/// Names one cycle among the layers that could not be placed.
fn report_cycle(spec: &StackSpec, edges: &[Edge], done: &[bool], diagnostics: &mut Diagnostics) {
    let remaining: Vec<usize> = (0..spec.layers.len()).filter(|&i| !done[i]).collect();
    // Walk inner-wards from any remaining layer; every remaining layer has an
    // incoming edge from another remaining one, so walking outer-wards loops.
    let Some(&start) = remaining.first() else { return };
    let mut path = vec![start];
    let mut current = start;
    loop {
        let Some(edge) = edges.iter().find(|e| e.inner == current && !done[e.outer]) else {
            return;
        };
        if let Some(position) = path.iter().position(|&p| p == edge.outer) {
            let mut cycle: Vec<usize> = path[position..].to_vec();
            cycle.reverse();
            let names: Vec<String> = cycle
                .iter()
                .chain(cycle.first())
                .map(|&i| spec.layers[i].display_name())
                .collect();
            let placement = edges.iter().find_map(|e| match &e.why {
                Why::Placement(_, loc, text) if cycle.contains(&e.outer) && cycle.contains(&e.inner) => {
                    Some((loc.clone(), text.clone()))
                }
                _ => None,
            });
            let (loc, text) = placement.unwrap_or_else(|| (spec.layers[start].key.loc.clone(), String::new()));
            diagnostics.push(
                Diagnostic::error(
                    ORDER,
                    &loc,
                    format!("the placements form a cycle: {}", names.join(" → ")),
                )
                .help(if text.is_empty() {
                    "remove one of the `before`/`after` placements in the cycle".to_string()
                } else {
                    format!("remove or change `{text}`; each arrow means \"must be outside of\"")
                }),
            );
            return;
        }
        path.push(edge.outer);
        current = edge.outer;
    }
}

fn as_written(spec: &StackSpec, edges: &[Edge], diagnostics: &mut Diagnostics) -> Option<Plan> {
    for edge in edges {
        // Written order is position order: outer must come first.
        if edge.outer < edge.inner {
            continue;
        }
        let outer = &spec.layers[edge.outer];
        let inner = &spec.layers[edge.inner];
        let (outer_name, inner_name) = (outer.display_name(), inner.display_name());
        let error = match &edge.why {
            Why::MustWrap(why) => Diagnostic::error(
                ORDER,
                &outer.key.loc,
                format!("`{outer_name}` must be outside `{inner_name}`, but it is written inside it"),
            )
            .note(
                &inner.key.loc,
                format!("`{inner_name}` is written here, before `{outer_name}`"),
            )
            .help(format!("move `{outer_name}` before `{inner_name}`: {why}")),
            Why::Placement(_, loc, text) => Diagnostic::error(
                ORDER,
                loc,
                format!("`{text}` puts `{outer_name}` outside `{inner_name}`, but it is written inside it"),
            )
            .note(&inner.key.loc, format!("`{inner_name}` is written here"))
            .help(format!(
                "move `{outer_name}` before `{inner_name}`, or drop `order = \"as-written\"`"
            )),
            Why::Rank => continue,
        };
        diagnostics.push(error);
    }
    let placed = spec
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| Placed {
            layer: index,
            name: layer.display_name(),
            reason: format!("as written (entry {})", index + 1),
        })
        .collect();
    Some(Plan {
        layers: placed,
        scopes: Vec::new(),
    })
}
