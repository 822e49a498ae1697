//! Whole-body gzip and zlib with libdeflate, for bodies that are already in
//! memory when the response leaves the app (the usual `String`, `Json` or
//! `Bytes` answer).
//!
//! A streaming deflate encoder (zlib's, miniz_oxide's, zlib-rs's) allocates
//! and zeroes several hundred KB of window and hash tables per response; for
//! a 2 KB JSON body that set-up is two thirds of the work. libdeflate
//! compresses a buffer in one call, and its compressor is reused: one per
//! thread and level, kept in a thread-local, so a response pays only for its
//! own bytes (BENCHMARKS.md, section 6).

use std::cell::RefCell;

use bytes::Bytes;
use libdeflater::{CompressionLvl, Compressor};

use super::negotiate::Coding;

/// Larger bodies stream through async-compression's encoders instead: past
/// this size the per-response set-up of a streaming encoder is a small part
/// of the work, and a one-shot compression would hold the whole output (up
/// to libdeflate's bound of the input size) in memory before sending it.
pub(super) const ONE_SHOT_MAX: usize = 256 * 1024;

thread_local! {
    /// Index `level - 1`: levels 1 to 9, each allocated on first use.
    static COMPRESSORS: RefCell<[Option<Compressor>; 9]> = const { RefCell::new([const { None }; 9]) };
}

/// `input` compressed as `coding` (gzip or deflate, which is zlib in HTTP)
/// at `level` (1–9), or `None` when `coding` has no one-shot encoder (br).
pub(super) fn compress(coding: Coding, level: u32, input: &[u8]) -> Option<Bytes> {
    if !matches!(coding, Coding::Gzip | Coding::Deflate) {
        return None;
    }
    let slot = usize::try_from(level.clamp(1, 9) - 1).ok()?;
    COMPRESSORS.with(|compressors| {
        // Never already borrowed (nothing re-enters), but a panic must not be
        // the answer if it ever were: a compressor of our own then.
        let mut borrowed = compressors.try_borrow_mut();
        let mut own = None;
        let compressor = match borrowed.as_deref_mut() {
            Ok(compressors) => compressors[slot].get_or_insert_with(|| new_compressor(level)),
            Err(_) => own.insert(new_compressor(level)),
        };
        run(compressor, coding, input)
    })
}

fn new_compressor(level: u32) -> Compressor {
    let level = i32::try_from(level)
        .ok()
        .and_then(|level| CompressionLvl::new(level).ok());
    Compressor::new(level.unwrap_or_default())
}

fn run(compressor: &mut Compressor, coding: Coding, input: &[u8]) -> Option<Bytes> {
    let bound = match coding {
        Coding::Gzip => compressor.gzip_compress_bound(input.len()),
        _ => compressor.zlib_compress_bound(input.len()),
    };
    let mut output = vec![0; bound];
    let written = match coding {
        Coding::Gzip => compressor.gzip_compress(input, &mut output),
        _ => compressor.zlib_compress(input, &mut output),
    }
    // The bound is libdeflate's own worst case: an error here is a bug in it;
    // the caller then streams the body instead.
    .ok()?;
    output.truncate(written);
    if bound - written > 16 * 1024 {
        // A well-compressed large body: do not hold the unused bound while
        // the response is sent.
        output.shrink_to_fit();
    }
    Some(Bytes::from(output))
}
