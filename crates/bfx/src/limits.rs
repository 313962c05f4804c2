//! Per-endpoint-family rate limits (reference §5.3) and the 60 s block after a limit answer.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use parking_lot::Mutex;

/// A group of endpoints that share a rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Authenticated funding, wallet, ledger, permission and info endpoints: 90/min.
    Auth,
    /// `book/*`: 240/min.
    Book,
    /// `candles/*`: 30/min.
    Candles,
    /// `trades/*/hist`: 15/min.
    Trades,
    /// `ticker/*`, `tickers`: 30/min.
    Tickers,
    /// `platform/status`: 30/min.
    Status,
    /// `funding/stats/*`: 15/min (undocumented; kept conservative).
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

    /// Requests per minute Bitfinex allows.
    pub fn per_minute(self) -> u32 {
        match self {
            Family::Auth => 90,
            Family::Book => 240,
            Family::Candles | Family::Tickers | Family::Status => 30,
            Family::Trades | Family::Stats => 15,
        }
    }
}

/// The client's own pacing: one limiter per family, plus blocks after a limit answer.
pub struct RateLimits {
    limiters: Option<HashMap<Family, DefaultDirectRateLimiter>>,
    blocked: Mutex<HashMap<Family, Instant>>,
}

impl RateLimits {
    /// Pacing on (`true`: never exceed Bitfinex's budgets) or off (a local emulator).
    pub fn new(enabled: bool) -> Self {
        let limiters = enabled.then(|| {
            Family::ALL
                .into_iter()
                .map(|f| {
                    let n = NonZeroU32::new(f.per_minute()).expect("non-zero budget");
                    // A burst of a sixth of the budget, refilled evenly over the minute.
                    let burst =
                        NonZeroU32::new((f.per_minute() / 6).max(1)).expect("non-zero burst");
                    (
                        f,
                        RateLimiter::direct(Quota::per_minute(n).allow_burst(burst)),
                    )
                })
                .collect()
        });
        Self {
            limiters,
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long the family is still blocked, if it is.
    pub fn blocked_for(&self, family: Family) -> Option<Duration> {
        let mut b = self.blocked.lock();
        match b.get(&family) {
            Some(until) if *until > Instant::now() => Some(*until - Instant::now()),
            Some(_) => {
                b.remove(&family);
                None
            }
            None => None,
        }
    }

    /// Stops calls to the family for `d`.
    pub fn block(&self, family: Family, d: Duration) {
        self.blocked.lock().insert(family, Instant::now() + d);
    }

    /// Waits for the family's budget to allow one more call.
    pub async fn acquire(&self, family: Family) {
        if let Some(l) = self.limiters.as_ref().and_then(|m| m.get(&family)) {
            l.until_ready().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_expire() {
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
        r.block(Family::Book, Duration::ZERO);
        assert_eq!(r.blocked_for(Family::Book), None);
    }

    #[tokio::test]
    async fn the_budget_allows_a_burst_then_paces() {
        let r = RateLimits::new(true);
        let start = Instant::now();
        for _ in 0..2 {
            r.acquire(Family::Trades).await; // burst of 15/6 = 2
        }
        assert!(start.elapsed() < Duration::from_millis(500));
        // The third call waits for the refill (60 s / 15 = 4 s).
        let third =
            tokio::time::timeout(Duration::from_millis(300), r.acquire(Family::Trades)).await;
        assert!(
            third.is_err(),
            "the third trades call within a second must wait"
        );
    }
}
