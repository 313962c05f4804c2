//! Nonces: strictly increasing per key, across concurrent calls, clients and restarts
//! (reference §1.4).
//!
//! Every [`Client`](crate::Client) of one API key in a process shares one *lane*: one
//! [`NonceSource`] and one lock that serializes the key's signed requests, so Bitfinex sees
//! the nonces in the order they were handed out even when the app holds several clients of
//! the same key (say the engine's and a settings page's).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Weak};

use parking_lot::Mutex;

/// JavaScript's `Number.MAX_SAFE_INTEGER` (2⁵³ − 1). Every nonce this crate sends is below it.
pub const MAX_NONCE: u64 = 9_007_199_254_740_991;

/// How far a nonce jumps after Bitfinex answered `10114 nonce: small` (one second in µs).
pub(crate) const NONCE_SKIP_US: u64 = 1_000_000;

/// Where the last nonce of a key is kept between runs (the app backs it with SQLite).
///
/// Implementations should be cheap: [`save`](NonceStore::save) runs once per signed request,
/// before the request is sent.
pub trait NonceStore: Send + Sync {
    /// The last nonce used with the key `key_id` (a SHA-256 fingerprint of the key, never
    /// the key itself).
    fn load(&self, key_id: &str) -> Option<u64>;
    /// Records the last nonce used. Called before the request carrying it is sent.
    fn save(&self, key_id: &str, nonce: u64);
}

/// A nonce store that forgets on restart (tests, one-off tools, and the default).
#[derive(Debug, Default)]
pub struct MemoryNonceStore(Mutex<HashMap<String, u64>>);

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

/// Hands out nonces `max(now_µs, last + 1)` for one key, each recorded in the key's stores
/// before it is returned.
pub struct NonceSource {
    key_id: String,
    last: Mutex<u64>,
    /// The store the source was created with (kept alive by the source).
    first: Arc<dyn NonceStore>,
    /// Stores of other clients of the same key (kept only while those clients live).
    others: Mutex<Vec<Weak<dyn NonceStore>>>,
}

impl std::fmt::Debug for NonceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceSource")
            .field("key_id", &self.key_id)
            .field("last", &*self.last.lock())
            .finish_non_exhaustive()
    }
}

impl NonceSource {
    /// A source for `key_id`, continuing after the nonce last recorded in `store`.
    pub fn new(key_id: impl Into<String>, store: Arc<dyn NonceStore>) -> Self {
        let key_id = key_id.into();
        let last = store.load(&key_id).unwrap_or(0);
        Self {
            key_id,
            last: Mutex::new(last),
            first: store,
            others: Mutex::new(Vec::new()),
        }
    }

    /// The key fingerprint this source counts for.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The last nonce handed out (or loaded).
    pub fn last(&self) -> u64 {
        *self.last.lock()
    }

    /// Adds another store of the same key: the source continues after its last nonce too,
    /// and records every later nonce in it (for as long as its owner keeps it alive).
    pub fn attach(&self, store: &Arc<dyn NonceStore>) {
        if Arc::ptr_eq(&self.first, store) {
            return;
        }
        let mut last = self.last.lock();
        if let Some(n) = store.load(&self.key_id) {
            *last = (*last).max(n);
        }
        let mut others = self.others.lock();
        others.retain(|w| w.strong_count() > 0);
        if !others
            .iter()
            .any(|w| w.upgrade().is_some_and(|s| Arc::ptr_eq(&s, store)))
        {
            others.push(Arc::downgrade(store));
        }
    }

    /// The next nonce at time `now_us` (µs since the epoch): `max(now_us, last + 1)`,
    /// recorded in the stores before it is returned. `None` once the next nonce would reach
    /// [`MAX_NONCE`] (only a corrupted store or a clock centuries ahead gets there).
    pub fn next(&self, now_us: u64) -> Option<u64> {
        let mut last = self.last.lock();
        let n = now_us.max(last.saturating_add(1));
        if n >= MAX_NONCE {
            return None;
        }
        *last = n;
        self.save(n);
        Some(n)
    }

    /// Moves one second past the last nonce, after Bitfinex said a nonce was too small
    /// (someone else used a larger one), and records it.
    pub fn skip_ahead(&self) {
        let mut last = self.last.lock();
        *last = last.saturating_add(NONCE_SKIP_US).min(MAX_NONCE);
        self.save(*last);
    }

    fn save(&self, n: u64) {
        self.first.save(&self.key_id, n);
        let mut others = self.others.lock();
        others.retain(|w| match w.upgrade() {
            Some(s) => {
                s.save(&self.key_id, n);
                true
            }
            None => false,
        });
    }
}

/// One API key's shared state in this process: its nonces, and the lock that keeps its
/// signed requests one at a time.
pub(crate) struct KeyLane {
    pub(crate) nonces: NonceSource,
    pub(crate) serial: tokio::sync::Mutex<()>,
}

static LANES: LazyLock<Mutex<HashMap<String, Weak<KeyLane>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The lane of `key_id`, shared with every live client of the same key; `store` is attached.
pub(crate) fn lane(key_id: &str, store: &Arc<dyn NonceStore>) -> Arc<KeyLane> {
    let mut lanes = LANES.lock();
    lanes.retain(|_, w| w.strong_count() > 0);
    if let Some(l) = lanes.get(key_id).and_then(Weak::upgrade) {
        l.nonces.attach(store);
        return l;
    }
    let l = Arc::new(KeyLane {
        nonces: NonceSource::new(key_id, store.clone()),
        serial: tokio::sync::Mutex::new(()),
    });
    lanes.insert(key_id.to_owned(), Arc::downgrade(&l));
    l
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
    use proptest::prelude::*;

    fn mem() -> Arc<dyn NonceStore> {
        Arc::new(MemoryNonceStore::default())
    }

    #[test]
    fn strictly_increasing_even_when_the_clock_steps_back() {
        let s = NonceSource::new("k", mem());
        assert_eq!(s.next(100), Some(100));
        assert_eq!(s.next(100), Some(101));
        assert_eq!(s.next(50), Some(102));
        assert_eq!(s.next(1000), Some(1000));
    }

    #[test]
    fn continues_after_a_restart() {
        let store = mem();
        let a = NonceSource::new("k", store.clone());
        a.next(5_000);
        let b = NonceSource::new("k", store.clone());
        assert_eq!(
            b.next(10),
            Some(5_001),
            "a clock behind the stored nonce still moves forward"
        );
        assert_eq!(store.load("k"), Some(5_001), "recorded before use");
        assert_eq!(store.load("other"), None, "per key");
    }

    #[test]
    fn skipping_ahead_is_recorded() {
        let store = mem();
        let s = NonceSource::new("k", store.clone());
        s.next(10);
        s.skip_ahead();
        assert_eq!(store.load("k"), Some(10 + NONCE_SKIP_US));
        assert_eq!(s.next(0), Some(11 + NONCE_SKIP_US));
    }

    #[test]
    fn stays_below_max_safe_integer() {
        let s = NonceSource::new("k", mem());
        assert_eq!(s.next(MAX_NONCE - 2), Some(MAX_NONCE - 2));
        assert_eq!(s.next(0), Some(MAX_NONCE - 1));
        assert_eq!(s.next(0), None, "never MAX_NONCE itself, never a repeat");
        assert_eq!(s.last(), MAX_NONCE - 1);
        let far = NonceSource::new("k", mem());
        assert_eq!(far.next(u64::MAX), None);
    }

    #[test]
    fn attached_stores_continue_and_record() {
        let a = mem();
        let b = mem();
        b.save("k", 9_000);
        let s = NonceSource::new("k", a.clone());
        s.attach(&b);
        s.attach(&b);
        assert_eq!(s.next(1), Some(9_001), "continues after the attached store");
        assert_eq!((a.load("k"), b.load("k")), (Some(9_001), Some(9_001)));
        drop(b);
        assert_eq!(
            s.next(1),
            Some(9_002),
            "a dropped store is simply forgotten"
        );
    }

    #[test]
    fn clients_of_one_key_share_a_lane() {
        let (a, b) = (mem(), mem());
        let l1 = lane("lane-test-key", &a);
        let l2 = lane("lane-test-key", &b);
        assert!(Arc::ptr_eq(&l1, &l2));
        let other = lane("lane-test-other", &a);
        assert!(!Arc::ptr_eq(&l1, &other));
        let n = l2.nonces.next(1).unwrap();
        assert_eq!(
            (a.load("lane-test-key"), b.load("lane-test-key")),
            (Some(n), Some(n))
        );
        drop((l1, l2));
        let fresh = lane("lane-test-key", &mem());
        assert_eq!(
            fresh.nonces.last(),
            0,
            "a lane lives only as long as its clients"
        );
    }

    proptest! {
        /// Whatever the clock says (including steps back) and however many threads ask at
        /// once, every nonce is unique, each thread sees its nonces increase, all stay below
        /// MAX_SAFE_INTEGER, and the store holds the largest.
        #[test]
        fn concurrent_nonces_are_unique_and_increasing(
            clocks in proptest::collection::vec(
                proptest::collection::vec(0u64..2_000_000_000_000_000, 1..40),
                1..6,
            )
        ) {
            let store = Arc::new(MemoryNonceStore::default());
            let s = NonceSource::new("k", store.clone());
            let per_thread: Vec<Vec<u64>> = std::thread::scope(|scope| {
                let handles: Vec<_> = clocks
                    .iter()
                    .map(|readings| {
                        let s = &s;
                        scope.spawn(move || {
                            readings.iter().map(|&now| s.next(now).unwrap()).collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            for got in &per_thread {
                prop_assert!(got.windows(2).all(|w| w[0] < w[1]), "{:?}", got);
            }
            let mut all: Vec<u64> = per_thread.concat();
            all.sort_unstable();
            let n = all.len();
            all.dedup();
            prop_assert_eq!(all.len(), n, "no nonce handed out twice");
            prop_assert_eq!(n, clocks.iter().map(Vec::len).sum::<usize>());
            prop_assert!(all.iter().all(|&x| x < MAX_NONCE));
            prop_assert_eq!(store.load("k"), all.last().copied());
        }
    }
}
