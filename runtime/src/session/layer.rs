use tower_layer::Layer;

use super::cookie::Signer;
use super::{MIN_SECRET_LEN, SessionPolicy, SessionService};
use crate::env::MissingEnv;

/// Layer applying [`SessionService`] (the signed-cookie store); see the
/// [module docs](super).
#[derive(Clone, Debug)]
pub struct SessionLayer {
    pub(super) policy: &'static SessionPolicy,
    pub(super) signer: Signer,
}

impl SessionLayer {
    /// A cookie-store layer signing with `secret`, the value of the
    /// environment variable `variable`; a secret under 32 bytes is refused.
    pub fn new(policy: &'static SessionPolicy, secret: &str, variable: &'static str) -> Result<Self, MissingEnv> {
        Ok(Self {
            policy,
            signer: signer(secret, variable)?,
        })
    }
}

pub(super) fn signer(secret: &str, variable: &'static str) -> Result<Signer, MissingEnv> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(MissingEnv::invalid(
            variable,
            "session.secret_env",
            "the secret is shorter than 32 bytes; generate one with `openssl rand -base64 32`",
        ));
    }
    Ok(Signer::new(secret.as_bytes()))
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService {
            inner,
            layer: self.clone(),
        }
    }
}
