//! `compression` (alias `gzip`): compress response bodies the client accepts.
//!
//! Built on tower-http 0.7's compression; what a client sees:
//!
//! - The encoding is negotiated from `Accept-Encoding`, honouring q-values
//!   (`gzip;q=0` refuses gzip; the highest q wins; ties go to br, then gzip,
//!   then deflate) and the `*` wildcard, among the algorithms the stack
//!   enables. A client that sends no `Accept-Encoding`, or only `identity`,
//!   gets the body as is.
//! - A compressed response has `Content-Encoding: gzip|br|deflate`, no
//!   `Content-Length` and no `Accept-Ranges`, and the body streams: each chunk
//!   from the app is compressed as it arrives, nothing is buffered.
//! - `Vary: Accept-Encoding` is appended (unless already listed) to every
//!   response that could have been compressed (not already encoded, not a
//!   range, accepted by [`StrataPredicate`]), whichever encoding the client
//!   got, `identity` included, so caches keep the variants apart.
//! - Untouched: responses that already have `Content-Encoding` or a
//!   `Content-Range`, and those [`StrataPredicate`] refuses: smaller than
//!   `minimum_size`, empty, `text/event-stream`, gRPC, and the media types
//!   of `exclude_content_types` (by default Starlette's list of
//!   already-compressed types, [`DEFAULT_EXCLUDED_CONTENT_TYPES`]: zip and
//!   gzip archives, `audio/*`, `video/*`, WOFF fonts, AVIF, GIF, JPEG, PNG
//!   and WebP images). A media type matches an entry exactly or as
//!   `type/*`, parameters and case ignored, as in Starlette.
//! - A `HEAD` gets the headers its `GET` would (RFC 9110 §9.3.2):
//!   `Content-Encoding` and `Vary: Accept-Encoding` when the `GET` would be
//!   compressed, decided on the `Content-Length` and `Content-Type` axum
//!   puts on the `HEAD`; no `Content-Length` then, as for the compressed
//!   `GET`, which streams (Starlette, which compresses the whole body, sends
//!   the compressed length; strata cannot know it without the body). The
//!   body stays empty.
//! - Never `406 Not Acceptable`. tower-http 0.7 turns the app's response into
//!   a `406` (same headers and body) when the client refuses `identity` and
//!   every enabled algorithm (`Accept-Encoding: identity;q=0`, or `*;q=0`).
//!   By then the handler has run, so a `201 Created` would be reported as a
//!   failure; strata restores the app's status and sends the body
//!   uncompressed, as Starlette does.
//!
//! The response body becomes `axum::body::Body` (one boxing per response):
//! `axum::serve` needs `Response<axum::body::Body>`, and tower-http's
//! `CompressionBody` is a different type.

mod future;
mod layer;
mod predicate;
mod record_status;
mod service;

#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::CompressionLayer;
pub use predicate::{DEFAULT_EXCLUDED_CONTENT_TYPES, StrataPredicate};
pub use service::Compression;
