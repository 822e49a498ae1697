//! The in-memory backend: GCRA over sharded maps, bounded by forgetting
//! the least recently seen clients a generation at a time.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::Decision;
use super::key::Key;

/// At most this many shards, each behind its own lock.
const MAX_SHARDS: usize = 64;

/// One shard: the clients seen in the current generation, and those seen
/// in the one before. A client found in `previous` moves to `current`;
/// when `current` holds `generation` clients, `previous` is forgotten whole
/// and `current` takes its place. So memory is bounded (`2 × generation`
/// clients a shard), a new client costs O(1) amortised (the forgotten map
/// is cleared in place, one memset, once every `generation` new clients),
/// and a client is forgotten only after a whole generation without a
/// request, after every client seen more recently than it has been kept.
#[derive(Debug, Default)]
struct Shard {
    current: HashMap<Key, u64>,
    previous: HashMap<Key, u64>,
}

/// Per-client "theoretical arrival time" (ns since `start`), bounded.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    start: Instant,
    /// Nanoseconds regained per request.
    emission: u64,
    /// The window in nanoseconds: at most this far ahead of now.
    window: u64,
    /// Clients per shard per generation.
    generation: usize,
    /// Whether a shard keeps its previous generation (not when `max_keys`
    /// is 1, which leaves room for one client only).
    keep_previous: bool,
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
        let max_keys = max_keys.max(1);
        // Two generations of at least one client a shard, within `max_keys`.
        let shard_count = (max_keys / 2).clamp(1, MAX_SHARDS);
        let per_shard = max_keys / shard_count;
        let shards = (0..shard_count).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
            start: Instant::now(),
            emission: nanos(emission).max(1),
            window: nanos(window),
            generation: (per_shard / 2).max(1),
            keep_previous: per_shard >= 2,
            warned: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &Key) -> MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(key) as usize) % self.shards.len();
        // The maps hold plain numbers: a panic elsewhere cannot leave them inconsistent.
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
        if let Some(tat) = shard.current.get_mut(key) {
            let (decision, new_tat) = gcra(*tat, now, self.emission, self.window);
            if let Some(new_tat) = new_tat {
                *tat = new_tat;
            }
            return decision;
        }
        // Seen in the previous generation (it moves to this one, refused or
        // not: it is active), or new.
        let known = shard.previous.remove(key);
        let (decision, new_tat) = gcra(known.unwrap_or(now), now, self.emission, self.window);
        let Some(tat) = new_tat.or(known) else {
            return decision;
        };
        let mut forgot_a_limited_client = false;
        if shard.current.len() >= self.generation {
            let Shard { current, previous } = &mut *shard;
            // A forgotten client whose allowance has not recovered starts
            // afresh if it comes back: worth a warning, so this is looked
            // at only when one is due.
            forgot_a_limited_client = self.warning_due(now) && previous.values().any(|&tat| tat > now);
            std::mem::swap(current, previous);
            current.clear();
            if !self.keep_previous {
                previous.clear();
            }
        }
        shard.current.insert(*key, tat);
        drop(shard);
        if forgot_a_limited_client {
            self.warn_full(now);
        }
        decision
    }

    fn warning_due(&self, now: u64) -> bool {
        let last = self.warned.load(Ordering::Relaxed);
        last == 0 || now.saturating_sub(last - 1) > 10_000_000_000
    }

    fn warn_full(&self, now: u64) {
        let last = self.warned.load(Ordering::Relaxed);
        if self.warning_due(now)
            && self
                .warned
                .compare_exchange(last, now + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "strata::rate_limit",
                "rate_limit is tracking `max_keys` clients: it forgets the least recently seen ones \
                 before their allowance has recovered (they start afresh if they come back); \
                 raise `max_keys` unless this is a flood"
            );
        }
    }

    /// How many clients are tracked.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(|p| p.into_inner());
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::CapturedEvents;

    const SECOND: u64 = 1_000_000_000;

    fn client(i: u32) -> Key {
        let mut key = [0u8; 16];
        key[..4].copy_from_slice(&i.to_be_bytes());
        key
    }

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
    fn a_million_distinct_clients_never_take_more_than_max_keys() {
        const MAX_KEYS: usize = 10_000;
        // 10 per hour: nobody recovers during the flood.
        let limiter = MemoryLimiter::new(Duration::from_secs(360), Duration::from_secs(3600), MAX_KEYS);
        let mut most = 0;
        for i in 0..1_000_000u32 {
            assert!(limiter.check_at(&client(i), u64::from(i)).allowed);
            if i % 1000 == 999 {
                let tracked = limiter.len();
                assert!(tracked <= MAX_KEYS, "{tracked} clients tracked after {i}");
                most = most.max(tracked);
            }
        }
        // Between half the cap and the cap: a shard always keeps at least
        // its latest full generation.
        let floor = limiter.shards.len() * limiter.generation;
        assert_eq!(floor, 64 * 78);
        assert!(limiter.len() >= floor, "{} < {floor}", limiter.len());
        assert!(most > floor + MAX_KEYS / 10, "{most}");
    }

    #[test]
    fn small_caps_hold_too() {
        for max_keys in [1, 2, 3, 5, 127, 128, 129, 1000] {
            let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(1), max_keys);
            for i in 0..5_000 {
                limiter.check_at(&client(i), 0);
                assert!(limiter.len() <= max_keys, "max_keys {max_keys}: {}", limiter.len());
            }
            assert!(limiter.len() >= 1);
        }
    }

    /// How a client's allowance reads now: `requests - 1` for a client the
    /// limiter does not know (or that has fully recovered).
    fn remaining_after_one_more(limiter: &MemoryLimiter, key: &Key) -> u32 {
        limiter.check_at(key, 0).remaining
    }

    #[test]
    fn the_least_recently_seen_client_is_forgotten_first() {
        // One shard of two generations of one client: A, then B, then A
        // again, then C. B is the least recently seen when C needs room.
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(10), 2);
        assert_eq!(limiter.shards.len(), 1);
        let [a, b, c] = [client(1), client(2), client(3)];
        assert_eq!(remaining_after_one_more(&limiter, &a), 9);
        assert_eq!(remaining_after_one_more(&limiter, &b), 9);
        assert_eq!(remaining_after_one_more(&limiter, &a), 8);
        assert_eq!(remaining_after_one_more(&limiter, &c), 9);
        assert_eq!(limiter.len(), 2);
        // A is still counted; B starts afresh.
        assert_eq!(remaining_after_one_more(&limiter, &a), 7);
        assert_eq!(remaining_after_one_more(&limiter, &b), 9);
    }

    #[test]
    fn active_clients_outlive_a_flood_and_idle_ones_are_forgotten() {
        // A large burst, so that the allowance left tells whether the
        // limiter still knows a client: it falls by one per request, and
        // comes back to 999,999 for a client it forgot.
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(1_000_000), 6400);
        let idle: Vec<Key> = (0..3000).map(|i| client(2_000_000 + i)).collect();
        let active: Vec<Key> = (0..100).map(|i| client(3_000_000 + i)).collect();
        for key in &idle {
            assert_eq!(limiter.check_at(key, 0).remaining, 999_999);
        }
        let mut expected = 999_999;
        for i in 0..1_000_000u32 {
            if i % 1000 == 0 {
                for key in &active {
                    assert_eq!(limiter.check_at(key, 0).remaining, expected, "after {i} new clients");
                }
                expected -= 1;
            }
            limiter.check_at(&client(i), 0);
        }
        for key in &idle {
            assert_eq!(limiter.check_at(key, 0).remaining, 999_999);
        }
    }

    #[test]
    fn a_hammering_client_stays_limited_through_a_flood() {
        // 10 per 10 s, and time stands still: the client gets 10, then
        // nothing, whatever else arrives.
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(10), 6400);
        let hammer = [7u8; 16];
        let mut allowed = 0;
        for i in 0..1_000_000u32 {
            if i % 100 == 0 {
                allowed += u32::from(limiter.check_at(&hammer, 0).allowed);
            }
            assert!(limiter.check_at(&client(i), 0).allowed);
        }
        assert_eq!(allowed, 10);
        assert!(limiter.len() <= 6400);
    }

    #[test]
    fn recovered_clients_are_forgotten_without_a_warning_and_limited_ones_with_one() {
        let (captured, _guard) = CapturedEvents::start();
        let limiter = MemoryLimiter::new(Duration::from_secs(1), Duration::from_secs(1), 640);
        // Each new client is recovered a second later: forgetting those
        // loses nothing.
        for i in 0..10_000u32 {
            limiter.check_at(&client(i), u64::from(i) * SECOND);
        }
        assert!(captured.events().is_empty(), "{:?}", captured.events());
        // A thousand new clients within one second: the limiter forgets
        // some before they recover, and says so once.
        let now = 20_000 * SECOND;
        for i in 0..1000u32 {
            limiter.check_at(&client(100_000 + i), now);
        }
        let events = captured.events();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].target, "strata::rate_limit");
        assert_eq!(events[0].level, tracing::Level::WARN);
        assert!(events[0].field("message").unwrap_or("").contains("max_keys"));
        // ... and not again within 10 s.
        for i in 0..1000u32 {
            limiter.check_at(&client(200_000 + i), now + 5 * SECOND);
        }
        assert_eq!(captured.events().len(), 1);
    }
}
