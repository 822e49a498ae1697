//! `RequestId` as an axum extractor.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::StatusCode;
use http::request::Parts;

use super::RequestId;

/// Takes the ID that [`SetRequestId`](super::SetRequestId) stored. Without that
/// middleware in the stack the handler is not run and the client gets
/// `500` with body `strata: no request_id middleware in the stack`: a wiring
/// mistake, reported loudly rather than with a made-up ID.
impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<RequestId>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "strata: no request_id middleware in the stack",
        ))
    }
}

/// `Option<RequestId>`: `None` when no `request_id` middleware ran, for code
/// that works with and without one.
impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<RequestId>().cloned())
    }
}
