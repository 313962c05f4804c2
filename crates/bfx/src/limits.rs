//! Per-endpoint-family rate limits (reference §5.3) and the pause after a rate-limit answer.
//!
//! Bitfinex limits requests per IP and endpoint and blocks the IP for about 60 s when a
//! budget is exceeded. The client paces itself so that no 60-second window ever holds more
//! requests of a family than Bitfinex's budget, and after any rate-limit answer it stops
//! calling that family until the pause is over. Clients of the same hosts in one process
//! share their limiters and pauses (the budget belongs to the IP, not to a client).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock, Weak};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use parking_lot::Mutex;

/// A group of endpoints that share one rate-limit budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Every authenticated endpoint (`auth/r/*`, `auth/w/*`: funding, wallets, ledgers,
    /// permissions, info, transfer): 90/min, shared.
    Auth,
    /// `book/{symbol}/{P0..P4|R0}`: 240/min.
    Book,
    /// `candles/{key}/{hist|last}`: 30/min.
    Candles,
    /// `trades/{symbol}/hist`: 15/min.
    Trades,
    /// `ticker/{symbol}` and `tickers`: 30/min.
    Tickers,
    /// `platform/status`: 30/min.
    Status,
    /// `funding/stats/{symbol}/hist`: 15/min (undocumented; kept as low as `stats1`).
    Stats,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 7] = [
        Family::Auth,
        Family::Book,
        Family::Candles,
        Family::Trades,
        Family::Tickers,
        Family::Status,
        Family::Stats,
    ];

    /// Requests per minute Bitfinex allows this family.
    pub fn per_minute(self) -> u32 {
        match self {
            Family::Auth => 90,
            Family::Book => 240,
            Family::Candles | Family::Tickers | Family::Status => 30,
            Family::Trades | Family::Stats => 15,
        }
    }

    /// How many calls may go out at once before pacing starts (a tenth of the budget).
    pub fn burst(self) -> u32 {
        (self.per_minute() / 10).max(1)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The pacing of a family: a burst of `b`, then `per_minute − b` evenly spread calls per
/// minute. A greedy caller gets at most `b + (per_minute − b) − 1` calls into any 60-second
/// window, so the budget holds whatever window Bitfinex counts in.
pub(crate) fn quota(family: Family) -> Quota {
    let burst = family.burst();
    let steady = family.per_minute() - burst;
    Quota::with_period(Duration::from_secs(60) / steady)
        .expect("non-zero period")
        .allow_burst(NonZeroU32::new(burst).expect("non-zero burst"))
}

/// The client's own pacing: one limiter per family, plus the pauses after a limit answer.
pub struct RateLimits {
    limiters: Option<Vec<DefaultDirectRateLimiter>>,
    blocked: Mutex<HashMap<Family, Instant>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("pacing", &self.limiters.is_some())
            .field("blocked", &*self.blocked.lock())
            .finish()
    }
}

impl RateLimits {
    /// Pacing on (`true`: never exceed Bitfinex's budgets) or off (a local emulator). Pauses
    /// after a rate-limit answer apply either way.
    pub fn new(enabled: bool) -> Self {
        let limiters = enabled.then(|| {
            Family::ALL
                .into_iter()
                .map(|f| RateLimiter::direct(quota(f)))
                .collect()
        });
        Self {
            limiters,
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long calls to the family are still paused, if they are.
    pub fn blocked_for(&self, family: Family) -> Option<Duration> {
        let mut b = self.blocked.lock();
        let now = Instant::now();
        match b.get(&family) {
            Some(until) if *until > now => Some(*until - now),
            Some(_) => {
                b.remove(&family);
                None
            }
            None => None,
        }
    }

    /// Pauses calls to the family for `d` (never shortens a longer pause).
    pub fn block(&self, family: Family, d: Duration) {
        let until = Instant::now() + d;
        let mut b = self.blocked.lock();
        let e = b.entry(family).or_insert(until);
        *e = (*e).max(until);
    }

    /// Waits until the family's budget allows one more call.
    pub async fn acquire(&self, family: Family) {
        if let Some(l) = self.limiters.as_ref().map(|v| &v[family.index()]) {
            l.until_ready().await;
        }
    }
}

static SHARED: LazyLock<Mutex<HashMap<String, Weak<RateLimits>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The limits shared by every client of the same hosts (and pacing setting) in this process.
pub(crate) fn shared(auth_url: &str, public_url: &str, enabled: bool) -> Arc<RateLimits> {
    let key = format!("{auth_url}|{public_url}|{enabled}");
    let mut all = SHARED.lock();
    all.retain(|_, w| w.strong_count() > 0);
    if let Some(l) = all.get(&key).and_then(Weak::upgrade) {
        return l;
    }
    let l = Arc::new(RateLimits::new(enabled));
    all.insert(key, Arc::downgrade(&l));
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;
    use std::collections::VecDeque;

    #[test]
    fn blocks_expire_and_are_per_family() {
        let r = RateLimits::new(false);
        assert_eq!(r.blocked_for(Family::Auth), None);
        r.block(Family::Auth, Duration::from_secs(60));
        let left = r.blocked_for(Family::Auth).unwrap();
        assert!(left > Duration::from_secs(59));
        assert_eq!(
            r.blocked_for(Family::Book),
            None,
            "other families keep going"
        );
        r.block(Family::Auth, Duration::from_secs(1));
        assert!(
            r.blocked_for(Family::Auth).unwrap() > Duration::from_secs(59),
            "a shorter pause never cuts a longer one"
        );
        r.block(Family::Book, Duration::ZERO);
        assert_eq!(r.blocked_for(Family::Book), None);
    }

    #[test]
    fn documented_budgets() {
        let budgets: Vec<(Family, u32)> =
            Family::ALL.iter().map(|f| (*f, f.per_minute())).collect();
        assert_eq!(
            budgets,
            vec![
                (Family::Auth, 90),
                (Family::Book, 240),
                (Family::Candles, 30),
                (Family::Trades, 15),
                (Family::Tickers, 30),
                (Family::Status, 30),
                (Family::Stats, 15),
            ]
        );
        for (i, f) in Family::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
        }
    }

    /// A caller that sends as fast as the limiter lets it, for ten minutes of fake time, never
    /// gets more than the family's budget into any 60-second window.
    #[test]
    fn no_sixty_second_window_exceeds_the_budget() {
        for family in Family::ALL {
            let clock = FakeRelativeClock::default();
            let limiter = RateLimiter::direct_with_clock(quota(family), clock.clone());
            let step = Duration::from_millis(10);
            let mut elapsed = Duration::ZERO;
            let mut window: VecDeque<Duration> = VecDeque::new();
            let mut sent = 0u32;
            let mut most = 0usize;
            while elapsed < Duration::from_secs(600) {
                while limiter.check().is_ok() {
                    window.push_back(elapsed);
                    sent += 1;
                }
                while window
                    .front()
                    .is_some_and(|t| elapsed - *t >= Duration::from_secs(60))
                {
                    window.pop_front();
                }
                most = most.max(window.len());
                clock.advance(step);
                elapsed += step;
            }
            let budget = family.per_minute() as usize;
            assert!(most <= budget, "{family:?}: {most} calls in one minute");
            assert!(
                most + 2 >= budget,
                "{family:?}: the budget is used, not wasted ({most}/{budget})"
            );
            assert!(
                sent >= family.per_minute() * 9,
                "{family:?}: {sent} in 10 min"
            );
        }
    }

    #[tokio::test]
    async fn the_budget_allows_a_burst_then_paces() {
        let r = RateLimits::new(true);
        let start = Instant::now();
        for _ in 0..Family::Candles.burst() {
            r.acquire(Family::Candles).await; // burst of 3
        }
        assert!(start.elapsed() < Duration::from_millis(500));
        // The next call waits for the refill (60 s / 27 ≈ 2.2 s).
        let next =
            tokio::time::timeout(Duration::from_millis(300), r.acquire(Family::Candles)).await;
        assert!(next.is_err(), "the call after the burst must wait");
    }

    #[test]
    fn clients_of_the_same_hosts_share_limits() {
        let a = shared("http://a.test", "http://p.test", true);
        let b = shared("http://a.test", "http://p.test", true);
        let c = shared("http://other.test", "http://p.test", true);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        a.block(Family::Book, Duration::from_secs(60));
        assert!(b.blocked_for(Family::Book).is_some());
        assert!(c.blocked_for(Family::Book).is_none());
    }
}
