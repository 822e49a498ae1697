//! `decompression`: inflates request bodies per `Content-Encoding`; an
//! encoding it does not accept is a 415. It sits outside `body_limit`, so the
//! limit counts inflated bytes and a small zip bomb cannot grow unbounded.

use super::{Config, Def};
use crate::checks::Rule;
use crate::diag::{Diagnostic, Diagnostics, Level, Loc, suggest};
use crate::ir::{Cx, Lowered, private};
use crate::model::StackSpec;
use crate::reader::Reader;
use crate::tree::Spanned;
use quote::quote;

/// Shared with `compression`: a misconfigured codec.
pub const BAD_ALGORITHM: &str = "S0801";
/// The default, in the order `Accept-Encoding` of a 415 lists them.
pub const ALGORITHMS: &[&str] = &["gzip", "br", "deflate", "zstd"];

pub static DEF: Def = Def {
    name: "decompression",
    aliases: &[],
    rank: 114,
    why: "request bodies are inflated before the body limit, so the limit counts inflated bytes (no zip bomb)",
    whole_app: None,
    must_wrap: &["body_limit"],
    must_wrap_why: "the body limit must count inflated bytes, or a small compressed body inflates without bound (a zip bomb)",
    wrapped_by: &["cors"],
    wrapped_by_why: "a guard's error response (408, 413, 415, 503, 504) must carry CORS headers, or the browser hides it from the page",
    example: "",
    read,
    rules: &[Rule {
        code: BAD_ALGORITHM,
        level: Level::Error,
        summary: "`decompression`: an unknown algorithm, or none at all",
        check: Some(check_algorithms),
    }],
};

#[derive(Clone, Debug)]
pub struct Decompression {
    pub algorithms: Option<Spanned<Vec<Spanned<String>>>>,
}

fn read(reader: &mut Reader<'_>, _at: &Loc) -> Config {
    Config::Decompression(Decompression {
        algorithms: reader.strings("algorithms"),
    })
}

impl Decompression {
    /// The accepted algorithms, known ones only, in the default's order.
    fn accepted(&self) -> Vec<&'static str> {
        ALGORITHMS
            .iter()
            .copied()
            .filter(|algorithm| match &self.algorithms {
                Some(list) => list.value.iter().any(|a| a.value == *algorithm),
                None => true,
            })
            .collect()
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let dc = quote!(#private::runtime::decompression);
        let accepted = self.accepted();
        let [gzip, br, deflate, zstd] = ["gzip", "br", "deflate", "zstd"].map(|a| accepted.contains(&a));
        // What a 415 advertises (RFC 9110 §15.5.16); "identity" is always accepted.
        let accept_encoding = accepted
            .iter()
            .copied()
            .chain(std::iter::once("identity"))
            .collect::<Vec<_>>()
            .join(", ");
        let items = quote! {
            static __STRATA_DECOMPRESSION: #dc::DecompressionPolicy = #dc::DecompressionPolicy {
                gzip: #gzip,
                br: #br,
                deflate: #deflate,
                zstd: #zstd,
                accept_encoding: #private::http::HeaderValue::from_static(#accept_encoding),
            };
        };
        Lowered::layer(quote!(#dc::DecompressionLayer::new(&__STRATA_DECOMPRESSION))).with_items(items)
    }
}

/// An unknown algorithm would silently never apply (its bodies get 415s);
/// an empty list refuses every compressed body while looking configured.
fn check_algorithms(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Decompression>() {
        let Some(list) = &config.algorithms else { continue };
        if list.value.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    BAD_ALGORITHM,
                    &list.loc,
                    "`decompression.algorithms` is empty: every compressed body would be refused",
                )
                .help(format!(
                    "list the encodings to accept, e.g. algorithms = [\"gzip\"], or remove `decompression`; strata knows {}",
                    ALGORITHMS.join(", ")
                )),
            );
        }
        for algorithm in &list.value {
            if ALGORITHMS.contains(&algorithm.value.as_str()) {
                continue;
            }
            let mut error = Diagnostic::error(
                BAD_ALGORITHM,
                &algorithm.loc,
                format!("unknown decompression algorithm \"{}\"", algorithm.value),
            );
            // The names people write for these codings, besides the tokens.
            let known_as = match algorithm.value.to_ascii_lowercase().as_str() {
                "brotli" => Some("br"),
                "x-gzip" | "gz" => Some("gzip"),
                "zlib" => Some("deflate"),
                "zstandard" | "zst" => Some("zstd"),
                _ => None,
            };
            error = match known_as.or_else(|| suggest(&algorithm.value, ALGORITHMS.iter().copied())) {
                Some(near) => error.help(format!("did you mean \"{near}\"? strata knows {}", ALGORITHMS.join(", "))),
                None => error.help(format!("strata knows {}", ALGORITHMS.join(", "))),
            };
            diagnostics.push(error);
        }
    }
}
