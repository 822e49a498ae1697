//! `jwt`: requests must carry a valid bearer JWT; its claims reach the handlers.

use super::api_key::check_env_name;
use super::{Config, Def, private, startup};
use crate::diag::{Diagnostic, Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered, path_list};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::{format_ident, quote};

pub const UNSAFE_ALGORITHM: &str = "S0601";
pub const LEEWAY_TOO_LONG: &str = "S0602";
pub const NO_AUDIENCE: &str = "S0603";

/// The longest `leeway` accepted, in seconds (the runtime clamps to it too).
pub const MAX_LEEWAY: u64 = 300;

/// Every algorithm strata accepts, by key family.
pub const HMAC: &[&str] = &["HS256", "HS384", "HS512"];
pub const RSA: &[&str] = &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
pub const EC: &[&str] = &["ES256", "ES384"];
pub const ED: &[&str] = &["EdDSA"];

pub static DEF: Def = Def {
    name: "jwt",
    aliases: &[],
    rank: 130,
    why: "auth runs inside the limits that guard it from brute force, and after the session exists",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"secret_env = "JWT_SECRET""#,
    read,
    rules: &[
        Rule {
            code: UNSAFE_ALGORITHM,
            level: Level::Error,
            summary: "`jwt`: algorithm `none`; an HS* algorithm with a public key file, or RS*/ES* with a secret; algorithms of different key types",
            check: Some(check_algorithms),
        },
        Rule {
            code: LEEWAY_TOO_LONG,
            level: Level::Error,
            summary: "`jwt`: `leeway` over 300 seconds",
            check: Some(check_leeway),
        },
        Rule {
            code: NO_AUDIENCE,
            level: Level::Warning,
            summary: "`jwt`: `public_key_file` (an identity provider's key) without `audience`",
            check: Some(check_audience),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`jwt`: an unknown algorithm, no key or two keys, a key file that is not a PEM public key, an empty audience or issuer",
            check: Some(check_keys),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct Jwt {
    /// Where the entry is written, for "no key" errors.
    pub at: Loc,
    pub secret_env: Option<Spanned<String>>,
    pub public_key_file: Option<Spanned<String>>,
    pub algorithms: Option<Spanned<Vec<Spanned<String>>>>,
    pub public_paths: Option<Spanned<Vec<Spanned<String>>>>,
    pub leeway: Option<Spanned<u64>>,
    pub audience: Option<Spanned<String>>,
    pub issuer: Option<Spanned<String>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    Config::Jwt(Jwt {
        at: at.clone(),
        secret_env: reader.string("secret_env"),
        public_key_file: reader.string("public_key_file"),
        algorithms: reader.strings("algorithms"),
        public_paths: reader.paths("public_paths"),
        leeway: reader.uint("leeway"),
        audience: reader.string("audience"),
        issuer: reader.string("issuer"),
    })
}

fn family(algorithm: &str) -> Option<&'static str> {
    if HMAC.contains(&algorithm) {
        Some("HMAC (a shared secret)")
    } else if RSA.contains(&algorithm) {
        Some("RSA")
    } else if EC.contains(&algorithm) {
        Some("EC")
    } else if ED.contains(&algorithm) {
        Some("Ed25519")
    } else {
        None
    }
}

impl Jwt {
    /// The algorithms as written, or the default `HS256`.
    fn algorithm_names(&self) -> Vec<String> {
        match &self.algorithms {
            Some(list) => list.value.iter().map(|a| a.value.clone()).collect(),
            None => vec!["HS256".into()],
        }
    }

    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let algorithms: Vec<_> = self
            .algorithm_names()
            .iter()
            .map(|name| {
                let variant = format_ident!("{name}");
                quote!(#private::runtime::jwt::Algorithm::#variant)
            })
            .collect();
        let public_paths = path_list(self.public_paths.as_ref());
        let leeway = self.leeway.as_ref().map_or(0, |l| l.value.min(MAX_LEEWAY));
        let option = |value: &Option<Spanned<String>>| match value {
            Some(text) => {
                let text = &text.value;
                quote!(Some(#text))
            }
            None => quote!(None),
        };
        let audience = option(&self.audience);
        let issuer = option(&self.issuer);
        let mut key_item = proc_macro2::TokenStream::new();
        let layer = match (&self.public_key_file, &self.secret_env) {
            (Some(file), _) => {
                let path = &file.value;
                let bytes = if std::path::Path::new(path).is_absolute() {
                    quote!(::core::include_bytes!(#path))
                } else {
                    quote!(::core::include_bytes!(
                        ::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), "/", #path)
                    ))
                };
                // In an item of its own: a macro expanded in the stack's
                // function would tie rustc's incremental cache of the whole
                // function to where it sits in the file (see `emit::relocate`).
                key_item = quote!(static __STRATA_JWT_PUBLIC_KEY: &[u8] = #bytes;);
                quote!(#private::runtime::jwt::JwtLayer::with_public_key(&__STRATA_JWT, __STRATA_JWT_PUBLIC_KEY, #path))
            }
            (None, secret) => {
                let variable = secret.as_ref().map_or("", |v| v.value.as_str());
                let secret = cx.env_checked(variable, "jwt.secret_env", quote!(secret));
                startup(
                    cx,
                    quote!(#private::runtime::jwt::JwtLayer::with_secret(&__STRATA_JWT, &#secret, #variable)),
                )
            }
        };
        Lowered::layer(layer).with_items(quote! {
            #key_item
            static __STRATA_JWT: #private::runtime::jwt::JwtPolicy = #private::runtime::jwt::JwtPolicy {
                algorithms: &[#(#algorithms),*],
                public_paths: #public_paths,
                leeway: #leeway,
                audience: #audience,
                issuer: #issuer,
            };
        })
    }
}

/// `none` turns signature checking off; a key of the wrong kind for the
/// algorithm is the root of the algorithm-confusion attack (an RSA public
/// key used as an HMAC secret lets anyone who has it sign tokens); and one
/// key cannot verify algorithms of two families, so half the list would
/// silently refuse every token.
fn check_algorithms(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Jwt>() {
        let written = config.algorithms.iter().flat_map(|list| &list.value);
        for algorithm in written.clone() {
            if algorithm.value.eq_ignore_ascii_case("none") {
                diagnostics.push(
                    Diagnostic::error(
                        UNSAFE_ALGORITHM,
                        &algorithm.loc,
                        "`jwt.algorithms` allows \"none\": unsigned tokens would be accepted",
                    )
                    .help("remove \"none\"; list the algorithm your issuer signs with, e.g. \"RS256\""),
                );
                continue;
            }
            let Some(kind) = family(&algorithm.value) else { continue };
            let is_hmac = HMAC.contains(&algorithm.value.as_str());
            if is_hmac && let Some(file) = &config.public_key_file {
                diagnostics.push(
                    Diagnostic::error(
                        UNSAFE_ALGORITHM,
                        &algorithm.loc,
                        format!("`jwt.algorithms` has {} with a public key file: a public key used as an HMAC secret lets anyone sign tokens", algorithm.value),
                    )
                    .note(&file.loc, "the public key file is given here")
                    .help("use the algorithm the key is for (RS256, ES256, ...), or verify HS* with secret_env"),
                );
            }
            if !is_hmac && let Some(secret) = &config.secret_env {
                diagnostics.push(
                    Diagnostic::error(
                        UNSAFE_ALGORITHM,
                        &algorithm.loc,
                        format!(
                            "`jwt.algorithms` has {} ({kind}) with a shared secret; it needs a public key",
                            algorithm.value
                        ),
                    )
                    .note(&secret.loc, "the secret is given here")
                    .help(format!(
                        "write public_key_file = \"keys/jwt.pem\" for {}, or use HS256 with secret_env",
                        algorithm.value
                    )),
                );
            }
        }
        let mut known = written.filter_map(|a| family(&a.value).map(|kind| (a, kind)));
        if let Some((first, first_kind)) = known.next()
            && let Some((other, other_kind)) = known.find(|(_, kind)| kind != &first_kind)
        {
            diagnostics.push(
                Diagnostic::error(
                    UNSAFE_ALGORITHM,
                    &other.loc,
                    format!(
                        "`jwt.algorithms` mixes {} ({other_kind}) with {} ({first_kind}); one key verifies one kind",
                        other.value, first.value
                    ),
                )
                .note(&first.loc, format!("{} is listed here", first.value))
                .help("list algorithms of one family, e.g. [\"RS256\", \"PS256\"]"),
            );
        }
    }
}

/// `leeway` keeps expired tokens alive for that long, and jsonwebtoken
/// computes `now - leeway`: `leeway = 100000` is a day of grace for a
/// stolen token, and a larger one underflows. Clocks that disagree by more
/// than five minutes are broken, not skewed.
fn check_leeway(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Jwt>() {
        if let Some(leeway) = config.leeway.as_ref().filter(|l| l.value > MAX_LEEWAY) {
            diagnostics.push(
                Diagnostic::error(
                    LEEWAY_TOO_LONG,
                    &leeway.loc,
                    format!(
                        "`jwt.leeway` is {} seconds; more than {MAX_LEEWAY} keeps expired tokens valid",
                        leeway.value
                    ),
                )
                .help("leeway tolerates clock skew: a few seconds, e.g. leeway = 30 (at most 300); fix a clock that is further off"),
            );
        }
    }
}

/// An identity provider (Auth0, Keycloak, Google, ...) signs the tokens of
/// every application it serves with the same key. Without `audience`, a
/// token it issued for another application is accepted here unless that
/// token happens to carry an `aud` (which strata refuses when none is
/// configured); tokens without `aud` pass whoever they were meant for.
fn check_audience(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Jwt>() {
        // With `secret_env` too, the entry is already an error (two keys).
        if let (Some(file), None, None) = (&config.public_key_file, &config.audience, &config.secret_env) {
            diagnostics.push(
                Diagnostic::warning(
                    NO_AUDIENCE,
                    &file.loc,
                    "`jwt.public_key_file` verifies an identity provider's tokens, but no `audience` says which are for this service",
                )
                .help("add audience = \"<this API's identifier>\" (the `aud` your provider puts in tokens for this service), and issuer = \"<the provider's URL>\""),
            );
        }
    }
}

fn check_keys(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<Jwt>() {
        for (key, claim, value) in [("audience", "aud", &config.audience), ("issuer", "iss", &config.issuer)] {
            if let Some(value) = value.as_ref().filter(|v| v.value.trim().is_empty()) {
                diagnostics.push(
                    Diagnostic::error(
                        rules::WRONG_VALUE,
                        &value.loc,
                        format!("`jwt.{key}` is empty, so no token would carry it"),
                    )
                    .help(format!("write the `{claim}` your tokens carry, or remove `{key}`")),
                );
            }
        }
        let all: Vec<&str> = [HMAC, RSA, EC, ED].concat();
        if let Some(list) = &config.algorithms
            && list.value.is_empty()
        {
            diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &list.loc,
                    "`jwt.algorithms` is empty, so no token could verify",
                )
                .help("list the algorithm your tokens are signed with, e.g. [\"HS256\"]"),
            );
        }
        for algorithm in config.algorithms.iter().flat_map(|list| &list.value) {
            if family(&algorithm.value).is_none() && !algorithm.value.eq_ignore_ascii_case("none") {
                let mut error = Diagnostic::error(
                    rules::WRONG_VALUE,
                    &algorithm.loc,
                    format!("unknown JWT algorithm \"{}\"", algorithm.value),
                );
                error = match crate::diag::suggest(&algorithm.value, all.iter().copied()) {
                    Some(near) => error.help(format!("did you mean \"{near}\"?")),
                    None => error.help(format!("strata knows {}", all.join(", "))),
                };
                diagnostics.push(error);
            }
        }
        match (&config.secret_env, &config.public_key_file) {
            (None, None) => diagnostics.push(
                Diagnostic::error(rules::WRONG_VALUE, &config.at, "`jwt` needs a key: `secret_env` or `public_key_file`")
                    .help("add secret_env = \"JWT_SECRET\" (HS256), or public_key_file = \"keys/jwt.pem\" with algorithms = [\"RS256\"]"),
            ),
            (Some(secret), Some(file)) => diagnostics.push(
                Diagnostic::error(
                    rules::WRONG_VALUE,
                    &file.loc,
                    "`jwt` takes one key: `public_key_file` or `secret_env`, not both",
                )
                .note(&secret.loc, "`secret_env` is set here")
                .help("keep the one your tokens are signed for"),
            ),
            (Some(secret), None) => check_env_name("jwt.secret_env", secret, diagnostics),
            (None, Some(file)) => check_key_file(file, diagnostics),
        }
    }
}

/// The key file is embedded at compile time (relative to the crate's
/// `Cargo.toml`); reading it here turns a wrong path, or a private key
/// about to be compiled into the binary, into an error on the key.
fn check_key_file(file: &Spanned<String>, diagnostics: &mut Diagnostics) {
    let Ok(manifest_dir) = std::env::var("CARGO_MANIFEST_DIR") else {
        return;
    };
    let path = std::path::Path::new(&manifest_dir).join(&file.value);
    let problem = match std::fs::read_to_string(&path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Some("does not exist (the path is relative to the crate's Cargo.toml)".to_string())
        }
        Err(_) => Some("cannot be read".to_string()),
        Ok(text) if text.contains("PRIVATE KEY-----") => {
            Some("holds a private key; the server only needs the public one".to_string())
        }
        Ok(text)
            if !text.contains("-----BEGIN PUBLIC KEY-----") && !text.contains("-----BEGIN RSA PUBLIC KEY-----") =>
        {
            Some("is not a PEM public key (`-----BEGIN PUBLIC KEY-----`)".to_string())
        }
        Ok(_) => None,
    };
    if let Some(problem) = problem {
        diagnostics.push(
            Diagnostic::error(
                rules::WRONG_VALUE,
                &file.loc,
                format!("`jwt.public_key_file` \"{}\" {problem}", file.value),
            )
            .help("give the path of the issuer's PEM public key, relative to the crate's Cargo.toml (`openssl pkey -in private.pem -pubout`)"),
        );
    }
}
