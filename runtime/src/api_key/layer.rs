use std::sync::Arc;

use sha2::{Digest, Sha256};
use tower_layer::Layer;

use super::{ApiKey, ApiKeyPolicy};
use crate::env::MissingEnv;

/// Layer applying [`ApiKey`]; see the [module docs](super).
#[derive(Clone)]
pub struct ApiKeyLayer {
    pub(super) policy: &'static ApiKeyPolicy,
    pub(super) digests: Arc<[[u8; 32]]>,
}

impl std::fmt::Debug for ApiKeyLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Digests of secrets are not for logs either.
        f.debug_struct("ApiKeyLayer")
            .field("policy", &self.policy)
            .field("keys", &self.digests.len())
            .finish()
    }
}

impl ApiKeyLayer {
    /// A layer accepting the keys in `keys` (the value of the environment
    /// variable `variable`): separated by commas or whitespace. A value with
    /// no key in it is refused, naming the variable.
    pub fn new(policy: &'static ApiKeyPolicy, keys: &str, variable: &'static str) -> Result<Self, MissingEnv> {
        let digests: Vec<[u8; 32]> = keys
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|key| !key.is_empty())
            .map(|key| Sha256::digest(key.as_bytes()).into())
            .collect();
        if digests.is_empty() {
            return Err(MissingEnv::invalid(
                variable,
                "api_key.keys_env",
                "it holds no key (separate keys with commas)",
            ));
        }
        Ok(Self {
            policy,
            digests: digests.into(),
        })
    }
}

impl<S> Layer<S> for ApiKeyLayer {
    type Service = ApiKey<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ApiKey {
            inner,
            layer: self.clone(),
        }
    }
}
