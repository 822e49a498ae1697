//! `access_log`: one `tracing` event per request, and a `request` span
//! around all of it.
//!
//! Nothing changes for the client: requests and responses pass through
//! untouched and bodies stream.
//!
//! # The event
//!
//! For every request whose path is not excluded, one event is emitted when
//! the inner service produces the response head (not when the body ends, so
//! a long stream is logged when it starts):
//!
//! `tracing::info!` with target `strata::access`, message `request`, fields
//! - `request_id`: the [`RequestId`](crate::RequestId), when a `request_id`
//!   layer ran outside this one;
//! - `trace_id`: the W3C trace ID (32 hex digits), when a `trace_context`
//!   layer ran outside this one ([`TraceContext`](crate::TraceContext));
//! - `method`;
//! - `path`: the URI path only: the query string can carry tokens and is never logged;
//! - `route`: the template of the route the request matched in the app's
//!   axum `Router` (`/users/{id}`), or `"unmatched"` (a `404`, a request
//!   answered before routing, an app that is not a `Router`); see
//!   [`route`](crate::route);
//! - `status`: the numeric status code;
//! - `duration_ms`: milliseconds from entering this layer to the head, a
//!   number with at most 3 decimals (whole microseconds: `12.345`);
//! - `client_ip`: the client's address as a `proxy` layer outside resolved it
//!   ([`ClientInfo`](crate::ClientInfo)), else the peer IP from axum's
//!   `ConnectInfo<SocketAddr>` (or `MockConnectInfo`); absent when neither
//!   knows it (the app is not served with `into_make_service_with_connect_info`).
//!
//! If the inner service fails instead (an `Err`, which axum routers never
//! return), the event is a `tracing::warn!` with the same fields except
//! `status`, message `request failed in an inner service`.
//!
//! # The span
//!
//! With `span` (the default), every inner layer's `call`, the handler and
//! the response's way back run inside an INFO span named `request` (target
//! `strata::request`) with the fields `request_id`, `trace_id`, `method`,
//! `route` (recorded when the router matches, before the handler runs) and
//! `client_ip`; the event above is emitted inside it. So every event a
//! handler logs carries the request's ID in any subscriber that prints span
//! fields (`tracing_subscriber::fmt` does; its JSON formatter under
//! `"span"`). The span is held by this layer's own future (no boxing, no
//! `Instrumented` wrapper) and entered on each poll.
//!
//! With the `otel` cargo feature and a `trace_context` layer outside, the
//! span is also an OpenTelemetry server span (`otel.kind = "server"`, named
//! after the method: it starts before routing, and the HTTP conventions
//! name a span without its route so; the route is its `route` attribute;
//! status error on a 5xx) whose parent is the caller's span; see
//! [`trace_context`](crate::trace_context).
//!
//! When no subscriber listens at INFO for either the span or the event, the
//! request passes with neither: two checks of tracing's cached interest.
//!
//! # Secrets
//!
//! No header value is ever logged, in the event or the span: not
//! `Authorization`, not `Cookie` or `Set-Cookie`, not an API key, not the
//! `User-Agent`; nor the query string.

mod future;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::AccessLogLayer;
pub use service::AccessLog;
