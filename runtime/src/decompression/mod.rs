//! `decompression`: inflate request bodies per `Content-Encoding`.
//!
//! What a client sees:
//!
//! - No `Content-Encoding`, or `identity`: the request passes untouched.
//! - One accepted coding (`gzip` — also its alias `x-gzip` —, `br`,
//!   `deflate` (the zlib format, as RFC 9110 defines it) or `zstd`; matched
//!   case-insensitively): the handler reads the inflated body; the request's
//!   `Content-Encoding` and `Content-Length` are removed, since they describe
//!   the bytes on the wire. Concatenated gzip members and zstd frames are
//!   all read (RFC 1952 §2.2, RFC 8878 §3); anything else after the end of
//!   the compressed data fails the read, so no trailing bytes are silently
//!   dropped.
//! - Any other coding, or more than one (`gzip, br`): `415 Unsupported Media
//!   Type`, `content-type: application/json`,
//!   `{"detail":"Unsupported Content-Encoding"}`, and `Accept-Encoding`
//!   listing what is accepted (RFC 9110 §15.5.16). The inner service is not
//!   called.
//! - A body that is not valid in its coding: the handler's read fails
//!   (axum's extractors answer 400).
//!
//! Inflation streams: each read yields at most 16 KiB (4 KiB first, more
//! while the reads come back full), however small the compressed input, so
//! `body_limit` (which strata places inside this layer) cuts a zip bomb
//! after `max` inflated bytes, having held only that much. A decoder is
//! made for the next member only when one follows: a one-member body never
//! pays for a reset (≈ 33,000 instructions for gzip).
//!
//! The decoders are `async-compression`'s, the ones tower-http's
//! `RequestDecompressionLayer` drives. strata does not use that layer
//! itself: it answers 415 with an empty body and boxes every *response*
//! body (`UnsyncBoxBody`), where this one leaves responses alone and only
//! touches requests that are compressed.

mod body;
mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use body::InflateBody;
pub use layer::DecompressionLayer;
pub use service::Decompression;

use http::HeaderValue;

/// The response future: the inner service's, or the 415 made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// The compiled options.
#[derive(Clone, Debug)]
pub struct DecompressionPolicy {
    pub gzip: bool,
    pub br: bool,
    pub deflate: bool,
    pub zstd: bool,
    /// What a 415 lists in `Accept-Encoding`: the accepted codings and
    /// `identity`.
    pub accept_encoding: HeaderValue,
}
