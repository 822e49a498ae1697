//! `block`: refuse clients by `User-Agent` prefix before any work.

use super::{Config, Def, json_string, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub static DEF: Def = Def {
    name: "block",
    aliases: &[],
    rank: 90,
    why: "blocked clients are turned away before they cost a rate-limit slot, a session or a handler",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"user_agent_prefixes = ["BadBot"]"#,
    read,
    rules: &[Rule {
        code: rules::WRONG_VALUE,
        level: Level::Error,
        summary: "`block`: an empty prefix list or prefix, or a status outside 400–599",
        check: Some(check_block),
    }],
};

#[derive(Clone, Debug)]
pub struct Block {
    pub user_agent_prefixes: Option<Spanned<Vec<Spanned<String>>>>,
    pub status: Option<Spanned<u64>>,
    pub detail: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let prefixes = reader.strings("user_agent_prefixes");
    let user_agent_prefixes = reader.require(prefixes, "user_agent_prefixes", at, "[\"BadBot\"]");
    Config::Block(Block {
        user_agent_prefixes,
        status: reader.uint("status"),
        detail: reader.string("detail"),
    })
}

impl Block {
    fn status(&self) -> u16 {
        self.status.as_ref().map_or(410, |s| s.value as u16)
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let mut prefixes: Vec<String> = self
            .user_agent_prefixes
            .iter()
            .flat_map(|list| &list.value)
            .map(|p| p.value.to_ascii_lowercase())
            .collect();
        prefixes.sort();
        prefixes.dedup();
        let status = self.status();
        let detail = match &self.detail {
            Some(detail) => detail.value.clone(),
            None => http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Blocked")
                .to_string(),
        };
        let body = format!("{{\"detail\":{}}}", json_string(&detail));
        Lowered::layer(quote!(#private::runtime::block::BlockLayer::new(&__STRATA_BLOCK))).with_items(quote! {
            static __STRATA_BLOCK: #private::runtime::block::BlockPolicy = #private::runtime::block::BlockPolicy {
                user_agent_prefixes: &[#(#prefixes),*],
                status: #status,
                body: #body,
            };
        })
    }
}

/// An empty prefix matches every client, an empty list none: both are a
/// stack that does not do what it says. A status below 400 would tell a
/// blocked client it succeeded (or send it somewhere).
fn check_block(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Block>() {
        if let Some(list) = &config.user_agent_prefixes {
            if list.value.is_empty() {
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        &list.loc,
                        "`block.user_agent_prefixes` is empty, so nothing would be blocked",
                    )
                    .help("list the User-Agent prefixes to refuse, e.g. [\"BadBot\", \"curl/\"]"),
                );
            }
            for prefix in list.value.iter().filter(|p| p.value.trim().is_empty()) {
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        &prefix.loc,
                        "an empty `block.user_agent_prefixes` entry would block every client",
                    )
                    .help("write the start of the User-Agent to refuse, e.g. \"BadBot\""),
                );
            }
        }
        if let Some(status) = &config.status
            && !(400..=599).contains(&status.value)
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &status.loc,
                    format!("`block.status` is {}, not an error status (400–599)", status.value),
                )
                .help("use 410 (the default), 403 or 451"),
            );
        }
    }
}
