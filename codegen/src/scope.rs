//! Scopes: a different stack per path.
//!
//! `scope("/api/*", jwt(...))` gives the requests under `/api` their own
//! branch of the stack. This module holds what scopes add to the pipeline:
//! reading a scope's pattern ([`read`]), the per-branch descriptions that
//! validation and ordering check one by one ([`branches`]), and the tree
//! that lowering and `explain` walk ([`onion`]): the layers every branch
//! shares, then a switch on the path at the first layer where they differ.
//!
//! Branch `0` is the whole app alone (a path no scope matches); branch
//! `i + 1` is scope `i`.

use crate::checks::{PATH_PATTERN, SCOPE};
use crate::diag::{Diagnostic, Diagnostics};
use crate::middleware::Config;
use crate::model::{Layer, Scope, StackSpec};
use crate::order::{Placed, Plan};
use crate::tree::ScopeEntry;

/// A scope pattern as the runtime matches it, with the path-list rules: an
/// exact path ignores one trailing slash; `/docs/*` matches `/docs` and
/// everything below `/docs/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// The path without its trailing slash (`/` stays `/`).
    Exact(String),
    /// The prefix before `/*` (`""` for `/*`).
    Subtree(String),
}

impl Matcher {
    pub fn new(pattern: &str) -> Matcher {
        match pattern.strip_suffix("/*") {
            Some(prefix) => Matcher::Subtree(prefix.to_string()),
            None => match pattern.strip_suffix('/') {
                Some(rest) if !rest.is_empty() => Matcher::Exact(rest.to_string()),
                _ => Matcher::Exact(pattern.to_string()),
            },
        }
    }

    /// Whether `path` is in the pattern (what the runtime does, for tests and `explain`).
    pub fn matches(&self, path: &str) -> bool {
        let trimmed = match path.strip_suffix('/') {
            Some(rest) if !rest.is_empty() => rest,
            _ => path,
        };
        match self {
            Matcher::Exact(exact) => trimmed == exact,
            Matcher::Subtree(prefix) => {
                prefix.is_empty()
                    || trimmed == prefix
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }

    /// The most specific pattern is tried first: the longer path, and at
    /// the same length the exact path before the subtree (`/api` before `/api/*`).
    fn specificity(&self) -> (usize, bool) {
        match self {
            Matcher::Exact(path) => (path.len(), true),
            Matcher::Subtree(prefix) => (prefix.len(), false),
        }
    }
}

/// Checks a scope's pattern; S0703 for a malformed one, S1201 for a
/// pattern another scope already has. The scope is returned either way, so
/// that the middlewares inside it are still read and checked.
pub fn read(written: &ScopeEntry, earlier: &[Scope], diagnostics: &mut Diagnostics) -> Scope {
    let pattern = &written.pattern;
    let text = pattern.value.as_str();
    if !text.starts_with('/') {
        diagnostics.push(
            Diagnostic::error(
                PATH_PATTERN,
                &pattern.loc,
                format!("scope pattern \"{text}\" does not start with `/`"),
            )
            .help(format!("write \"/{}\"", text.trim_start_matches('/'))),
        );
    } else if let Some(bad) = text
        .chars()
        .find(|&c| c.is_control() || c.is_whitespace() || c == '?' || c == '#')
    {
        // A request path never holds these: the request line ends at
        // whitespace and control characters are refused before routing, a
        // `?` starts the query and a fragment is never sent. Such a scope
        // would never match, which is a mistake to report, not a stack to
        // build.
        let (what, help) = match bad {
            '?' => ("a `?`".to_string(), "a scope matches the path alone: remove the query"),
            '#' => (
                "a `#`".to_string(),
                "a scope matches the path alone: remove the fragment",
            ),
            other => (
                format!("whitespace or a control character (`{}`)", other.escape_debug()),
                "remove it (an escaped `\\n` or `\\t`?)",
            ),
        };
        diagnostics.push(
            Diagnostic::error(
                PATH_PATTERN,
                &pattern.loc,
                format!(
                    "scope pattern \"{}\" holds {what}, which no request path does: it would never match",
                    text.escape_debug()
                ),
            )
            .help(help),
        );
    } else if text.trim_end_matches("/*").contains('*') {
        diagnostics.push(
            Diagnostic::error(
                PATH_PATTERN,
                &pattern.loc,
                format!("scope pattern \"{text}\" has a `*` that is not its last segment"),
            )
            .help(
                "a scope is one path (\"/health\") or one subtree (\"/api/*\"); `*` may only end the pattern as `/*`",
            ),
        );
    } else if let Some(first) = earlier
        .iter()
        .find(|scope| Matcher::new(&scope.pattern.value) == Matcher::new(text))
    {
        diagnostics.push(
            Diagnostic::error(SCOPE, &pattern.loc, format!("two scopes have the pattern \"{text}\""))
                .note(
                    &first.pattern.loc,
                    format!("\"{}\" is first written here", first.pattern.value),
                )
                .help("merge the two scopes into one"),
        );
    }
    if earlier.len() == MAX_SCOPES {
        // The switch numbers branches in a byte; a 256th scope would share
        // another's number and run that scope's middlewares.
        diagnostics.push(
            Diagnostic::error(
                SCOPE,
                &pattern.loc,
                format!("a stack takes at most {MAX_SCOPES} scopes; \"{text}\" is one more"),
            )
            .help("group paths under fewer subtree patterns (\"/api/*\"), or route them to a nested stack"),
        );
    }
    Scope {
        at: written.key.loc.clone(),
        pattern: pattern.clone(),
        position: written.position,
    }
}

/// The most scopes one stack takes: the runtime's switch numbers branches
/// (the whole app's and one per scope) in a `u8`.
pub const MAX_SCOPES: usize = 255;

/// One branch of the stack: what a request whose path selects it goes through.
#[derive(Debug)]
pub struct Branch {
    /// `None` for the whole app alone; else the scope's index.
    pub scope: Option<usize>,
    /// The branch as a stack of its own: the whole app's layers, with the
    /// scope's entries in place of those of the same name, and the scope's
    /// other entries where the scope is written.
    pub spec: StackSpec,
    /// For each layer of `spec`, its index in the whole description.
    pub origin: Vec<usize>,
}

/// Whether `scoped` replaces `global` in its branch: the same middleware, or
/// for `custom`, a layer of the same `name`.
fn replaces(scoped: &Layer, global: &Layer) -> bool {
    match (&scoped.config, &global.config) {
        (Config::Custom(a), Config::Custom(b)) => match (&a.name, &b.name) {
            (Some(a), Some(b)) => a.value == b.value,
            _ => false,
        },
        (a, b) => a.def().name == b.def().name,
    }
}

/// The whole app's branch, then one per scope, each a [`StackSpec`] that
/// the rules and the order solver check as they check any stack.
pub fn branches(spec: &StackSpec) -> Vec<Branch> {
    let global: Vec<usize> = (0..spec.layers.len())
        .filter(|&index| spec.layers[index].scope.is_none())
        .collect();
    let mut branches = vec![branch(spec, None, global.clone())];
    for (scope_index, scope) in spec.scopes.iter().enumerate() {
        let scoped: Vec<usize> = (0..spec.layers.len())
            .filter(|&index| spec.layers[index].scope == Some(scope_index))
            .collect();
        let kept = |index: &&usize| {
            !scoped
                .iter()
                .any(|&own| replaces(&spec.layers[own], &spec.layers[**index]))
        };
        // In written order: the whole app's entries before the scope, the
        // scope's own, then the rest.
        let position = scope.position.min(global.len());
        let mut origin: Vec<usize> = global[..position].iter().filter(kept).copied().collect();
        origin.extend(&scoped);
        origin.extend(global[position..].iter().filter(kept));
        branches.push(branch(spec, Some(scope_index), origin));
    }
    // A `before`/`after` may name a layer that only another branch has.
    let names: Vec<Vec<String>> = branches
        .iter()
        .map(|b| b.spec.layers.iter().flat_map(placement_names).collect())
        .collect();
    for (index, branch) in branches.iter_mut().enumerate() {
        let mut elsewhere: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .flat_map(|(_, list)| list.iter().cloned())
            .filter(|name| !names[index].contains(name))
            .collect();
        elsewhere.sort();
        elsewhere.dedup();
        branch.spec.elsewhere = elsewhere;
    }
    branches
}

/// The names a `before`/`after` may use for a layer.
fn placement_names(layer: &Layer) -> Vec<String> {
    match &layer.config {
        Config::Custom(custom) => custom.name.iter().map(|n| n.value.clone()).collect(),
        config => {
            let def = config.def();
            std::iter::once(def.name)
                .chain(def.aliases.iter().copied())
                .map(str::to_string)
                .collect()
        }
    }
}

fn branch(spec: &StackSpec, scope: Option<usize>, origin: Vec<usize>) -> Branch {
    let layers = origin.iter().map(|&index| spec.layers[index].clone()).collect();
    Branch {
        scope,
        spec: StackSpec {
            order: spec.order,
            layers,
            profile: spec.profile.clone(),
            scopes: Vec::new(),
            elsewhere: Vec::new(),
        },
        origin,
    }
}

/// The scope patterns in the order the runtime tries them, most specific
/// first, each with its branch number (`scope index + 1`).
pub fn selection(spec: &StackSpec) -> Vec<(Matcher, usize)> {
    let mut list: Vec<(Matcher, usize)> = spec
        .scopes
        .iter()
        .enumerate()
        .map(|(index, scope)| (Matcher::new(&scope.pattern.value), index + 1))
        .collect();
    // Stable: equal patterns are S1201, so ties do not arise in a stack that compiles.
    list.sort_by_key(|(matcher, _)| std::cmp::Reverse(matcher.specificity()));
    list
}

/// The branch a path selects (0: the whole app alone).
pub fn select(spec: &StackSpec, path: &str) -> usize {
    selection(spec)
        .into_iter()
        .find(|(matcher, _)| matcher.matches(path))
        .map_or(0, |(_, branch)| branch)
}

/// The stack as a tree: layers every branch below shares, outermost first,
/// then either the app (no arms) or a switch on the path between arms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Onion {
    pub layers: Vec<Placed>,
    pub arms: Vec<Arm>,
}

/// One way out of a switch: the branches that take it, and what they go through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arm {
    pub branches: Vec<usize>,
    pub onion: Onion,
}

impl Onion {
    /// Whether the stack has no switch: one chain of layers around the app.
    pub fn is_chain(&self) -> bool {
        self.arms.is_empty()
    }
}

/// Shares every layer the branches have in common, outermost first, and
/// splits them where they first differ: one switch, with one arm per
/// distinct rest of the stack. Two branches with the same layers are one
/// arm: a scope that changes nothing costs nothing.
///
/// The tree is never deeper than one switch, whatever the scopes. Branches
/// that part lower down again (a scope holding `security_headers`, another
/// holding `block`) are not split a second time: each arm holds its whole
/// chain, built from the same layer values, so every request meets one
/// switch and pays for one choice. What would be shared below the first
/// split is typed once per arm; its state (a limiter's buckets, a metrics
/// registry) lives in the layer value, so it is still one across arms.
pub fn onion(plan: &Plan) -> Onion {
    let mut branches: Vec<(usize, &[Placed])> = vec![(0, plan.layers.as_slice())];
    branches.extend(plan.scopes.iter().map(|scope| (scope.branch, scope.layers.as_slice())));
    build(&branches)
}

/// A branch number and the layers it still has to place.
type Member<'a> = (usize, &'a [Placed]);

fn build(branches: &[Member<'_>]) -> Onion {
    let shortest = branches.iter().map(|(_, layers)| layers.len()).min().unwrap_or(0);
    let mut shared = 0;
    while shared < shortest {
        let layer = branches[0].1[shared].layer;
        if branches.iter().any(|(_, layers)| layers[shared].layer != layer) {
            break;
        }
        shared += 1;
    }
    let layers = branches
        .first()
        .map_or_else(Vec::new, |(_, first)| first[..shared].to_vec());
    let all_end_here = branches.iter().all(|(_, layers)| layers.len() == shared);
    if all_end_here {
        return Onion {
            layers,
            arms: Vec::new(),
        };
    }
    // One arm per distinct rest of the stack, in the order first seen.
    let mut arms: Vec<Arm> = Vec::new();
    for &(branch, rest) in branches {
        let tail = &rest[shared..];
        let same_rest = |arm: &&mut Arm| {
            arm.onion.layers.len() == tail.len() && arm.onion.layers.iter().zip(tail).all(|(a, b)| a.layer == b.layer)
        };
        match arms.iter_mut().find(same_rest) {
            Some(arm) => arm.branches.push(branch),
            None => arms.push(Arm {
                branches: vec![branch],
                onion: Onion {
                    layers: tail.to_vec(),
                    arms: Vec::new(),
                },
            }),
        }
    }
    Onion { layers, arms }
}

/// S1101: `metrics` answers its path outside every scope, so a scope whose
/// pattern covers that path would seem to guard it and would not.
fn scope_hides_metrics_path(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for metrics in spec.each::<crate::middleware::metrics::Metrics>() {
        let path = metrics.path();
        for scope in &spec.scopes {
            if !Matcher::new(&scope.pattern.value).matches(path) {
                continue;
            }
            let mut error = Diagnostic::error(
                crate::middleware::metrics::PATH_HIDDEN,
                &scope.pattern.loc,
                format!(
                    "scope \"{}\" covers `metrics.path` \"{path}\", but `metrics` answers it outside every scope: none of this scope's middlewares run there",
                    scope.pattern.value
                ),
            )
            .help("move `metrics.path` out of the scope's pattern (e.g. \"/metrics\"), and keep that path off the public proxy");
            if let Some(written) = &metrics.path {
                error = error.note(&written.loc, "`metrics.path` is set here");
            }
            diagnostics.push(error);
        }
    }
}

/// The whole description checked branch by branch: every diagnostic once,
/// and the plan with one ordered list of layers per branch.
pub fn check(spec: &StackSpec, diagnostics: &mut Diagnostics) -> Option<Plan> {
    scope_hides_metrics_path(spec, diagnostics);
    let mut root = None;
    let mut scopes = Vec::new();
    let mut complete = true;
    for branch in branches(spec) {
        let mut found = Diagnostics::default();
        crate::rules::validate(&branch.spec, &mut found);
        let plan = crate::order::solve(&branch.spec, &mut found);
        diagnostics.extend_unique(found);
        let Some(plan) = plan else {
            complete = false;
            continue;
        };
        let layers: Vec<Placed> = plan
            .layers
            .into_iter()
            .map(|placed| Placed {
                layer: branch.origin[placed.layer],
                ..placed
            })
            .collect();
        match branch.scope {
            None => root = Some(layers),
            Some(index) => scopes.push(crate::order::ScopePlan {
                branch: index + 1,
                pattern: spec.scopes[index].pattern.value.clone(),
                layers,
            }),
        }
    }
    let layers = root.filter(|_| complete)?;
    Some(Plan { layers, scopes })
}
