//! `Claims` as an axum extractor.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The verified claims of the request's JWT. Cheap to clone.
///
/// As an extractor it is only found behind a `jwt` layer, on a path that is
/// not public; anywhere else the handler is not run and the client gets the
/// same `401 {"detail":"Missing token"}` the layer sends. Use
/// `Option<Claims>` on routes that work with and without a token.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims(Arc<Value>);

impl Claims {
    pub(crate) fn new(value: Value) -> Self {
        Self(Arc::new(value))
    }

    /// All the claims, as JSON.
    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// One claim, converted to `T`; `None` when absent or of another shape.
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        self.0.get(name).and_then(|value| T::deserialize(value).ok())
    }

    /// The `sub` claim, when it is a string.
    pub fn subject(&self) -> Option<&str> {
        self.0.get("sub").and_then(Value::as_str)
    }

    /// All the claims, converted to `T` (typically your own `#[derive(Deserialize)]` struct).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&*self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Claims>()
            .cloned()
            .ok_or_else(|| super::service::missing_token::<axum::body::Body>().into_response())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Claims {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Claims>().cloned())
    }
}
