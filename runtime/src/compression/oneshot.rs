//! Whole-body gzip and zlib in one call, for bodies that are already in
//! memory when the response leaves the app (the usual `String`, `Json` or
//! `Bytes` answer).
//!
//! A streaming deflate encoder (zlib's, miniz_oxide's, zlib-rs's) allocates
//! and zeroes several hundred KB of window and hash tables per response; for
//! a 2 KB JSON body that set-up is two thirds of the work. Here a compressor
//! is kept per thread and level, in a thread-local, so a response pays for
//! its own bytes and not for a new encoder. Two backends:
//!
//! - with the `compression_libdeflate` feature (on by default): libdeflate,
//!   which compresses a buffer in one call (0.25× miniz_oxide's
//!   instructions on a 2 KB body, BENCHMARKS.md section 7);
//! - without it: flate2's own encoder (miniz_oxide, the one tower-http and
//!   the streamed path use), reset between bodies (0.80× a new encoder per
//!   body), so that an app trimming its build compiles no C library.

use std::cell::RefCell;

use bytes::Bytes;

use super::negotiate::Coding;

/// Larger bodies stream through async-compression's encoders instead: past
/// this size the per-response set-up of a streaming encoder is a small part
/// of the work, and a one-shot compression would hold the whole output (up
/// to the backend's bound of the input size) in memory before sending it.
pub(super) const ONE_SHOT_MAX: usize = 256 * 1024;

#[cfg(feature = "compression_libdeflate")]
use libdeflate_backend as backend;

#[cfg(not(feature = "compression_libdeflate"))]
use flate2_backend as backend;

thread_local! {
    /// Index `level - 1`: levels 1 to 9, each allocated on first use.
    static COMPRESSORS: RefCell<[Option<backend::Compressor>; 9]> =
        const { RefCell::new([const { None }; 9]) };
}

/// `input` compressed as `coding` (gzip or deflate, which is zlib in HTTP)
/// at `level` (1–9), or `None` when `coding` has no one-shot encoder (br)
/// or the backend failed (the caller then streams the body).
pub(super) fn compress(coding: Coding, level: u32, input: &[u8]) -> Option<Bytes> {
    if !matches!(coding, Coding::Gzip | Coding::Deflate) {
        return None;
    }
    let level = level.clamp(1, 9);
    let slot = usize::try_from(level - 1).ok()?;
    COMPRESSORS.with(|compressors| {
        // Never already borrowed (nothing re-enters), but a panic must not be
        // the answer if it ever were: a compressor of our own then.
        let mut borrowed = compressors.try_borrow_mut();
        let mut own = None;
        let compressor = match borrowed.as_deref_mut() {
            Ok(compressors) => compressors[slot].get_or_insert_with(|| backend::Compressor::new(level)),
            Err(_) => own.insert(backend::Compressor::new(level)),
        };
        let mut output = compressor.compress(coding, input)?;
        if output.capacity() - output.len() > 16 * 1024 {
            // A well-compressed large body: do not hold the unused room
            // while the response is sent.
            output.shrink_to_fit();
        }
        Some(Bytes::from(output))
    })
}

#[cfg(feature = "compression_libdeflate")]
mod libdeflate_backend {
    use libdeflater::CompressionLvl;

    use super::Coding;

    pub(super) struct Compressor(libdeflater::Compressor);

    impl Compressor {
        pub(super) fn new(level: u32) -> Self {
            let level = i32::try_from(level)
                .ok()
                .and_then(|level| CompressionLvl::new(level).ok());
            Self(libdeflater::Compressor::new(level.unwrap_or_default()))
        }

        pub(super) fn compress(&mut self, coding: Coding, input: &[u8]) -> Option<Vec<u8>> {
            let compressor = &mut self.0;
            let bound = match coding {
                Coding::Gzip => compressor.gzip_compress_bound(input.len()),
                _ => compressor.zlib_compress_bound(input.len()),
            };
            let mut output = vec![0; bound];
            let written = match coding {
                Coding::Gzip => compressor.gzip_compress(input, &mut output),
                _ => compressor.zlib_compress(input, &mut output),
            }
            // The bound is libdeflate's own worst case: an error here is a
            // bug in it.
            .ok()?;
            output.truncate(written);
            Some(output)
        }
    }
}

// Also built for the tests when libdeflate is on, so that both backends are
// checked in the default build.
#[cfg(any(not(feature = "compression_libdeflate"), test))]
pub(in crate::compression) mod flate2_backend {
    use flate2::{Compress, Compression, Crc, FlushCompress, Status};

    use super::Coding;

    /// One encoder per format: raw deflate for gzip (header and trailer
    /// are ours), deflate with zlib's header and Adler-32 for `deflate`.
    pub(in crate::compression) struct Compressor {
        level: u32,
        raw: Option<Compress>,
        zlib: Option<Compress>,
    }

    impl Compressor {
        pub(in crate::compression) fn new(level: u32) -> Self {
            Self {
                level,
                raw: None,
                zlib: None,
            }
        }

        pub(in crate::compression) fn compress(&mut self, coding: Coding, input: &[u8]) -> Option<Vec<u8>> {
            let level = Compression::new(self.level);
            match coding {
                Coding::Gzip => {
                    let encoder = self.raw.get_or_insert_with(|| Compress::new(level, false));
                    let mut output = Vec::with_capacity(input.len() / 2 + 64);
                    output.extend_from_slice(&gzip_header(self.level));
                    deflate(encoder, input, &mut output)?;
                    let mut crc = Crc::new();
                    crc.update(input);
                    output.extend_from_slice(&crc.sum().to_le_bytes());
                    // ISIZE is the length modulo 2^32 (RFC 1952 §2.3.1).
                    output.extend_from_slice(&(input.len() as u32).to_le_bytes());
                    Some(output)
                }
                _ => {
                    let encoder = self.zlib.get_or_insert_with(|| Compress::new(level, true));
                    let mut output = Vec::with_capacity(input.len() / 2 + 64);
                    deflate(encoder, input, &mut output)?;
                    Some(output)
                }
            }
        }
    }

    /// RFC 1952's member header as flate2's `GzEncoder` writes it: deflate,
    /// no flags, no time, XFL 2 at the best level and 4 at the fastest, OS
    /// unknown.
    fn gzip_header(level: u32) -> [u8; 10] {
        let extra_flags = match level {
            9.. => 2,
            ..=1 => 4,
            _ => 0,
        };
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extra_flags, 255]
    }

    /// All of `input` through `encoder`, appended to `output`, growing it as
    /// needed; `None` if the encoder fails or stops making progress.
    fn deflate(encoder: &mut Compress, mut input: &[u8], output: &mut Vec<u8>) -> Option<()> {
        encoder.reset();
        loop {
            if output.len() == output.capacity() {
                output.reserve(output.capacity().max(64));
            }
            let (read_before, written_before) = (encoder.total_in(), encoder.total_out());
            let status = encoder.compress_vec(input, output, FlushCompress::Finish).ok()?;
            if status == Status::StreamEnd {
                return Some(());
            }
            let read = usize::try_from(encoder.total_in() - read_before).ok()?;
            if read == 0 && encoder.total_out() == written_before && output.len() < output.capacity() {
                return None;
            }
            input = input.get(read..)?;
        }
    }
}
