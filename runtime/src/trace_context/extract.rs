//! `TraceContext` as an axum extractor.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::StatusCode;
use http::request::Parts;

use super::TraceContext;

/// Takes the context that [`SetTraceContext`](super::SetTraceContext)
/// stored. Without that middleware in the stack the handler is not run and
/// the client gets `500` with body `strata: no trace_context middleware in
/// the stack`: a wiring mistake, reported loudly rather than with a made-up
/// trace.
impl<S: Send + Sync> FromRequestParts<S> for TraceContext {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<TraceContext>().cloned().ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "strata: no trace_context middleware in the stack",
        ))
    }
}

/// `Option<TraceContext>`: `None` when no `trace_context` middleware ran.
impl<S: Send + Sync> OptionalFromRequestParts<S> for TraceContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<TraceContext>().cloned())
    }
}
