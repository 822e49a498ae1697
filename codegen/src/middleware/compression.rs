//! `compression` (alias `gzip`): `runtime::compression` (libdeflate in one
//! call for bodies that are ready, async-compression's streaming encoders for
//! the rest), with the size floor and the content types that must never be
//! compressed (`exclude_content_types`, Starlette's list of already-compressed
//! types by default).

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
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: "",
    read,
    rules: &[Rule {
        code: BAD_COMPRESSION,
        level: Level::Error,
        summary: "`compression`: `level` outside 1–9, unknown algorithm, an `exclude_content_types` entry that is not `type/subtype` or `type/*`",
        check: Some(check_settings),
    }],
};

#[derive(Clone, Debug)]
pub struct Compression {
    pub minimum_size: u64,
    pub level: Option<Spanned<u64>>,
    pub algorithms: Option<Spanned<Vec<Spanned<String>>>>,
    /// `None`: the runtime's default, Starlette's list.
    pub exclude_content_types: Option<Spanned<Vec<Spanned<String>>>>,
}

impl Compression {
    pub const DEFAULT_LEVEL: u64 = 6;

    fn uses(&self, algorithm: &str) -> bool {
        match &self.algorithms {
            Some(list) => list.value.iter().any(|a| a.value == algorithm),
            None => algorithm == "gzip",
        }
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let minimum_size = self.minimum_size;
        let level = u32::try_from(self.level.as_ref().map_or(Self::DEFAULT_LEVEL, |l| l.value)).unwrap_or(6);
        let (gzip, deflate, br) = (self.uses("gzip"), self.uses("deflate"), self.uses("br"));
        let mut layer = quote!(
            #private::runtime::compression::CompressionLayer::new(#minimum_size, #level, #gzip, #deflate, #br)
        );
        if let Some(list) = &self.exclude_content_types {
            // Media types are case-insensitive; the runtime compares without
            // regard to case, lowercase reads best in generated code.
            let mut excluded: Vec<String> = list.value.iter().map(|t| t.value.to_ascii_lowercase()).collect();
            excluded.sort();
            excluded.dedup();
            layer = quote!(#layer.exclude_content_types(&[#(#excluded),*]));
        }
        // brotli is the facade's feature `compression_br`.
        let brotli = self.algorithms.iter().flat_map(|list| &list.value).find(|a| a.value == "br");
        match brotli {
            Some(br) => crate::features::gate(
                cx,
                "compression_br",
                "`compression(algorithms = [\"br\"])`",
                &br.loc,
                Lowered::layer(layer),
            ),
            None => Lowered::layer(layer),
        }
    }
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Compression(Compression {
        minimum_size: reader.uint("minimum_size").map_or(500, |size| size.value),
        level: reader.uint("level"),
        algorithms: reader.strings("algorithms"),
        exclude_content_types: reader.strings("exclude_content_types"),
    })
}

/// Why `entry` cannot be an `exclude_content_types` entry, with the fix.
/// Entries match a response's media type exactly or as `type/*`, without
/// parameters (Starlette's rule): anything else would never match, or would
/// match every response, while looking like it does something else.
fn media_type_problem(entry: &str) -> Option<(String, String)> {
    let token = |part: &str| !part.is_empty() && part.bytes().all(is_tchar);
    if let Some((media_type, _)) = entry.split_once(';') {
        let media_type = media_type.trim();
        return Some((
            "has parameters, which matching ignores".into(),
            format!("write the media type alone, e.g. \"{media_type}\""),
        ));
    }
    let Some((main_type, subtype)) = entry.split_once('/') else {
        return Some((
            "is not a media type".into(),
            "write `type/subtype` (\"application/zip\") or `type/*` (\"video/*\")".into(),
        ));
    };
    if main_type == "*" {
        return Some((
            "has a wildcard type, which never matches: only the subtype can be `*`".into(),
            "write e.g. \"video/*\" for every video type; to compress nothing, remove `compression`".into(),
        ));
    }
    if !token(main_type) || !(subtype == "*" || token(subtype)) {
        return Some((
            "is not a media type".into(),
            "write `type/subtype` (\"application/zip\") or `type/*` (\"video/*\"), without spaces".into(),
        ));
    }
    None
}

/// RFC 9110 §5.6.2 `tchar`: what a media type's type and subtype are made of.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
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
        for entry in config.exclude_content_types.iter().flat_map(|list| &list.value) {
            if let Some((problem, help)) = media_type_problem(&entry.value) {
                diagnostics.push(
                    Diagnostic::error(
                        BAD_COMPRESSION,
                        &entry.loc,
                        format!(
                            "`compression.exclude_content_types` entry \"{}\" {problem}",
                            entry.value
                        ),
                    )
                    .help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::media_type_problem;

    #[test]
    fn exclude_content_types_entries() {
        for good in [
            "application/zip",
            "video/*",
            "Image/PNG",
            "application/vnd.api+json",
            "font/woff2",
        ] {
            assert_eq!(media_type_problem(good), None, "{good}");
        }
        for bad in [
            "application/zip; q=1",
            "zip",
            "*/*",
            "*/zip",
            "video/",
            "/mp4",
            "video/ *",
            " video/mp4",
            "video/mp4/x",
            "vidéo/mp4",
            "",
        ] {
            assert!(media_type_problem(bad).is_some(), "{bad}");
        }
    }
}
