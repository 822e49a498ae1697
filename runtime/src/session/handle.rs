//! The `Session` handle handlers and inner layers use.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::StatusCode;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The session of the current request: cheap to clone, every clone the same
/// session. Found in the request extensions and as an axum extractor.
///
/// Changes are saved when the response leaves the `session` layer; the
/// cookie is sent only when something changed (see the [module docs](super)).
#[derive(Clone, Debug, Default)]
pub struct Session {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) data: Map<String, Value>,
    pub(crate) changed: bool,
    /// Read or written by anyone: the response then depends on the cookie.
    pub(crate) accessed: bool,
    /// Ask for a new session ID (Redis store) when saving.
    pub(crate) renew: bool,
}

impl Session {
    pub(crate) fn with_data(data: Map<String, Value>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                data,
                ..State::default()
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked while holding the lock leaves consistent
        // JSON behind: every write is a single map operation.
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.accessed = true;
        state
    }

    pub(crate) fn take_state(&self) -> State {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut *state)
    }

    /// The value under `key`, converted to `T`; `None` when absent or of another shape.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.lock().data.get(key).and_then(|value| T::deserialize(value).ok())
    }

    /// Stores `value` under `key`. Fails only when `value` cannot be JSON
    /// (a map with non-string keys, say); the session is then unchanged.
    pub fn insert<T: Serialize>(&self, key: impl Into<String>, value: T) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        let mut state = self.lock();
        state.data.insert(key.into(), value);
        state.changed = true;
        Ok(())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&self, key: &str) -> Option<Value> {
        let mut state = self.lock();
        let removed = state.data.remove(key);
        state.changed |= removed.is_some();
        removed
    }

    /// Empties the session; the cookie is cleared on the response.
    pub fn clear(&self) {
        let mut state = self.lock();
        state.changed |= !state.data.is_empty();
        state.data.clear();
    }

    /// Whether the session holds nothing.
    pub fn is_empty(&self) -> bool {
        self.lock().data.is_empty()
    }

    /// Keeps the data under a new session ID (Redis store), the old one
    /// deleted: call it on login, so an ID planted before login (session
    /// fixation) is worthless after it. The cookie store re-signs anyway.
    pub fn renew(&self) {
        let mut state = self.lock();
        state.renew = true;
        state.changed = true;
    }
}

/// Takes the session the `session` layer stored. Without that layer in the
/// stack the handler is not run and the client gets `500` with body
/// `strata: no session middleware in the stack`.
impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Session>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "strata: no session middleware in the stack",
        ))
    }
}

/// `Option<Session>`: `None` when no `session` layer ran.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Session>().cloned())
    }
}
