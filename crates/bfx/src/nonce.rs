//! Nonces: strictly increasing per key, across concurrent calls and restarts (reference §1.4).

use std::sync::Arc;

use parking_lot::Mutex;

/// Nonces must stay below JavaScript's `MAX_SAFE_INTEGER`.
pub const MAX_NONCE: u64 = 9_007_199_254_740_991;

/// Where the last nonce of a key is kept between runs (the app backs it with SQLite).
pub trait NonceStore: Send + Sync {
    /// The last nonce used with the key `key_id` (a fingerprint, never the key itself).
    fn load(&self, key_id: &str) -> Option<u64>;
    /// Records the last nonce used.
    fn save(&self, key_id: &str, nonce: u64);
}

/// A nonce store that forgets on restart (tests, one-off tools).
#[derive(Default)]
pub struct MemoryNonceStore(Mutex<std::collections::HashMap<String, u64>>);

impl NonceStore for MemoryNonceStore {
    fn load(&self, key_id: &str) -> Option<u64> {
        self.0.lock().get(key_id).copied()
    }

    fn save(&self, key_id: &str, nonce: u64) {
        let mut m = self.0.lock();
        let e = m.entry(key_id.to_owned()).or_insert(0);
        *e = (*e).max(nonce);
    }
}

/// Hands out nonces `max(now_µs, last + 1)` for one key.
pub struct NonceSource {
    key_id: String,
    last: Mutex<u64>,
    store: Arc<dyn NonceStore>,
}

impl NonceSource {
    /// A source for `key_id`, continuing after the last stored nonce.
    pub fn new(key_id: impl Into<String>, store: Arc<dyn NonceStore>) -> Self {
        let key_id = key_id.into();
        let last = store.load(&key_id).unwrap_or(0);
        Self {
            key_id,
            last: Mutex::new(last),
            store,
        }
    }

    /// The next nonce at time `now_us` (µs since the epoch), recorded before it is returned.
    pub fn next(&self, now_us: u64) -> u64 {
        let mut last = self.last.lock();
        let n = now_us.max(*last + 1).min(MAX_NONCE);
        *last = n;
        self.store.save(&self.key_id, n);
        n
    }

    /// Moves past `nonce` (after Bitfinex said a nonce was too small).
    pub fn bump_past(&self, nonce: u64) {
        let mut last = self.last.lock();
        *last = (*last).max(nonce);
    }

    /// Moves well ahead (by one second) after a "nonce: small" answer.
    pub fn skip_ahead(&self) {
        let mut last = self.last.lock();
        *last = (*last + 1_000_000).min(MAX_NONCE - 1);
        self.store.save(&self.key_id, *last);
    }
}

/// Microseconds since the epoch, from the system clock.
pub(crate) fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_increasing_even_when_the_clock_steps_back() {
        let s = NonceSource::new("k", Arc::new(MemoryNonceStore::default()));
        assert_eq!(s.next(100), 100);
        assert_eq!(s.next(100), 101);
        assert_eq!(s.next(50), 102);
        assert_eq!(s.next(1000), 1000);
    }

    #[test]
    fn continues_after_a_restart() {
        let store: Arc<dyn NonceStore> = Arc::new(MemoryNonceStore::default());
        let a = NonceSource::new("k", store.clone());
        a.next(5_000);
        let b = NonceSource::new("k", store);
        assert_eq!(
            b.next(10),
            5_001,
            "a clock behind the stored nonce still moves forward"
        );
    }

    #[test]
    fn stays_below_max_safe_integer() {
        let s = NonceSource::new("k", Arc::new(MemoryNonceStore::default()));
        assert_eq!(s.next(u64::MAX), MAX_NONCE);
    }
}
