//! `allow_origin_regex` at compile time: built exactly as the runtime builds
//! it (`strata_runtime::cors::OriginRegex`: the pattern parsed alone, its
//! syntax tree wrapped in `\A…\z`, the crates, configuration and size limits
//! of `regex::Regex::new`), and probed for origins the user did not mean.

use regex_automata::meta;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// `regex::Regex::new`'s limit on the compiled program, as at run time.
const NFA_SIZE_LIMIT: usize = 10 * (1 << 20);
/// `regex::Regex::new`'s lazy DFA cache capacity, as at run time.
const HYBRID_CACHE_CAPACITY: usize = 2 * (1 << 20);

/// A pattern that compiles: its tree as written, and the full-match regex.
#[derive(Debug)]
pub struct OriginRegex {
    tree: Hir,
    regex: meta::Regex,
}

impl OriginRegex {
    /// The runtime's construction; `Err` carries the crate's message.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let tree = syntax::parse_with(pattern, &syntax::Config::new()).map_err(|error| error.to_string())?;
        let whole = Hir::concat(vec![Hir::look(Look::Start), tree.clone(), Hir::look(Look::End)]);
        let config = meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .nfa_size_limit(Some(NFA_SIZE_LIMIT))
            .hybrid_cache_capacity(HYBRID_CACHE_CAPACITY);
        let regex = meta::Builder::new()
            .configure(config)
            .build_from_hir(&whole)
            .map_err(|error| error.to_string())?;
        Ok(Self { tree, regex })
    }

    /// Whether the pattern matches all of `origin`, as at run time.
    pub fn is_match(&self, origin: &str) -> bool {
        self.regex.is_match(Input::new(origin).anchored(Anchored::Yes))
    }
}

/// An origin the pattern admits although nobody meant it, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmeant {
    /// A fixed probe: `null` or a host on the reserved `.invalid` domain.
    Foreign { origin: &'static str },
    /// An intended origin with one `.` of its host replaced, so the host
    /// leaves the intended domain (`https://a.example.com` → `https://axexample.com`).
    UnescapedDot { origin: String, intended: String },
    /// Something put before an intended domain (`https://evilexample.com`).
    Prefixed { origin: String, domain: String },
    /// Something put after an intended origin (`https://a.example.com.evil.invalid`).
    Suffixed { origin: String, intended: String },
}

/// Origins no stack means: `null` (sandboxed iframes, `file:` pages,
/// redirects) and hosts under `.invalid`, which RFC 2606 reserves, so no
/// user's own domain is among them.
const FOREIGN: &[&str] = &["null", "https://evil.invalid", "http://evil.invalid"];
/// What an attacker puts before or after an intended host.
const ATTACKER: &str = "evil";
const ATTACKER_DOMAIN: &str = "evil.invalid";
/// Characters that stand in for a `.` of an intended host.
const DOT_STAND_INS: [char; 2] = ['x', '-'];
/// Samples drawn from the pattern, at most.
const MAX_SAMPLES: usize = 32;
/// A repetition longer than this yields no sample (no host label needs it).
const MAX_SAMPLE_REPEAT: u32 = 64;
/// A sample longer than this is dropped: no origin is (a host name has at
/// most 253 bytes), and nested repetitions must not build megabytes.
const MAX_SAMPLE_LEN: usize = 300;

/// The first origin `regex` admits that nobody meant, probing as follows.
///
/// The intended origins are the `listed` ones and samples drawn from the
/// pattern's own syntax tree: each literal as written, each alternative, each
/// optional part both absent and present, each repetition at its minimum (at
/// least once), and each character class as one representative character,
/// a lowercase letter or digit where the class has one, except that a class
/// standing alone (not repeated) that admits `.` yields `.`: that is how a
/// `.` written unescaped between two labels reads, and the sample then
/// shows the host the user had in mind (`https://[a-z]+.example.com` →
/// `https://a.example.com`). Samples the pattern does not match (lookaround
/// or boundaries) are dropped. Against those, the probes, in this order:
///
/// 1. fixed foreign origins: `null`, `https://evil.invalid`, `http://evil.invalid`;
/// 2. each intended origin with one `.` of its host replaced by `x` or `-`,
///    when the new host is no longer inside the intended registrable domain
///    (`axexample.com` leaves `example.com`; `axb.example.com` does not, so
///    a class such as `[a-z.]+` for subdomains is not reported);
/// 3. `evil` put before the intended registrable domain (`evilexample.com`);
/// 4. `.evil.invalid` put after the intended host, and after the origin.
///
/// The registrable domain is approximated without a public suffix list: the
/// last two labels, or three when the second-to-last is a short label such
/// as `co` in `example.co.uk`; an IP address is its own domain.
pub fn unmeant_origin(regex: &OriginRegex, listed: &[&str]) -> Option<Unmeant> {
    if let Some(origin) = FOREIGN.iter().find(|origin| regex.is_match(origin)) {
        return Some(Unmeant::Foreign { origin });
    }
    let mut intended: Vec<String> = listed
        .iter()
        .filter(|origin| **origin != "*" && **origin != "null")
        .map(|origin| (*origin).to_owned())
        .collect();
    intended.extend(
        samples(&regex.tree, false)
            .into_iter()
            .filter(|sample| regex.is_match(sample)),
    );
    intended.dedup();
    let parts: Vec<OriginParts<'_>> = intended.iter().filter_map(|origin| OriginParts::of(origin)).collect();

    for origin in &parts {
        let domain = registrable_domain(origin.host);
        for (index, _) in origin.host.match_indices('.') {
            for stand_in in DOT_STAND_INS {
                let mut host = origin.host.to_owned();
                host.replace_range(index..=index, stand_in.encode_utf8(&mut [0; 4]));
                if inside(&host, domain) {
                    continue;
                }
                let probe = origin.with_host(&host);
                if regex.is_match(&probe) {
                    return Some(Unmeant::UnescapedDot {
                        origin: probe,
                        intended: origin.whole.to_owned(),
                    });
                }
            }
        }
    }
    for origin in &parts {
        let domain = registrable_domain(origin.host);
        if domain.contains('.') {
            let probe = origin.with_host(&format!("{ATTACKER}{domain}"));
            if regex.is_match(&probe) {
                return Some(Unmeant::Prefixed {
                    origin: probe,
                    domain: domain.to_owned(),
                });
            }
        }
    }
    for origin in &parts {
        let after_host = origin.with_host(&format!("{}.{ATTACKER_DOMAIN}", origin.host));
        let after_origin = format!("{}.{ATTACKER_DOMAIN}", origin.whole);
        if let Some(probe) = [after_host, after_origin]
            .into_iter()
            .find(|probe| regex.is_match(probe))
        {
            return Some(Unmeant::Suffixed {
                origin: probe,
                intended: origin.whole.to_owned(),
            });
        }
    }
    None
}

/// `scheme://host[:port]`, split.
struct OriginParts<'a> {
    whole: &'a str,
    scheme: &'a str,
    host: &'a str,
    port: &'a str,
}

impl<'a> OriginParts<'a> {
    fn of(whole: &'a str) -> Option<Self> {
        let (scheme, rest) = whole.split_once("://")?;
        let host_end = if rest.starts_with('[') {
            rest.find(']').map_or(rest.len(), |end| end + 1)
        } else {
            rest.find(':').unwrap_or(rest.len())
        };
        let (host, port) = rest.split_at(host_end);
        (!host.is_empty()).then_some(Self {
            whole,
            scheme,
            host,
            port,
        })
    }

    fn with_host(&self, host: &str) -> String {
        format!("{}://{host}{}", self.scheme, self.port)
    }
}

/// The domain whose owner wrote the pattern, approximated (see [`unmeant_origin`]).
fn registrable_domain(host: &str) -> &str {
    if host.parse::<std::net::Ipv4Addr>().is_ok() || host.starts_with('[') {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let keep = match labels.as_slice() {
        [.., _, second_to_last, _] if second_to_last.len() <= 3 => 3,
        [.., _, _] => 2,
        _ => 1,
    };
    let skipped: usize = labels[..labels.len() - keep].iter().map(|label| label.len() + 1).sum();
    &host[skipped..]
}

/// Whether `host` is `domain` or one of its subdomains.
fn inside(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|subdomain| subdomain.ends_with('.'))
}

/// Strings the pattern was written to match (see [`unmeant_origin`]).
/// `repeated`: the tree is a class repeated (`[a-z.]+`), whose characters
/// stand for many, so a letter represents it better than a `.`.
fn samples(tree: &Hir, repeated: bool) -> Vec<String> {
    match tree.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
            Ok(text) => vec![text.to_owned()],
            Err(_) => Vec::new(),
        },
        HirKind::Class(class) => representative(class, repeated).map(String::from).into_iter().collect(),
        HirKind::Capture(capture) => samples(&capture.sub, repeated),
        HirKind::Repetition(repetition) => {
            if repetition.min > MAX_SAMPLE_REPEAT {
                return Vec::new();
            }
            let many = repetition.max != Some(1);
            let inner = samples(&repetition.sub, many);
            let counts: &[u32] = if repetition.min == 0 {
                &[0, 1]
            } else {
                &[repetition.min]
            };
            let mut out = Vec::new();
            for &count in counts {
                for sample in &inner {
                    if sample.len().saturating_mul(count as usize) <= MAX_SAMPLE_LEN {
                        out.push(sample.repeat(count as usize));
                    }
                }
            }
            out.dedup();
            out.truncate(MAX_SAMPLES);
            out
        }
        HirKind::Concat(parts) => {
            let mut out = vec![String::new()];
            for part in parts {
                let tails = samples(part, false);
                out = out
                    .iter()
                    .flat_map(|head| tails.iter().map(move |tail| format!("{head}{tail}")))
                    .filter(|sample| sample.len() <= MAX_SAMPLE_LEN)
                    .take(MAX_SAMPLES)
                    .collect();
            }
            out
        }
        HirKind::Alternation(branches) => branches
            .iter()
            .flat_map(|branch| samples(branch, false))
            .take(MAX_SAMPLES)
            .collect(),
    }
}

/// One character a class admits, as described on [`unmeant_origin`].
fn representative(class: &Class, repeated: bool) -> Option<char> {
    let admits = |c: char| match class {
        Class::Unicode(class) => class.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(class) => {
            u8::try_from(c).is_ok_and(|b| class.ranges().iter().any(|r| r.start() <= b && b <= r.end()))
        }
    };
    if !repeated && admits('.') {
        return Some('.');
    }
    let first = match class {
        Class::Unicode(class) => class.ranges().first().map(|r| r.start()),
        Class::Bytes(class) => class.ranges().first().map(|r| char::from(r.start())),
    };
    ('a'..='z')
        .chain('0'..='9')
        .chain(['-'])
        .find(|&c| admits(c))
        .or_else(|| (' '..='~').find(|&c| c != '.' && admits(c)))
        .or(first)
}

/// `pattern` with each `.` that stands alone outside a class (not followed
/// by a quantifier) escaped: the fix for an unescaped dot, shown in the help.
pub fn escape_lone_dots(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
                continue;
            }
            '[' => in_class += 1,
            ']' if in_class > 0 => in_class -= 1,
            '.' if in_class == 0 && !matches!(chars.peek(), Some('*' | '+' | '?' | '{')) => {
                out.push_str("\\.");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(pattern: &str) -> Option<Unmeant> {
        let regex = OriginRegex::new(pattern).expect("compiles");
        unmeant_origin(&regex, &[])
    }

    #[test]
    fn broad_patterns_admit_a_foreign_origin() {
        for pattern in [
            "https://.*",
            "https?://.+",
            ".*",
            "https://[^/]+",
            "null|https://a\\.example\\.com",
        ] {
            assert!(matches!(finding(pattern), Some(Unmeant::Foreign { .. })), "{pattern}");
        }
    }

    #[test]
    fn an_unescaped_dot_is_found_from_the_pattern_itself() {
        assert_eq!(
            finding("https://[a-z]+.example.com"),
            Some(Unmeant::UnescapedDot {
                origin: "https://axexample.com".into(),
                intended: "https://a.example.com".into(),
            })
        );
        for pattern in [
            "https://app.example.com",
            "https://app\\.example.com",
            "http://127.0.0.1:[0-9]+",
            "https://(www\\.)?example.co\\.uk",
        ] {
            assert!(
                matches!(finding(pattern), Some(Unmeant::UnescapedDot { .. })),
                "{pattern}"
            );
        }
    }

    #[test]
    fn hosts_that_run_on_past_or_into_the_domain_are_found() {
        assert!(matches!(
            finding("https://.*example\\.com"),
            Some(Unmeant::Prefixed { .. })
        ));
        assert!(matches!(
            finding("https://[a-z]*example\\.com"),
            Some(Unmeant::Prefixed { .. })
        ));
        assert_eq!(
            finding("https://app\\.example\\.com.*"),
            Some(Unmeant::Suffixed {
                origin: "https://app.example.com.evil.invalid".into(),
                intended: "https://app.example.com".into(),
            })
        );
        assert!(matches!(
            finding("https://app\\.example\\.com[a-z.]*"),
            Some(Unmeant::Suffixed { .. })
        ));
    }

    #[test]
    fn careful_patterns_pass() {
        for pattern in [
            "https://[a-z0-9-]+\\.preview\\.example\\.com",
            "https://[a-z0-9]+\\.preview\\.example\\.com",
            "https://([a-z0-9-]+\\.)?example\\.com",
            "https://[a-z0-9.-]+\\.example\\.com",
            "https://.*\\.example\\.com",
            "http://localhost:[0-9]+",
            "https://app\\.example\\.com(:[0-9]+)?",
            "https://(app|admin)\\.example\\.co\\.uk",
            "http://127\\.0\\.0\\.1:[0-9]{2,5}",
            "(?i)https://APP\\.example\\.com",
        ] {
            assert_eq!(finding(pattern), None, "{pattern}");
        }
    }

    #[test]
    fn listed_origins_are_probed_too() {
        let regex = OriginRegex::new("https://[a-z.]+\\.example\\.com").expect("compiles");
        // A subdomain with its dot replaced stays inside example.com.
        assert_eq!(unmeant_origin(&regex, &["https://a.b.example.com"]), None);
        let regex =
            OriginRegex::new("https://app.example.com|https://[a-z]+\\.preview\\.example\\.com").expect("compiles");
        assert!(matches!(
            unmeant_origin(&regex, &["https://app.example.com"]),
            Some(Unmeant::UnescapedDot { .. })
        ));
    }

    #[test]
    fn registrable_domains_are_approximated() {
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        assert_eq!(registrable_domain("app.example.co.uk"), "example.co.uk");
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert!(inside("a.example.com", "example.com"));
        assert!(!inside("aexample.com", "example.com"));
    }

    #[test]
    fn the_fix_escapes_lone_dots_only() {
        assert_eq!(
            escape_lone_dots("https://[a-z.]+.example.com"),
            "https://[a-z.]+\\.example\\.com"
        );
        assert_eq!(escape_lone_dots("https://.*\\.a.b"), "https://.*\\.a\\.b");
    }

    #[test]
    fn nested_repetitions_and_wide_alternations_stay_cheap() {
        let started = std::time::Instant::now();
        for pattern in [
            "(a{64}){64}{64}",
            "((((((((x|y|z){2}){2}){2}){2}){2}){2}){2})",
            "(a|b|c|d|e|f|g|h)(a|b|c|d|e|f|g|h)(a|b|c|d|e|f|g|h)(a|b|c|d|e|f|g|h)",
            "\\w+\\.\\w+",
        ] {
            if let Ok(regex) = OriginRegex::new(pattern) {
                let _ = unmeant_origin(&regex, &["https://app.example.com"]);
            }
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn the_construction_refuses_what_the_runtime_refuses() {
        assert!(OriginRegex::new("a)|(.*").is_err());
        assert!(OriginRegex::new(r"\w{2000}{2000}").is_err());
    }
}
