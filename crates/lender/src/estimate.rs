//! What the recent public trades say about long loans, computed outside the planner and handed
//! to it as data ([`LongDemand`]).
//!
//! The engine keeps the last [`WINDOW_MS`] of public funding trades of each currency
//! ([`RecentPrints`], fed every market snapshot). From them, [`RecentPrints::long_demand`]
//! gives the volume of long loans (30 days and more) by rate. The planner looks up how much of
//! that volume traded at or above the rate of its long offer. The Dashboard's and
//! `yf status`'s "Why" show the figures, e.g. "in the last 24 h, 64 % of long-loan volume
//! (2.1 M USD) traded at or above this rate".
//!
//! These are observations, not promises. The pace ignores other lenders' offers ahead of ours,
//! so it is the fastest the tranche could be taken, not an expected fill time. The strategy's
//! price does not depend on them yet (docs/strategy.md).

use std::collections::VecDeque;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::PublicPrint;

/// How far back the recent trades reach (24 hours).
pub const WINDOW_MS: i64 = 24 * 3_600_000;
/// A loan of this many days or more counts as long.
pub const LONG_FROM_DAYS: u32 = 30;
/// The most trades kept per currency (2026's fUSD prints about 6 000 a day).
const MAX_PRINTS: usize = 100_000;
/// Less than this much time seen is too little to say anything.
const MIN_SEEN_MS: i64 = 3_600_000;

/// The last day of public funding trades of one currency.
#[derive(Debug, Clone, Default)]
pub struct RecentPrints {
    prints: VecDeque<PublicPrint>,
    /// Since when the trades were read without a gap (UTC ms).
    seen_since: Option<i64>,
    /// Up to when they were read.
    seen_until: Option<i64>,
}

impl RecentPrints {
    /// Adds the trades read for `[from, now]` and forgets what is older than [`WINDOW_MS`].
    /// A `from` after the last time read (the engine was off, or a read failed) starts the
    /// window afresh: a gap would misstate the pace.
    pub fn add(&mut self, prints: &[PublicPrint], from: i64, now: i64) {
        if self.seen_until.is_none_or(|u| from > u + 1) {
            self.prints.clear();
            self.seen_since = Some(from);
        }
        let last = self.prints.back().map(|p| p.mts);
        let mut fresh: Vec<&PublicPrint> = prints
            .iter()
            .filter(|p| p.mts >= from && p.mts <= now && last.is_none_or(|l| p.mts > l))
            .filter(|p| p.amount > Decimal::ZERO && p.rate > Decimal::ZERO)
            .collect();
        fresh.sort_by_key(|p| p.mts);
        self.prints.extend(fresh.into_iter().cloned());
        let cutoff = now - WINDOW_MS;
        while self.prints.front().is_some_and(|p| p.mts < cutoff) || self.prints.len() > MAX_PRINTS
        {
            self.prints.pop_front();
        }
        self.seen_since = self.seen_since.map(|s| s.max(cutoff));
        self.seen_until = Some(now);
    }

    /// The short market's level: the amount-weighted median rate of the window's 2–30-day
    /// trades, or `None` when less than an hour was seen. A trade far above it is a spike.
    pub fn short_level(&self) -> Option<Decimal> {
        self.short_quantile(Decimal::new(5, 1))
    }

    /// The rate the top 5 % of the window's 2–30-day volume traded at or above: a rate there
    /// is high *relative to the recent market*, and is lent for longer.
    pub fn short_top(&self) -> Option<Decimal> {
        self.short_quantile(Decimal::new(95, 2))
    }

    /// The amount-weighted `q` quantile of the window's 2–30-day trade rates.
    fn short_quantile(&self, q: Decimal) -> Option<Decimal> {
        if self.seen_until? - self.seen_since? < MIN_SEEN_MS {
            return None;
        }
        let mut short: Vec<(Decimal, Decimal)> = self
            .prints
            .iter()
            .filter(|p| p.period < LONG_FROM_DAYS)
            .map(|p| (p.rate, p.amount))
            .collect();
        short.sort_by_key(|r| r.0);
        let target = short.iter().map(|r| r.1).sum::<Decimal>() * q;
        let mut acc = Decimal::ZERO;
        short.into_iter().find_map(|(rate, amount)| {
            acc += amount;
            (acc >= target).then_some(rate)
        })
    }

    /// Forgets everything (the trades could not be read: a gap would misstate the pace).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The long-loan volume of the window by rate, or `None` when less than an hour was seen.
    /// It changes only when trades are added, not with the clock.
    pub fn long_demand(&self) -> Option<LongDemand> {
        let seen_ms = self.seen_until? - self.seen_since?;
        if seen_ms < MIN_SEEN_MS {
            return None;
        }
        let mut by_rate: Vec<(Decimal, Decimal)> = self
            .prints
            .iter()
            .filter(|p| p.period >= LONG_FROM_DAYS)
            .map(|p| (p.rate, p.amount))
            .collect();
        by_rate.sort_by_key(|r| std::cmp::Reverse(r.0));
        Some(LongDemand {
            hours: (Decimal::from(seen_ms) / Decimal::from(3_600_000)).round_dp(2),
            by_rate,
        })
    }
}

/// Long loans traded in the recent window: `(rate, amount)`, highest rate first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LongDemand {
    /// Hours the window covers.
    pub hours: Decimal,
    /// Each long trade's rate and amount, highest rate first.
    pub by_rate: Vec<(Decimal, Decimal)>,
}

impl LongDemand {
    /// What the window says about a long offer of `amount` at `rate`.
    pub fn at(&self, rate: Decimal, amount: Decimal) -> LongSeen {
        let total: Decimal = self.by_rate.iter().map(|r| r.1).sum();
        let above: Decimal = self
            .by_rate
            .iter()
            .take_while(|r| r.0 >= rate)
            .map(|r| r.1)
            .sum();
        let per_hour = if self.hours > Decimal::ZERO {
            above / self.hours
        } else {
            Decimal::ZERO
        };
        LongSeen {
            hours: self.hours,
            long_volume: total.round_dp(2),
            volume_at_or_above: above.round_dp(2),
            share_at_or_above: if total > Decimal::ZERO {
                Some((above / total).round_dp(4))
            } else {
                None
            },
            pace_minutes: if per_hour > Decimal::ZERO {
                Some(
                    (amount / per_hour * Decimal::from(60))
                        .round_dp(0)
                        .max(Decimal::ONE),
                )
            } else {
                None
            },
        }
    }
}

/// What the recent trades say about one long offer (shown with its reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LongSeen {
    /// Hours of trades looked at (at most 24).
    #[ts(type = "string")]
    pub hours: Decimal,
    /// Long-loan volume traded in them.
    #[ts(type = "string")]
    pub long_volume: Decimal,
    /// Of which at or above the offer's rate.
    #[ts(type = "string")]
    pub volume_at_or_above: Decimal,
    /// That share (0–1); `None` when no long loan traded.
    #[ts(type = "string | null")]
    pub share_at_or_above: Option<Decimal>,
    /// Minutes the long loans at or above the rate took to add up to the offer's amount, at
    /// the window's pace (other lenders' offers ahead are not counted: the fastest it could
    /// be taken); `None` when none traded.
    #[ts(type = "string | null")]
    pub pace_minutes: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const H: i64 = 3_600_000;

    fn p(mts: i64, amount: Decimal, rate: Decimal, period: u32) -> PublicPrint {
        PublicPrint {
            mts,
            amount,
            rate,
            period,
        }
    }

    #[test]
    fn long_volume_by_rate_over_the_last_day() {
        let mut w = RecentPrints::default();
        let t0 = 100 * H;
        w.add(
            &[
                p(t0 + 1, dec!(1000), dec!(0.0003), 120),
                p(t0 + 2, dec!(3000), dec!(0.0002), 2),
                p(t0 + 3, dec!(500), dec!(0.00025), 30),
            ],
            t0,
            t0 + H / 2,
        );
        assert!(w.long_demand().is_none(), "under an hour seen");
        w.add(
            &[p(t0 + H + 5, dec!(500), dec!(0.00035), 120)],
            t0 + H / 2,
            t0 + 2 * H,
        );
        let d = w.long_demand().unwrap();
        assert_eq!(d.hours, dec!(2));
        let seen = d.at(dec!(0.0003), dec!(750));
        assert_eq!(seen.long_volume, dec!(2000), "2-day trades are not long");
        assert_eq!(seen.volume_at_or_above, dec!(1500));
        assert_eq!(seen.share_at_or_above, Some(dec!(0.75)));
        // 1500 in 2 h = 750 an hour: 750 takes an hour.
        assert_eq!(seen.pace_minutes, Some(dec!(60)));
        let none = d.at(dec!(0.001), dec!(750));
        assert_eq!(none.share_at_or_above, Some(Decimal::ZERO));
        assert_eq!(none.pace_minutes, None);
    }

    #[test]
    fn the_short_level_is_the_amount_weighted_median_of_short_trades() {
        let mut w = RecentPrints::default();
        w.add(
            &[
                p(H, dec!(100), dec!(0.0001), 2),
                p(H + 1, dec!(300), dec!(0.00015), 2),
                p(H + 2, dec!(100), dec!(0.0009), 2),
                p(H + 3, dec!(5000), dec!(0.0003), 120),
            ],
            0,
            2 * H,
        );
        assert_eq!(w.short_level(), Some(dec!(0.00015)), "long trades left out");
        assert_eq!(w.short_top(), Some(dec!(0.0009)), "the top 5 % of 500");
        assert!(RecentPrints::default().short_level().is_none());
    }

    #[test]
    fn the_window_forgets_the_old_day_and_restarts_after_a_gap() {
        let mut w = RecentPrints::default();
        w.add(&[p(H, dec!(100), dec!(0.0003), 120)], 0, 2 * H);
        // Read on, without a gap, a day later: the first trade is forgotten.
        w.add(&[p(25 * H, dec!(200), dec!(0.0003), 120)], 2 * H, 26 * H);
        let d = w.long_demand().unwrap();
        assert_eq!(d.by_rate, vec![(dec!(0.0003), dec!(200))]);
        assert_eq!(d.hours, dec!(24));
        // A gap (the engine was off): the window starts again from the new read.
        w.add(&[p(40 * H, dec!(300), dec!(0.0003), 120)], 39 * H, 40 * H);
        assert_eq!(w.long_demand().unwrap().hours, dec!(1));
        // The same trades read twice count once.
        w.add(&[p(40 * H, dec!(300), dec!(0.0003), 120)], 40 * H, 41 * H);
        assert_eq!(w.long_demand().unwrap().by_rate.len(), 1);
        w.reset();
        assert!(w.long_demand().is_none());
    }
}
