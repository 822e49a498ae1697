//! Random bytes for IDs (request IDs, Redis session IDs): the operating
//! system's CSPRNG (`getrandom`), drawn 4 KiB at a time into a per-thread
//! pool, so that an ID costs a copy and not a system call (one call per 256
//! request IDs). `uuid`'s `fast-rng` draws from `rand`'s ChaCha generator
//! in user space instead, about 14 ns faster per ID (≈ 15 vs ≈ 29 ns in a
//! release build here: the kernel's generator costs more per byte), and is
//! three more crates (`rand`, `chacha20`, `rand_core`) for every app to
//! build (BENCHMARKS.md, section 9).

use std::cell::RefCell;

const POOL: usize = 4096;

struct Pool {
    bytes: [u8; POOL],
    /// How many of `bytes` are handed out already.
    used: usize,
}

thread_local! {
    static THREAD_POOL: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; POOL], used: POOL }) };
}

/// Fills `out` with random bytes from the operating system's CSPRNG; each
/// byte is handed out once. Fails only if the operating system's source
/// does.
pub(crate) fn fill(out: &mut [u8]) -> Result<(), getrandom::Error> {
    if out.len() > POOL {
        return getrandom::fill(out);
    }
    THREAD_POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if POOL - pool.used < out.len() {
            getrandom::fill(&mut pool.bytes)?;
            pool.used = 0;
        }
        let start = pool.used;
        out.copy_from_slice(&pool.bytes[start..start + out.len()]);
        // What was handed out does not stay behind to be read again.
        pool.bytes[start..start + out.len()].fill(0);
        pool.used += out.len();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_distinct_across_refills_and_threads() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..(3 * POOL / 16) {
            let mut id = [0u8; 16];
            fill(&mut id).unwrap();
            assert!(seen.insert(id), "a 128-bit draw repeated");
        }
        let other = std::thread::spawn(|| {
            let mut id = [0u8; 16];
            fill(&mut id).unwrap();
            id
        })
        .join()
        .unwrap();
        assert!(seen.insert(other));
        let mut large = vec![0u8; 3 * POOL];
        fill(&mut large).unwrap();
        assert!(large.iter().any(|&byte| byte != 0));
    }
}
