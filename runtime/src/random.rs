//! Random bytes for IDs (request IDs, Redis session IDs): the operating
//! system's CSPRNG (`getrandom`), drawn 1 KiB at a time into a per-thread
//! pool, so that an ID costs a copy and not a system call (one call per 64
//! request IDs). `uuid`'s own `fast-rng` would do as much through `rand`'s
//! ChaCha generator, three more crates to build for every app.

use std::cell::RefCell;

const POOL: usize = 1024;

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
