//! `compression` (alias `gzip`): compress response bodies the client accepts.
//!
//! What a client sees:
//!
//! - The encoding is negotiated from `Accept-Encoding`, honouring q-values
//!   (`gzip;q=0` refuses gzip; the highest q wins; ties go to br, then gzip,
//!   then deflate) and the `*` wildcard, among the algorithms the stack
//!   enables (tower-http 0.7's algorithm, see `negotiate.rs`). A client that
//!   sends no `Accept-Encoding`, or only `identity`, gets the body as is.
//! - A compressed response has `Content-Encoding: gzip|br|deflate`, no
//!   `Content-Length` and no `Accept-Ranges`. `deflate` is the zlib format
//!   (RFC 9110 §8.4.1.2).
//! - A body that is all there when the response leaves the app
//!   (a `String`, `Json`, `Bytes`: at most 256 KiB, read without waiting) is
//!   gzip'd or deflated in one call, with a compressor reused per thread:
//!   libdeflate's with the `compression_libdeflate` feature (on by default),
//!   else flate2's; any other body (larger, not all ready yet, or br)
//!   streams through async-compression's encoders, what has arrived
//!   compressed and flushed whenever the app's body has nothing more ready.
//!   Either way the output is standard gzip / zlib / brotli of exactly the
//!   app's bytes, at the configured `level` (libdeflate's levels use zlib's
//!   1–9 scale; at the same level its output is a few percent smaller).
//!   Trailers follow the compressed data.
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
//!   `GET`, which never announces one (a streamed body cannot, and a body
//!   compressed in one go does not, so that a `HEAD` and its `GET` agree;
//!   Starlette, which compresses the `HEAD`'s body too, sends the compressed
//!   length). The body stays empty.
//! - Never `406 Not Acceptable`, which tower-http 0.7 sends when the client
//!   refuses `identity` and every enabled algorithm
//!   (`Accept-Encoding: identity;q=0`, or `*;q=0`). By then the handler has
//!   run, so a `201 Created` would be reported as a failure; strata keeps the
//!   app's status and sends the body uncompressed, as Starlette does (with
//!   `Vary: Accept-Encoding` when the body could have been compressed).
//!
//! The response body becomes `axum::body::Body` (one boxing per response):
//! `axum::serve` needs `Response<axum::body::Body>`.

mod future;
mod layer;
mod negotiate;
mod oneshot;
mod predicate;
mod service;
mod stream;

#[cfg(test)]
mod roundtrip_tests;
#[cfg(test)]
mod tests;

pub use future::ResponseFuture;
pub use layer::CompressionLayer;
pub use predicate::{DEFAULT_EXCLUDED_CONTENT_TYPES, StrataPredicate};
pub use service::Compression;
