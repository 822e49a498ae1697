//! One deflate backend, one body size, N compressions, for callgrind:
//! `deflate-backends BACKEND BODY N` compresses inside `measured`, the only
//! function `benches/gzip_backend.sh` counts (`--toggle-collect`).
//!
//! - `stream`: what tower-http (through async-compression) does per
//!   response: a new flate2 gzip encoder, the body, the end of the stream.
//!   flate2's backend is miniz_oxide, or zlib-rs with `--features zlib-rs`.
//! - `oneshot`: what strata does for a body that is all ready: one
//!   libdeflate call with a compressor kept across calls.
//! - `reused`: the same without strata's `compression_libdeflate` feature:
//!   flate2's raw deflate encoder kept across calls and reset, between a
//!   gzip header and trailer.
//!
//! Level 6 (strata's default, and the hand-written stack's) throughout;
//! `oneshot-L` runs libdeflate at level L, to find the level whose output is
//! as large as zlib's level 6.

use std::io::Write;

/// The bench app's 2 KB JSON document (benches/common/mod.rs), or the same
/// kind of JSON at other sizes.
fn json(target: usize) -> Vec<u8> {
    let mut items = Vec::new();
    let mut len = 2;
    let mut id = 0;
    while len < target - 60 {
        let item = format!("{{\"id\":{id},\"name\":\"item number {id}\",\"tags\":[\"a\",\"b\"]}}");
        len += item.len() + 1;
        items.push(item);
        id += 1;
    }
    format!("[{}]", items.join(",")).into_bytes()
}

#[inline(never)]
fn measured(
    backend: &str,
    body: &[u8],
    n: usize,
    compressor: &mut libdeflater::Compressor,
    deflate: &mut flate2::Compress,
) -> usize {
    let mut out_bytes = 0;
    for _ in 0..n {
        out_bytes += match backend {
            "reused" => gzip_reused(deflate, body).len(),
            "stream" => {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(body).expect("in memory");
                encoder.finish().expect("in memory").len()
            }
            _ => {
                let mut out = vec![0; compressor.gzip_compress_bound(body.len())];
                compressor.gzip_compress(body, &mut out).expect("within the bound")
            }
        };
    }
    out_bytes
}

/// strata's one-call path without libdeflate: flate2's raw deflate encoder,
/// kept across calls and reset, between a gzip header and trailer.
fn gzip_reused(deflate: &mut flate2::Compress, body: &[u8]) -> Vec<u8> {
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    deflate.reset();
    let mut out = Vec::with_capacity(body.len() / 2 + 64);
    out.extend_from_slice(&HEADER);
    let mut input = body;
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity());
        }
        let before = deflate.total_in();
        let status = deflate
            .compress_vec(input, &mut out, flate2::FlushCompress::Finish)
            .expect("in memory");
        input = &input[(deflate.total_in() - before) as usize..];
        if status == flate2::Status::StreamEnd {
            break;
        }
    }
    let mut crc = flate2::Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [backend, size, n] = &args[..] else {
        eprintln!("usage: deflate-backends stream|oneshot|oneshot-LEVEL|reused 2k|64k|1m N");
        std::process::exit(2);
    };
    let body = match size.as_str() {
        "2k" => json(2048),
        "64k" => json(64 * 1024),
        _ => json(1024 * 1024),
    };
    let n: usize = n.parse().expect("a count");
    // `oneshot-L`: libdeflate at level L instead of 6.
    let level = backend
        .strip_prefix("oneshot-")
        .map_or(6, |level| level.parse().expect("a level"));
    let level = libdeflater::CompressionLvl::new(level).expect("a level");
    // Allocated once, outside the counted function: a thread's compressor
    // outlives its responses.
    let mut compressor = libdeflater::Compressor::new(level);
    let mut deflate = flate2::Compress::new(flate2::Compression::new(6), false);
    let out = std::hint::black_box(measured(backend, &body, n, &mut compressor, &mut deflate));
    println!("{} bytes -> {} bytes", body.len(), out / n);
}
