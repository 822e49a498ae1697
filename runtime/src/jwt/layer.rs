use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tower_layer::Layer;

use super::{Jwt, JwtPolicy, MAX_LEEWAY, MIN_SECRET_LEN};
use crate::env::MissingEnv;

/// Layer applying [`Jwt`]; see the [module docs](super).
#[derive(Clone)]
pub struct JwtLayer {
    pub(super) policy: &'static JwtPolicy,
    pub(super) verifier: Arc<Verifier>,
}

pub(super) struct Verifier {
    pub(super) key: DecodingKey,
    pub(super) validation: Validation,
}

impl std::fmt::Debug for JwtLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("JwtLayer")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl JwtLayer {
    /// A layer verifying HMAC-signed tokens with `secret`, the value of the
    /// environment variable `variable`; a secret under 32 bytes is refused.
    pub fn with_secret(policy: &'static JwtPolicy, secret: &str, variable: &'static str) -> Result<Self, MissingEnv> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(MissingEnv::invalid(
                variable,
                "jwt.secret_env",
                "the secret is shorter than 32 bytes; generate one with `openssl rand -base64 32`",
            ));
        }
        Ok(Self::with_key(policy, DecodingKey::from_secret(secret.as_bytes())))
    }

    /// A layer verifying tokens with the PEM public key `pem`, read from
    /// `file` at compile time. strata checked the file when it compiled the
    /// stack; a key that still does not parse stops the app here, naming it.
    pub fn with_public_key(policy: &'static JwtPolicy, pem: &[u8], file: &'static str) -> Self {
        let family = policy.algorithms.first().map(|alg| alg.family());
        let key = match family {
            Some(jsonwebtoken::AlgorithmFamily::Ec) => DecodingKey::from_ec_pem(pem),
            Some(jsonwebtoken::AlgorithmFamily::Ed) => DecodingKey::from_ed_pem(pem),
            _ => DecodingKey::from_rsa_pem(pem),
        };
        match key {
            Ok(key) => Self::with_key(policy, key),
            Err(error) => panic!("strata: `jwt.public_key_file` ({file}) is not a usable PEM public key: {error}"),
        }
    }

    fn with_key(policy: &'static JwtPolicy, key: DecodingKey) -> Self {
        let first = policy.algorithms.first().copied().unwrap_or(Algorithm::HS256);
        let mut validation = Validation::new(first);
        validation.algorithms = policy.algorithms.to_vec();
        // strata refuses more at compile time (S0602); clamping here keeps a
        // hand-built policy from making jsonwebtoken compute `now - leeway`
        // below zero.
        validation.leeway = policy.leeway.min(MAX_LEEWAY);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // jsonwebtoken's default stays on: a token that carries an `aud` is
        // refused unless it names the configured audience, and when none is
        // configured any `aud` is refused (RFC 7519 §4.1.3: a token meant for
        // another service of the same issuer is not for us).
        validation.validate_aud = true;
        // A configured `aud` or `iss` must be present, not merely right when present.
        let mut required = vec!["exp"];
        if let Some(audience) = policy.audience {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        if let Some(issuer) = policy.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        let verifier = Verifier { key, validation };
        verifier.self_check(first);
        Self {
            policy,
            verifier: Arc::new(verifier),
        }
    }
}

impl Verifier {
    /// Runs the crypto backend once on a token that cannot verify. If the
    /// app's dependencies enabled a second `jsonwebtoken` backend, the crate
    /// panics on every verification; better here, at start-up.
    fn self_check(&self, alg: Algorithm) {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(format!(r#"{{"alg":"{alg:?}","typ":"JWT"}}"#));
        let payload = engine.encode(r#"{"exp":0}"#);
        let token = format!("{header}.{payload}.AAAA");
        let _ = jsonwebtoken::decode::<serde_json::Value>(&token, &self.key, &self.validation);
    }
}

impl<S> Layer<S> for JwtLayer {
    type Service = Jwt<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Jwt {
            inner,
            layer: self.clone(),
        }
    }
}
