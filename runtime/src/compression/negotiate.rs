//! `Accept-Encoding` → the coding to send (RFC 9110 §12.5.3).
//!
//! The algorithm is tower-http 0.7's (itself from `http-rs/accept-encoding`),
//! which strata shipped before it compressed on its own, so clients see the
//! same choices: explicit codings with their q-values (0 to 1, at most three
//! decimals; a malformed q-value drops the entry), `x-gzip` as `gzip`, names
//! case-insensitive, every `Accept-Encoding` line read as one list; `*` gives
//! its q-value to each enabled coding not listed; the highest q wins, ties go
//! to br, then gzip, then deflate, then identity. Codings strata does not
//! enable (zstd, or one the stack leaves out) are ignored.

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// What the response is sent as; the order is the preference on equal q.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Coding {
    Identity,
    Deflate,
    Gzip,
    #[cfg(feature = "compression_br")]
    Brotli,
}

impl Coding {
    /// Compressed by the streaming encoder whatever the body's size:
    /// libdeflate, the one-shot path, has no brotli.
    pub(super) const fn streamed_only(self) -> bool {
        #[cfg(feature = "compression_br")]
        return matches!(self, Coding::Brotli);
        #[cfg(not(feature = "compression_br"))]
        return false;
    }

    pub(super) const fn header_value(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Deflate => "deflate",
            Coding::Gzip => "gzip",
            #[cfg(feature = "compression_br")]
            Coding::Brotli => "br",
        }
    }
}

/// The codings a stack enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Enabled {
    pub(super) gzip: bool,
    pub(super) deflate: bool,
    pub(super) br: bool,
}

impl Enabled {
    /// Brotli, when strata is built with it (`CompressionLayer::new` refuses
    /// `br` otherwise, so `br` is never set without it).
    fn brotli() -> Option<Coding> {
        #[cfg(feature = "compression_br")]
        return Some(Coding::Brotli);
        #[cfg(not(feature = "compression_br"))]
        return None;
    }

    fn parse(self, name: &str) -> Option<Coding> {
        if (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && self.gzip {
            Some(Coding::Gzip)
        } else if name.eq_ignore_ascii_case("deflate") && self.deflate {
            Some(Coding::Deflate)
        } else if name.eq_ignore_ascii_case("br") && self.br {
            Self::brotli()
        } else if name.eq_ignore_ascii_case("identity") {
            Some(Coding::Identity)
        } else {
            None
        }
    }

    fn all(self) -> impl Iterator<Item = Coding> {
        [
            Some(Coding::Identity),
            self.gzip.then_some(Coding::Gzip),
            self.deflate.then_some(Coding::Deflate),
            self.br.then(Self::brotli).flatten(),
        ]
        .into_iter()
        .flatten()
    }
}

/// The coding the client prefers among `enabled`, or `None` when it refuses
/// every one of them and identity too (tower-http's `406` case; strata then
/// sends the body as is, see the module docs).
pub(super) fn negotiate(headers: &HeaderMap, enabled: Enabled) -> Option<Coding> {
    let entries = || {
        headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|entry| {
                let mut parts = entry.splitn(2, ';');
                let name = parts.next().unwrap_or_default().trim();
                let q = match parts.next() {
                    Some(q) => parse_q(q.trim())?,
                    None => 1000,
                };
                Some((name, q))
            })
    };
    let explicit = || entries().filter_map(|(name, q)| Some((enabled.parse(name)?, q)));
    let Some(wildcard_q) = entries().find_map(|(name, q)| (name == "*").then_some(q)) else {
        return match best(explicit()) {
            Some(coding) => Some(coding),
            None if explicit().any(|(coding, q)| coding == Coding::Identity && q == 0) => None,
            None => Some(Coding::Identity),
        };
    };
    best(enabled.all().map(|coding| {
        let q = explicit()
            .find(|(listed, _)| *listed == coding)
            .map_or(wildcard_q, |(_, q)| q);
        (coding, q)
    }))
}

/// The acceptable (q > 0) coding with the highest q, the most preferred on a tie.
fn best(candidates: impl Iterator<Item = (Coding, u16)>) -> Option<Coding> {
    candidates
        .filter(|(_, q)| *q > 0)
        .max_by_key(|&(coding, q)| (q, coding))
        .map(|(coding, _)| coding)
}

/// `q=0.5` → 500. `None` for anything RFC 9110 §12.4.2 does not allow.
fn parse_q(text: &str) -> Option<u16> {
    let mut chars = text.chars();
    if !matches!(chars.next(), Some('q' | 'Q')) || chars.next() != Some('=') {
        return None;
    }
    let mut value: u16 = match chars.next() {
        Some('0') => 0,
        Some('1') => 1000,
        _ => return None,
    };
    match chars.next() {
        None => return Some(value),
        Some('.') => {}
        Some(_) => return None,
    }
    let mut factor = 100;
    for digit in chars {
        let digit = digit.to_digit(10)?;
        if factor == 0 {
            return None;
        }
        // At most 1000 + 9 * 111: no overflow.
        value += factor * digit as u16;
        factor /= 10;
    }
    (value <= 1000).then_some(value)
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::{Coding, Enabled, negotiate, parse_q};

    const ALL: Enabled = Enabled {
        gzip: true,
        deflate: true,
        br: true,
    };
    const GZIP: Enabled = Enabled {
        gzip: true,
        deflate: false,
        br: false,
    };

    fn pick(enabled: Enabled, lines: &[&'static str]) -> Option<Coding> {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("accept-encoding", HeaderValue::from_static(line));
        }
        negotiate(&headers, enabled)
    }

    /// tower-http 0.7's own cases (`content_encoding.rs`), without zstd.
    #[test]
    fn agrees_with_tower_http() {
        use Coding::*;
        for (enabled, header, expected) in [
            (ALL, None, Some(Identity)),
            (ALL, Some("gzip"), Some(Gzip)),
            (ALL, Some("gzip,br"), Some(Brotli)),
            (ALL, Some("gzip,x-gzip"), Some(Gzip)),
            (ALL, Some("deflate,x-gzip"), Some(Gzip)),
            (ALL, Some("gzip,deflate,br"), Some(Brotli)),
            (ALL, Some("gzip;q=0.5,br"), Some(Brotli)),
            (ALL, Some("gzip;q=0.8,br;q=0.5"), Some(Gzip)),
            (ALL, Some("gzip;q=0.995,br;q=0.999"), Some(Brotli)),
            (ALL, Some("gzip;q=0.6,deflate;q=0.8,br;q=0.5"), Some(Deflate)),
            (ALL, Some("invalid,gzip"), Some(Gzip)),
            (ALL, Some("gzip;q=0"), Some(Identity)),
            (ALL, Some("gzip;q=0."), Some(Identity)),
            (ALL, Some("gzip;q=0,br;q=0.5"), Some(Brotli)),
            (ALL, Some("gZiP"), Some(Gzip)),
            (ALL, Some("gzip;q=0.5,br;Q=0.8"), Some(Brotli)),
            (ALL, Some(" gzip\t; q=0.5 ,\tbr ;\tq=0.8\t"), Some(Brotli)),
            (ALL, Some("gzip;q =0.5"), Some(Identity)),
            (ALL, Some("gzip;q= 0.5"), Some(Identity)),
            (ALL, Some("gzip;q=-0.1"), Some(Identity)),
            (ALL, Some("gzip;q=00.5"), Some(Identity)),
            (ALL, Some("gzip;q=0.5000"), Some(Identity)),
            (ALL, Some("gzip;q=.5"), Some(Identity)),
            (ALL, Some("gzip;q=1.01"), Some(Identity)),
            (ALL, Some("gzip;q=1.001"), Some(Identity)),
            (ALL, Some("*"), Some(Brotli)),
            (ALL, Some("*;q=0"), None),
            (ALL, Some("*;q=0,gzip"), Some(Gzip)),
            (ALL, Some("identity;q=0"), None),
            (ALL, Some("identity;q=0,gzip"), Some(Gzip)),
            (ALL, Some("*;q=0,identity;q=0"), None),
            (ALL, Some("*;q=0.5,gzip;q=1"), Some(Gzip)),
            (ALL, Some("*;q=0,identity"), Some(Identity)),
            (ALL, Some("zstd"), Some(Identity)),
            (GZIP, Some("*"), Some(Gzip)),
            (GZIP, Some("*;q=0,br"), None),
            (GZIP, Some("br"), Some(Identity)),
        ] {
            let lines: Vec<&'static str> = header.into_iter().collect();
            assert_eq!(pick(enabled, &lines), expected, "{header:?}");
        }
    }

    #[test]
    fn repeated_lines_form_one_list() {
        assert_eq!(pick(ALL, &["gzip;q=0.5", "br;q=0.9"]), Some(Coding::Brotli));
        assert_eq!(pick(GZIP, &["identity", "gzip"]), Some(Coding::Gzip));
    }

    #[test]
    fn q_values() {
        for (text, expected) in [
            ("q=1", Some(1000)),
            ("q=1.000", Some(1000)),
            ("Q=0.123", Some(123)),
            ("q=0.9", Some(900)),
            ("q=0", Some(0)),
            ("q=1.5", None),
            ("q=0.1234", None),
            ("q=2", None),
            ("q=", None),
            ("x=1", None),
            ("q=0.a", None),
            ("q=0.99999999999999999999", None),
        ] {
            assert_eq!(parse_q(text), expected, "{text}");
        }
    }
}
