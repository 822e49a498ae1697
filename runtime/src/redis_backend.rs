//! The Redis connection shared by the Redis backends (`rate_limit`,
//! `session`), behind the cargo feature `redis`.
//!
//! One multiplexed connection per layer, made on the first request (so
//! building the stack needs neither a running Redis nor an async runtime),
//! reconnected in the background after a failure by the `redis` crate's
//! `ConnectionManager`. Every call is bounded by [`TIMEOUT`]: with Redis
//! down, a request waits at most that long before the middleware applies its
//! documented fallback. After a failed call, the calls of the next
//! [`PAUSE`] fail at once, without waiting on Redis: an outage costs each
//! request nothing (it used to cost every request the reconnect attempt,
//! about 150 ms), and the first call after the pause finds out whether Redis
//! is back, so recovery still comes within [`PAUSE`] plus one call. The URL,
//! which may hold a password, is never logged.
//!
//! The futures of Redis calls are boxed (`Pin<Box<dyn Future + Send>>`): the
//! `redis` crate's own command futures are boxed already, so one more box
//! per call costs little, and the middlewares' futures stay concrete types
//! around them. Only the Redis backends do this; nothing else on the request
//! path is boxed.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::env::MissingEnv;

/// How long one Redis call may take before it counts as a failure.
pub const TIMEOUT: Duration = Duration::from_millis(500);

/// After a failed call, how long calls fail at once instead of trying Redis.
pub const PAUSE: Duration = Duration::from_millis(250);

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
    /// When the backend was made: the origin of `paused_until`.
    start: Instant,
    /// Calls fail at once until this many nanoseconds after `start` (0: never paused).
    paused_until: AtomicU64,
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
            start: Instant::now(),
            paused_until: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// The shared connection, created (not yet connected) on first use; an
    /// error at once while calls are paused after a failure.
    pub(crate) fn connection(&self) -> Result<ConnectionManager, BackendError> {
        let paused_until = self.paused_until.load(Ordering::Relaxed);
        if paused_until != 0 && self.now() < paused_until {
            return Err(BackendError(format!(
                "redis: a call failed less than {} ms ago; not tried again yet",
                PAUSE.as_millis()
            )));
        }
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

impl RedisBackend {
    /// Runs `call`, failing after [`TIMEOUT`]. Redis out of reach (no
    /// answer in time, a refused or dropped connection) pauses the calls
    /// that follow for [`PAUSE`]; an answer, even an error reply, ends any
    /// pause.
    pub(crate) async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, redis::RedisError>>,
    ) -> Result<T, BackendError> {
        let (result, reached) = match tokio::time::timeout(TIMEOUT, call).await {
            Ok(Ok(value)) => (Ok(value), true),
            Ok(Err(error)) => {
                let unreachable = error.is_io_error()
                    || error.is_connection_dropped()
                    || error.is_connection_refusal()
                    || error.is_timeout();
                (Err(BackendError::from(error)), !unreachable)
            }
            Err(_) => (
                Err(BackendError(format!(
                    "redis: no answer within {} ms",
                    TIMEOUT.as_millis()
                ))),
                false,
            ),
        };
        if reached {
            if self.paused_until.load(Ordering::Relaxed) != 0 {
                self.paused_until.store(0, Ordering::Relaxed);
            }
        } else {
            let pause = u64::try_from(PAUSE.as_nanos()).unwrap_or(u64::MAX);
            self.paused_until
                .store(self.now().saturating_add(pause).max(1), Ordering::Relaxed);
        }
        result
    }
}
