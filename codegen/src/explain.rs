//! `strata explain`: the onion, outer → inner, each layer with the reason it
//! sits there, and the request and response paths; as text, Mermaid or DOT.
//! A stack with scopes is drawn as a tree: the layers every branch shares,
//! then one arm per group of scopes, down to the app.

use crate::Compiled;
use crate::order::Placed;
use crate::scope::{Onion, onion};
use std::fmt::Write as _;

/// Who takes an arm: its scopes' patterns, and "other paths" for branch 0.
fn arm_label(compiled: &Compiled, branches: &[usize]) -> String {
    branches
        .iter()
        .map(|&branch| match branch {
            0 => "other paths".to_string(),
            scope => compiled
                .spec
                .scopes
                .get(scope - 1)
                .map_or_else(String::new, |s| s.pattern.value.clone()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every branch's request path: its label and its layers' names.
fn branch_paths(compiled: &Compiled) -> Vec<(String, Vec<&str>)> {
    let mut paths: Vec<(String, Vec<&str>)> = compiled
        .plan
        .scopes
        .iter()
        .map(|scope| {
            (
                scope.pattern.clone(),
                scope.layers.iter().map(|p| p.name.as_str()).collect(),
            )
        })
        .collect();
    paths.push(("other paths".to_string(), names(compiled)));
    paths
}

/// A layer's name in the tree, with its scope's pattern when a scope wrote
/// it: under a switch, `cors` is the whole app's, `cors (/admin/*)` the
/// admin scope's own.
fn shown(compiled: &Compiled, placed: &Placed) -> String {
    let scope = compiled.spec.layers.get(placed.layer).and_then(|layer| layer.scope);
    match scope.and_then(|scope| compiled.spec.scopes.get(scope)) {
        Some(scope) => format!("{} ({})", placed.name, scope.pattern.value),
        None => placed.name.clone(),
    }
}

/// The tree of a stack with scopes, one line per layer.
fn text_tree(compiled: &Compiled, tree: &Onion, prefix: &str, width: usize, out: &mut String) {
    for placed in &tree.layers {
        let _ = writeln!(out, "{prefix}{:<width$}  {}", shown(compiled, placed), placed.reason);
    }
    if tree.arms.is_empty() {
        let _ = writeln!(out, "{prefix}app");
        return;
    }
    let last = tree.arms.len() - 1;
    for (index, arm) in tree.arms.iter().enumerate() {
        let (branch, below) = if index == last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        let _ = writeln!(out, "{prefix}{branch}{}", arm_label(compiled, &arm.branches));
        let inner = format!("{prefix}{below}");
        let narrower = width.saturating_sub(3);
        text_tree(compiled, &arm.onion, &inner, narrower, out);
    }
}

fn names(compiled: &Compiled) -> Vec<&str> {
    compiled.plan.layers.iter().map(|placed| placed.name.as_str()).collect()
}

/// The onion as nested boxes, then both paths.
pub fn text(compiled: &Compiled, source: &str) -> String {
    let tree = onion(&compiled.plan);
    if !tree.is_chain() {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{source}: {} scopes, {} order, outermost first; each request takes one branch, by its path\n",
            compiled.spec.scopes.len(),
            compiled.spec.order.name()
        );
        let width = compiled
            .plan
            .scopes
            .iter()
            .flat_map(|s| &s.layers)
            .chain(&compiled.plan.layers)
            .map(|placed| shown(compiled, placed).chars().count())
            .max()
            .unwrap_or(0)
            + 3 * depth(&tree);
        text_tree(compiled, &tree, "", width, &mut out);
        out.push('\n');
        for (label, mut layers) in branch_paths(compiled) {
            layers.push("app");
            let _ = writeln!(out, "{label}:");
            let _ = writeln!(out, "  request:  {}", layers.join(" → "));
            layers.reverse();
            let _ = writeln!(out, "  response: {}", layers.join(" → "));
        }
        return out;
    }
    let layers = &compiled.plan.layers;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{source}: {} layers, {} order, outermost first\n",
        layers.len(),
        compiled.spec.order.name()
    );
    let width = layers.iter().map(|l| l.name.len()).max().unwrap_or(0);
    for (depth, placed) in layers.iter().enumerate() {
        let indent = "│ ".repeat(depth);
        let _ = writeln!(out, "{indent}┌ {:<width$}  {}", placed.name, placed.reason);
    }
    let _ = writeln!(out, "{}  app", "│ ".repeat(layers.len()));
    let closing = "┘ ".repeat(layers.len());
    let _ = writeln!(out, "{}\n", closing.trim_end());
    let mut request = names(compiled);
    request.push("app");
    let _ = writeln!(out, "request:  {}", request.join(" → "));
    request.reverse();
    let _ = writeln!(out, "response: {}", request.join(" → "));
    out
}

/// How many switches deep the tree goes.
fn depth(tree: &Onion) -> usize {
    tree.arms.iter().map(|arm| 1 + depth(&arm.onion)).max().unwrap_or(0)
}

/// Nodes and edges of the tree, for Mermaid and DOT alike: each layer
/// (`l0`, `l1`, …), each switch (`s0`, …) and the app, with the edges
/// between them (from, to, label).
struct Graph {
    layers: Vec<(String, String, String)>,
    switches: Vec<String>,
    edges: Vec<(String, String, String)>,
}

fn graph(compiled: &Compiled, tree: &Onion) -> Graph {
    let mut graph = Graph {
        layers: Vec::new(),
        switches: Vec::new(),
        edges: Vec::new(),
    };
    walk(compiled, tree, "client".to_string(), String::new(), &mut graph);
    graph
}

fn walk(compiled: &Compiled, tree: &Onion, mut from: String, mut label: String, graph: &mut Graph) {
    for placed in &tree.layers {
        let id = format!("l{}", graph.layers.len());
        graph
            .layers
            .push((id.clone(), shown(compiled, placed), placed.reason.replace('"', "'")));
        graph.edges.push((from, id.clone(), std::mem::take(&mut label)));
        from = id;
    }
    if tree.arms.is_empty() {
        graph.edges.push((from, "app".to_string(), label));
        return;
    }
    let switch = format!("s{}", graph.switches.len());
    graph.switches.push(switch.clone());
    graph.edges.push((from, switch.clone(), label));
    for arm in &tree.arms {
        walk(
            compiled,
            &arm.onion,
            switch.clone(),
            arm_label(compiled, &arm.branches),
            graph,
        );
    }
}

/// A Mermaid flowchart: the request path down, the response path back up.
pub fn mermaid(compiled: &Compiled) -> String {
    let mut out = String::from("flowchart TB\n");
    let tree = onion(&compiled.plan);
    if !tree.is_chain() {
        let graph = graph(compiled, &tree);
        let _ = writeln!(out, "    client([client])");
        for (id, name, reason) in &graph.layers {
            let _ = writeln!(out, "    {id}[\"{name}<br/><small>{reason}</small>\"]");
        }
        for switch in &graph.switches {
            let _ = writeln!(out, "    {switch}{{{{path}}}}");
        }
        let _ = writeln!(out, "    app([app])");
        for (from, to, label) in &graph.edges {
            if label.is_empty() {
                let _ = writeln!(out, "    {from} --> {to}");
            } else {
                let _ = writeln!(out, "    {from} -->|\"{label}\"| {to}");
            }
        }
        return out;
    }
    let names = names(compiled);
    let _ = writeln!(out, "    client([client])");
    for (index, placed) in compiled.plan.layers.iter().enumerate() {
        let reason = placed.reason.replace('"', "'");
        let _ = writeln!(out, "    l{index}[\"{}<br/><small>{reason}</small>\"]", placed.name);
    }
    let _ = writeln!(out, "    app([app])");
    let mut chain: Vec<String> = vec!["client".into()];
    chain.extend((0..names.len()).map(|i| format!("l{i}")));
    chain.push("app".into());
    let _ = writeln!(out, "    {}", chain.join(" -->|request| "));
    chain.reverse();
    let _ = writeln!(out, "    {}", chain.join(" -.->|response| "));
    out
}

/// A Graphviz digraph: the layers as nested clusters, the onion seen from above.
pub fn dot(compiled: &Compiled) -> String {
    let mut out = String::from("digraph strata {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n");
    let tree = onion(&compiled.plan);
    if !tree.is_chain() {
        let graph = graph(compiled, &tree);
        let _ = writeln!(out, "    client [shape=ellipse];");
        for (id, name, reason) in &graph.layers {
            let _ = writeln!(out, "    {id} [label=\"{name}\", tooltip=\"{reason}\"];");
        }
        for switch in &graph.switches {
            let _ = writeln!(out, "    {switch} [label=\"path\", shape=diamond];");
        }
        let _ = writeln!(out, "    app [label=\"app\", shape=ellipse];");
        for (from, to, label) in &graph.edges {
            if label.is_empty() {
                let _ = writeln!(out, "    {from} -> {to};");
            } else {
                let _ = writeln!(out, "    {from} -> {to} [label=\"{}\"];", label.replace('"', "'"));
            }
        }
        out.push_str("}\n");
        return out;
    }
    let layers = &compiled.plan.layers;
    for (index, placed) in layers.iter().enumerate() {
        let indent = "    ".repeat(index + 1);
        let reason = placed.reason.replace('"', "'");
        let _ = writeln!(out, "{indent}subgraph cluster_{index} {{");
        let _ = writeln!(out, "{indent}    label=\"{} — {reason}\";", placed.name);
        let _ = writeln!(out, "{indent}    l{index} [label=\"{}\"];", placed.name);
    }
    let _ = writeln!(
        out,
        "{}app [label=\"app\", shape=ellipse];",
        "    ".repeat(layers.len() + 1)
    );
    for index in (0..layers.len()).rev() {
        let _ = writeln!(out, "{}}}", "    ".repeat(index + 1));
    }
    let mut chain: Vec<String> = (0..layers.len()).map(|i| format!("l{i}")).collect();
    chain.push("app".into());
    let _ = writeln!(out, "    client -> {} [label=\"request\"];", chain.join(" -> "));
    chain.reverse();
    let _ = writeln!(
        out,
        "    {} -> client [label=\"response\", style=dashed];",
        chain.join(" -> ")
    );
    out.push_str("}\n");
    out
}

/// What one `#[strata::stack(...)]` attribute of a Rust file describes.
#[derive(Debug)]
pub enum Description {
    /// The middlewares are written in the attribute.
    Inline(crate::tree::Document),
    /// `file = "stack.toml"`: the middlewares are in that file (relative to
    /// the crate's Cargo.toml), built with `profile`.
    File { path: String, profile: Option<String> },
    /// The attribute does not parse: the error, at its location. The file's
    /// other attributes are read all the same, as rustc expands each alone.
    Unreadable(crate::diag::Diagnostic),
}

/// A `#[strata::stack(...)]` found in a Rust file, so that a macro stack can
/// be explained and checked like a stack.toml (`strata explain src/main.rs`).
#[derive(Debug)]
pub struct RustStack {
    /// The annotated function's name.
    pub function: String,
    /// The `cfg_attr` condition the attribute is under, as written
    /// (`debug_assertions`), if any.
    pub condition: Option<String>,
    /// The attribute (`strata::stack(...)`): where a missing middleware is reported.
    pub at: crate::diag::Loc,
    pub description: Description,
}

/// Every `#[strata::stack(...)]` (or `#[stack(...)]`, or one under
/// `#[cfg_attr(..., strata::stack(...))]`) on a function of `text`, in
/// file order, including functions in inline modules. Locations are spans
/// of this text; [`crate::render::spans_to_bytes`] turns them into byte
/// ranges. A file that does not lex, or an attribute that does not parse,
/// is an error at its location.
///
/// The file is read token by token, not parsed: only items' attributes and
/// names matter here, and a parser would recurse through every nesting
/// level of every function body (see [`crate::parse::limits`]).
pub fn rust_stacks(text: &str) -> Result<Vec<RustStack>, crate::diag::Diagnostic> {
    use crate::diag::{Diagnostic, Loc};
    use proc_macro2::{Delimiter, TokenStream, TokenTree};
    let unreadable = |error: syn::Error, what: &str| {
        Diagnostic::error(
            crate::rules::WRONG_VALUE,
            &Loc::Span(error.span()),
            format!("{what}: {error}"),
        )
    };
    // A shebang line or a byte-order mark would shift every offset the
    // lexer reports; blank them instead of cutting them.
    let mut source = text.to_string();
    if source.starts_with('\u{feff}') {
        source.replace_range(..3, "   ");
    }
    if source.trim_start_matches(' ').starts_with("#!") && !source.trim_start_matches(' ').starts_with("#![") {
        let end = source.find('\n').unwrap_or(source.len());
        source.replace_range(..end, &" ".repeat(end));
    }
    // Lexed without recursion (`syn::parse_str` would build a buffer that
    // recurses per group).
    let tokens: TokenStream = source.parse().map_err(|error: proc_macro2::LexError| {
        unreadable(error.into(), "this is not a Rust file strata can read")
            .help("`strata explain FILE.rs` reads the #[strata::stack(...)] attributes of a Rust source file")
    })?;
    let group = |token: Option<&TokenTree>, delimiter: Delimiter| match token {
        Some(TokenTree::Group(group)) if group.delimiter() == delimiter => Some(group.clone()),
        _ => None,
    };
    let mut found = Vec::new();
    // The file's items, then an inline module's before the items after it.
    let mut levels: Vec<(Vec<TokenTree>, usize)> = vec![(tokens.into_iter().collect(), 0)];
    // The outer attributes of the item being read.
    let mut attributes: Vec<proc_macro2::Group> = Vec::new();
    while let Some((trees, index)) = levels.last_mut() {
        let Some(token) = trees.get(*index) else {
            levels.pop();
            attributes.clear();
            continue;
        };
        let next = trees.get(*index + 1);
        *index += 1;
        match token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(attribute) = group(next, Delimiter::Bracket) {
                    attributes.push(attribute);
                    *index += 1;
                }
            }
            TokenTree::Ident(word) if word == "fn" => {
                let Some(TokenTree::Ident(name)) = next else { continue };
                let name = name.to_string();
                *index += 1;
                for attribute in std::mem::take(&mut attributes) {
                    let Some((condition, meta)) = stack_attribute(attribute.stream()) else {
                        continue;
                    };
                    let at = Loc::Span(crate::parse::function::span_of(&meta));
                    let list = match meta.last() {
                        Some(TokenTree::Group(list)) if list.delimiter() == Delimiter::Parenthesis => list.stream(),
                        _ => TokenStream::new(),
                    };
                    let description = match crate::parse::attr::parse(list) {
                        Ok(document) => describe(document),
                        Err(error) => {
                            Description::Unreadable(unreadable(error, "the #[strata::stack] attribute does not parse"))
                        }
                    };
                    found.push(RustStack {
                        function: name.clone(),
                        condition,
                        at,
                        description,
                    });
                }
            }
            TokenTree::Ident(word) if word == "mod" => {
                let body = trees
                    .get(*index + 1)
                    .and_then(|body| group(Some(body), Delimiter::Brace));
                if let (Some(TokenTree::Ident(_)), Some(body)) = (next, body) {
                    *index += 2;
                    attributes.clear();
                    levels.push((body.stream().into_iter().collect(), 0));
                }
            }
            TokenTree::Punct(p) if p.as_char() == ';' => attributes.clear(),
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => attributes.clear(),
            _ => {}
        }
    }
    Ok(found)
}

/// `strata::stack(...)` or `stack(...)` (its tokens), directly or inside a
/// `cfg_attr` (with the condition as written).
fn stack_attribute(attribute: proc_macro2::TokenStream) -> Option<(Option<String>, Vec<proc_macro2::TokenTree>)> {
    use proc_macro2::{Delimiter, TokenTree};
    let tokens: Vec<TokenTree> = attribute.into_iter().collect();
    if is_stack_meta(&tokens) {
        return Some((None, tokens));
    }
    let [TokenTree::Ident(cfg_attr), TokenTree::Group(arguments)] = tokens.as_slice() else {
        return None;
    };
    if cfg_attr != "cfg_attr" || arguments.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let mut parts = vec![Vec::new()];
    for token in arguments.stream() {
        match (&token, parts.last_mut()) {
            (TokenTree::Punct(p), _) if p.as_char() == ',' => parts.push(Vec::new()),
            (_, Some(part)) => part.push(token),
            (_, None) => {}
        }
    }
    let mut parts = parts.into_iter();
    let condition: proc_macro2::TokenStream = parts.next()?.into_iter().collect();
    if condition.is_empty() || crate::parse::limits::too_deep(&condition).is_some() {
        return None;
    }
    // As written, near enough: `not (a)` → `not(a)`, `all (a , b)` → `all(a, b)`.
    let condition = condition.to_string().replace(" (", "(").replace(" ,", ",");
    parts
        .find(|part| is_stack_meta(part))
        .map(|meta| (Some(condition), meta))
}

/// `stack`, `strata::stack`, either with one `(...)` after it.
fn is_stack_meta(tokens: &[proc_macro2::TokenTree]) -> bool {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let path = match tokens.last() {
        Some(TokenTree::Group(list)) if list.delimiter() == Delimiter::Parenthesis => &tokens[..tokens.len() - 1],
        _ => tokens,
    };
    let word = |token: &TokenTree, name: &str| matches!(token, TokenTree::Ident(i) if i == name);
    match path {
        [stack] => word(stack, "stack"),
        [strata, TokenTree::Punct(a), TokenTree::Punct(b), stack] => {
            word(strata, "strata")
                && a.as_char() == ':'
                && a.spacing() == Spacing::Joint
                && b.as_char() == ':'
                && word(stack, "stack")
        }
        _ => false,
    }
}

fn describe(document: crate::tree::Document) -> Description {
    use crate::tree::Value;
    let setting = |key: &str| {
        document
            .settings
            .iter()
            .find(|entry| entry.key.value == key)
            .and_then(|entry| match &entry.value.value {
                Value::Str(text) => Some(text.clone()),
                _ => None,
            })
    };
    match setting("file") {
        Some(path) => Description::File {
            path,
            profile: setting("profile"),
        },
        None => Description::Inline(document),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_attributes_in_file_order_under_cfg_attr_and_in_modules() {
        let text = r#"#!/usr/bin/env run-cargo-script
use axum::Router;

#[strata::stack(request_id, timing)]
fn first() -> Router { Router::new() }

mod inner {
    #[cfg_attr(debug_assertions, strata::stack(file = "stack.toml", profile = "dev"))]
    #[cfg_attr(not(debug_assertions), strata::stack(file = "stack.toml"))]
    pub fn second() -> axum::Router { axum::Router::new() }
}

#[tokio::main]
async fn main() {}
"#;
        let stacks = rust_stacks(text).unwrap();
        let summary: Vec<(String, Option<String>)> = stacks
            .iter()
            .map(|s| (s.function.clone(), s.condition.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                ("first".to_string(), None),
                ("second".to_string(), Some("debug_assertions".to_string())),
                ("second".to_string(), Some("not(debug_assertions)".to_string())),
            ]
        );
        assert!(matches!(&stacks[0].description, Description::Inline(d) if d.middlewares.len() == 2));
        assert!(matches!(
            &stacks[1].description,
            Description::File { path, profile: Some(profile) } if path == "stack.toml" && profile == "dev"
        ));
        // Spans are offsets of this text, the shebang line included.
        let crate::diag::Loc::Span(span) = &stacks[0].at else {
            panic!()
        };
        assert_eq!(&text[span.byte_range()], "strata::stack(request_id, timing)");
    }

    #[test]
    fn an_attribute_that_does_not_parse_hides_no_other_stack_of_the_file() {
        // As rustc expands each attribute on its own, `strata check main.rs`
        // reports the unparsable one and still checks the others.
        let text =
            "#[strata::stack(scope(path = \"/x\"))]\nfn bad() {}\n\n#[strata::stack(request_id)]\nfn good() {}\n";
        let stacks = rust_stacks(text).unwrap();
        let functions: Vec<&str> = stacks.iter().map(|s| s.function.as_str()).collect();
        assert_eq!(functions, ["bad", "good"]);
        let Description::Unreadable(error) = &stacks[0].description else {
            panic!("{:?}", stacks[0].description)
        };
        assert!(
            error
                .message
                .starts_with("the #[strata::stack] attribute does not parse"),
            "{}",
            error.message
        );
        assert!(matches!(&stacks[1].description, Description::Inline(d) if d.middlewares.len() == 1));
    }

    #[test]
    fn a_file_that_is_not_rust_is_an_error_not_a_panic() {
        assert!(rust_stacks("fn (").is_err());
        assert!(rust_stacks("#[strata::stack(cors(]\nfn app() {}").is_err());
        assert!(rust_stacks("").unwrap().is_empty());
    }
}
