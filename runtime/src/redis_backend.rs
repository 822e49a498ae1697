//! The Redis connection shared by the Redis backends (`rate_limit`,
//! `session`), behind the cargo feature `redis`.
//!
//! One multiplexed connection per layer, made on the first request (so
//! building the stack needs neither a running Redis nor an async runtime),
//! reconnected in the background after a failure by the `redis` crate's
//! `ConnectionManager`. Every call is bounded by [`TIMEOUT`]: with Redis
//! down, a request waits at most that long before the middleware applies its
//! documented fallback. The URL, which may hold a password, is never logged.
//!
//! The futures of Redis calls are boxed (`Pin<Box<dyn Future + Send>>`): the
//! `redis` crate's own command futures are boxed already, so one more box
//! per call costs little, and the middlewares' futures stay concrete types
//! around them. Only the Redis backends do this; nothing else on the request
//! path is boxed.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::env::MissingEnv;

/// How long one Redis call may take before it counts as a failure.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// A boxed future of a Redis call; see the [module docs](self).
pub type BackendFuture<T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'static>>;

/// A Redis call failed or timed out.
#[derive(Debug)]
pub struct BackendError(pub(crate) String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<redis::RedisError> for BackendError {
    fn from(error: redis::RedisError) -> Self {
        // Kind and detail only: never the URL or its password.
        Self(format!(
            "redis: {:?}: {}",
            error.kind(),
            error.detail().unwrap_or("no detail")
        ))
    }
}

/// A lazily connected Redis client.
pub struct RedisBackend {
    client: redis::Client,
    manager: OnceLock<ConnectionManager>,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend").finish_non_exhaustive()
    }
}

impl RedisBackend {
    /// A client for `url`, the value of the environment variable `variable`
    /// named by the option `purpose`; a value that is not a Redis URL is
    /// refused, naming the variable (never echoing the URL).
    pub fn new(url: &str, variable: &'static str, purpose: &'static str) -> Result<Self, MissingEnv> {
        let client = redis::Client::open(url).map_err(|_| {
            MissingEnv::invalid(
                variable,
                purpose,
                "it is not a Redis URL (redis://[:password@]host[:port][/db])",
            )
        })?;
        Ok(Self {
            client,
            manager: OnceLock::new(),
        })
    }

    /// The shared connection, created (not yet connected) on first use.
    pub(crate) fn connection(&self) -> Result<ConnectionManager, BackendError> {
        if let Some(manager) = self.manager.get() {
            return Ok(manager.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = self.client.get_connection_manager_lazy(config)?;
        Ok(self.manager.get_or_init(|| manager).clone())
    }
}

/// Runs `call`, failing after [`TIMEOUT`].
pub(crate) async fn bounded<T>(call: impl Future<Output = Result<T, redis::RedisError>>) -> Result<T, BackendError> {
    match tokio::time::timeout(TIMEOUT, call).await {
        Ok(result) => result.map_err(BackendError::from),
        Err(_) => Err(BackendError(format!(
            "redis: no answer within {} ms",
            TIMEOUT.as_millis()
        ))),
    }
}
