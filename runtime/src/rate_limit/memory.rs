//! The in-memory backend: GCRA over a sharded, bounded map.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Decision;
use super::key::Key;

const SHARDS: usize = 64;

/// Per-client "theoretical arrival time" (ns since `start`), bounded.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    shards: Box<[Mutex<HashMap<Key, u64>>]>,
    hasher: RandomState,
    start: Instant,
    /// Nanoseconds regained per request.
    emission: u64,
    /// The window in nanoseconds: at most this far ahead of now.
    window: u64,
    shard_capacity: usize,
    /// When the last "full" warning was logged (ns since `start`, +1).
    warned: AtomicU64,
}

/// The GCRA step shared with the Redis script: `tat` is the stored time
/// (or `now` for a new client); returns the decision and the new `tat`.
pub(crate) fn gcra(tat: u64, now: u64, emission: u64, window: u64) -> (Decision, Option<u64>) {
    let new_tat = tat.max(now).saturating_add(emission);
    let ahead = new_tat - now;
    if ahead > window {
        let decision = Decision {
            allowed: false,
            remaining: 0,
            retry_after: Duration::from_nanos(ahead - window),
        };
        return (decision, None);
    }
    let remaining = u32::try_from((window - ahead) / emission.max(1)).unwrap_or(u32::MAX);
    let decision = Decision {
        allowed: true,
        remaining,
        retry_after: Duration::ZERO,
    };
    (decision, Some(new_tat))
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl MemoryLimiter {
    pub(crate) fn new(emission: Duration, window: Duration, max_keys: usize) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
            start: Instant::now(),
            emission: nanos(emission).max(1),
            window: nanos(window),
            shard_capacity: max_keys.div_ceil(SHARDS).max(1),
            warned: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &Key) -> MutexGuard<'_, HashMap<Key, u64>> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        // The map holds plain numbers: a panic elsewhere cannot leave it inconsistent.
        self.shards[index]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> u64 {
        nanos(self.start.elapsed())
    }

    pub(crate) fn check(&self, key: &Key) -> Decision {
        self.check_at(key, self.now())
    }

    pub(crate) fn check_at(&self, key: &Key, now: u64) -> Decision {
        let mut shard = self.shard(key);
        let (decision, new_tat) = gcra(shard.get(key).copied().unwrap_or(now), now, self.emission, self.window);
        let Some(new_tat) = new_tat else {
            return decision;
        };
        if let Some(tat) = shard.get_mut(key) {
            *tat = new_tat;
            return decision;
        }
        if shard.len() >= self.shard_capacity {
            // Clients whose allowance has fully recovered are as good as new.
            shard.retain(|_, tat| *tat > now);
            shard.shrink_to(self.shard_capacity);
        }
        if shard.len() < self.shard_capacity {
            shard.insert(*key, new_tat);
        } else {
            drop(shard);
            self.warn_full(now);
        }
        decision
    }

    fn warn_full(&self, now: u64) {
        let last = self.warned.load(Ordering::Relaxed);
        if (last == 0 || now.saturating_sub(last - 1) > 10_000_000_000)
            && self
                .warned
                .compare_exchange(last, now + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "strata::rate_limit",
                "rate_limit is tracking `max_keys` clients; new clients pass uncounted until some recover"
            );
        }
    }

    /// How many clients are tracked.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn a_burst_of_requests_then_one_per_interval() {
        // 5 per 10 s: one back every 2 s.
        let limiter = MemoryLimiter::new(Duration::from_secs(2), Duration::from_secs(10), 100);
        let key = [1u8; 16];
        let remaining: Vec<u32> = (0..5).map(|_| limiter.check_at(&key, 0).remaining).collect();
        assert_eq!(remaining, [4, 3, 2, 1, 0]);
        let refused = limiter.check_at(&key, 0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, Duration::from_secs(2));
        assert!(!limiter.check_at(&key, SECOND).allowed);
        let again = limiter.check_at(&key, 2 * SECOND);
        assert!(again.allowed);
        assert_eq!(again.remaining, 0);
        // Other clients have their own allowance.
        assert_eq!(limiter.check_at(&[2u8; 16], 0).remaining, 4);
        // Fully recovered after the window.
        assert_eq!(limiter.check_at(&key, 100 * SECOND).remaining, 4);
    }

    #[test]
    fn memory_is_bounded_and_recovered_clients_are_dropped() {
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(1), 640);
        for i in 0..10_000u32 {
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&i.to_be_bytes());
            assert!(limiter.check_at(&key, 0).allowed);
        }
        assert!(limiter.len() <= 640, "{}", limiter.len());
        // Later, the recovered clients make room for new ones.
        for i in 10_000..10_500u32 {
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&i.to_be_bytes());
            limiter.check_at(&key, 5 * SECOND);
        }
        assert!(limiter.len() <= 640);
    }

    #[test]
    fn a_tracked_client_stays_limited_while_a_flood_fills_the_map() {
        // One client per shard.
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(1), 64);
        let tracked = [7u8; 16];
        assert!(limiter.check_at(&tracked, 0).allowed);
        for i in 0..10_000u32 {
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&i.to_be_bytes());
            limiter.check_at(&key, 0);
        }
        assert!(limiter.len() <= 64);
        assert!(!limiter.check_at(&tracked, 0).allowed);
    }
}
