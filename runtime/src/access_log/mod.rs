//! `access_log`: one `tracing` event per request.
//!
//! Nothing changes for the client: requests and responses pass through
//! untouched and bodies stream.
//!
//! For every request whose path is not excluded, one event is emitted when
//! the inner service produces the response head (not when the body ends, so
//! a long stream is logged when it starts):
//!
//! `tracing::info!` with target `strata::access`, message `request`, fields
//! - `request_id`: the [`RequestId`](crate::RequestId), when a `request_id`
//!   layer ran outside this one;
//! - `method`;
//! - `path`: the URI path only: the query string can carry tokens and is never logged;
//! - `status`: the numeric status code;
//! - `duration_ms`: milliseconds (`f64`) from entering this layer to the head;
//! - `client_ip`: the client's address as a `proxy` layer outside resolved it
//!   ([`ClientInfo`](crate::ClientInfo)), else the peer IP from axum's
//!   `ConnectInfo<SocketAddr>` (or `MockConnectInfo`); absent when neither
//!   knows it (the app is not served with `into_make_service_with_connect_info`).
//!
//! If the inner service fails instead (an `Err`, which axum routers never
//! return), the event is a `tracing::warn!` with the same fields except
//! `status`, message `request failed in an inner service`.
//!
//! No header value is ever logged: not `Authorization`, not `Cookie`, not the
//! `User-Agent`.

mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::AccessLogLayer;
pub use service::AccessLog;
