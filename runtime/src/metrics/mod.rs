//! `metrics`: Prometheus metrics of every request, served by the layer.
//!
//! # What a client sees
//!
//! - `GET <path>` (`/metrics` by default, matched exactly) is answered here,
//!   never by the app: `200`, `Content-Type: text/plain; version=0.0.4;
//!   charset=utf-8`, the text exposition below. `HEAD` gets the head alone;
//!   any other method `405` with `Allow: GET, HEAD`. A scrape is not
//!   counted.
//! - Every other request passes through unchanged and is counted when its
//!   response head comes back.
//!
//! The layer sits outside every host check and auth layer (it ranks just
//! inside `access_log`), so anyone who reaches the server can read the
//! metrics: serve them on an internal port, or keep the path off the public
//! proxy. strata refuses to hide the path from the access log (S1101), and
//! `strata check --deploy` reminds the deployer of it (S1313).
//!
//! # The series
//!
//! ```text
//! http_requests_total{method="GET",route="/users/{id}",status="200"} 7
//! http_request_duration_seconds_bucket{method="GET",route="/users/{id}",le="0.005"} 7
//! …
//! http_request_duration_seconds_bucket{method="GET",route="/users/{id}",le="+Inf"} 7
//! http_request_duration_seconds_sum{method="GET",route="/users/{id}"} 0.0021
//! http_request_duration_seconds_count{method="GET",route="/users/{id}"} 7
//! http_requests_in_flight 0
//! ```
//!
//! - `method`: `GET`, `HEAD`, `POST`, `PUT`, `DELETE`, `PATCH`, `OPTIONS`,
//!   `CONNECT`, `TRACE`, or `other` for any other token a client sends;
//! - `route`: the template of the route the request matched in the app's
//!   axum `Router` (`/users/{id}`, never `/users/42`), or `unmatched`: a
//!   path no route matches (the app's `404`), a request some layer inside
//!   answered before routing (a `400` bad host, a `401`, a CORS preflight),
//!   a `nest_service` subtree (axum publishes no template there), or an
//!   app that is not a `Router`. How the template reaches this layer is in
//!   [`route`](crate::route);
//! - `status`: the numeric status of the response head;
//! - durations run from entering this layer to the response head, in the
//!   configured buckets (Prometheus' defaults, 5 ms to 10 s);
//! - `http_requests_in_flight`: requests inside this layer still waiting for
//!   their head (a cancelled request leaves too).
//!
//! No label takes raw client input: a client that sends 10,000 random paths
//! and methods adds the few `unmatched` × `other` series, never 10,000.
//! Series appear on their first request.
//!
//! # How it is built
//!
//! Hand-written exposition over atomics, no metrics crate: the label sets
//! are fixed shapes known when the stack is built (ten methods, the app's
//! own route templates, statuses 100–999), so each (route, method) is a
//! small struct of `AtomicU64`s (a histogram's buckets, its sum, and the
//! status counters of each class, allocated the first time a class is
//! seen). Counting a request is one read-locked lookup of the template
//! (FxHash: the keys are the app's, never the client's; the lock is
//! written once per route, on its first request), a binary search of the
//! bucket and three relaxed atomic additions; no label string is built,
//! hashed per label or allocated per request, which `prometheus-client`'s
//! and `metrics`' label-set maps do. The exposition is rendered only when
//! scraped.

mod future;
mod layer;
mod registry;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::MetricsLayer;
pub use service::Metrics;
