//! `compression` (alias `gzip`): tower-http's streaming compression, with the
//! size floor and the content types that must never be compressed.

use super::{Config, Def, private};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered};
use crate::model::{Reader, StackSpec};
use crate::rules::Rule;
use crate::tree::Spanned;
use quote::quote;

pub const BAD_COMPRESSION: &str = "S0801";
pub const ALGORITHMS: &[&str] = &["gzip", "deflate", "br"];

pub static DEF: Def = Def {
    name: "compression",
    aliases: &["gzip"],
    rank: 70,
    why: "compression wraps every body the inner layers and the app produce",
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: BAD_COMPRESSION,
        level: Level::Error,
        summary: "`compression`: `level` outside 1–9, unknown algorithm",
        check: Some(check_settings),
    }],
};

#[derive(Clone, Debug)]
pub struct Compression {
    pub minimum_size: u64,
    pub level: Option<Spanned<u64>>,
    pub algorithms: Option<Spanned<Vec<Spanned<String>>>>,
}

impl Compression {
    pub const DEFAULT_LEVEL: u64 = 6;

    fn uses(&self, algorithm: &str) -> bool {
        match &self.algorithms {
            Some(list) => list.value.iter().any(|a| a.value == algorithm),
            None => algorithm == "gzip",
        }
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let minimum_size = self.minimum_size;
        let level = u32::try_from(self.level.as_ref().map_or(Self::DEFAULT_LEVEL, |l| l.value)).unwrap_or(6);
        let (gzip, deflate, br) = (self.uses("gzip"), self.uses("deflate"), self.uses("br"));
        Lowered::layer(quote!(
            #private::runtime::compression::CompressionLayer::new(#minimum_size, #level, #gzip, #deflate, #br)
        ))
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Compression(Compression {
        minimum_size: reader.uint("minimum_size").map_or(500, |size| size.value),
        level: reader.uint("level"),
        algorithms: reader.strings("algorithms"),
    })
}

/// A level outside 1–9 is silently clamped by the encoders, and an unknown
/// algorithm silently never applies: both look configured and are not.
fn check_settings(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Compression>() {
        if let Some(level) = &config.level
            && !(1..=9).contains(&level.value)
        {
            diagnostics.push(
                Diagnostic::error(
                    BAD_COMPRESSION,
                    &level.loc,
                    format!("`compression.level` is {}, outside 1–9", level.value),
                )
                .help("use 1 (fastest) to 9 (smallest); 6 is the default"),
            );
        }
        for algorithm in config.algorithms.iter().flat_map(|list| &list.value) {
            if !ALGORITHMS.contains(&algorithm.value.as_str()) {
                let mut error = Diagnostic::error(
                    BAD_COMPRESSION,
                    &algorithm.loc,
                    format!("unknown compression algorithm \"{}\"", algorithm.value),
                );
                error = match crate::diag::suggest(&algorithm.value, ALGORITHMS.iter().copied()) {
                    Some(near) => error.help(format!(
                        "did you mean \"{near}\"? strata knows {}",
                        ALGORITHMS.join(", ")
                    )),
                    None => error.help(format!("strata knows {}", ALGORITHMS.join(", "))),
                };
                diagnostics.push(error);
            }
        }
    }
}
