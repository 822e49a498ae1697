//! `strata explain`: the onion, outer → inner, each layer with the reason it
//! sits there, and the request and response paths; as text, Mermaid or DOT.

use crate::Compiled;
use std::fmt::Write as _;

fn names(compiled: &Compiled) -> Vec<&str> {
    compiled.plan.layers.iter().map(|placed| placed.name.as_str()).collect()
}

/// The onion as nested boxes, then both paths.
pub fn text(compiled: &Compiled, source: &str) -> String {
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

/// A Mermaid flowchart: the request path down, the response path back up.
pub fn mermaid(compiled: &Compiled) -> String {
    let mut out = String::from("flowchart TB\n");
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
