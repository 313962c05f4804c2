//! Earnings metrics from the stored history: what was earned, the effective APY over the whole
//! balance (idle time included), utilization, and what Auto-Renew at FRR or idle money would
//! have earned over the same time. Pure functions of the stored rows.
//!
//! Definitions (UTC, milliseconds):
//! - **earned**: the sum of interest payments (ledger category 28) in the window — exactly the
//!   exchange's figures, already net of its 15 % fee.
//! - **average balance / lent**: time-weighted over the window from wallet snapshots (each
//!   snapshot holds until the next one).
//! - **utilization**: ∫ lent dt ÷ ∫ total dt.
//! - **APR**: earned ÷ average balance × 365 ÷ days. **APY**: daily compounding of the same
//!   daily return, `(1 + r)^365 − 1`. Both count idle time, because the denominator is the
//!   whole funding balance.
//! - **Auto-Renew baseline, upper bound**: ∫ total × FRR(t) × (1 − fee) dt ÷ 1 day — the same
//!   balance fully lent at the recorded FRR. It assumes FRR offers always fill; in 2026 FRR sat
//!   well above traded rates, so they often did not.
//! - **Auto-Renew baseline, calibrated rule** ([`auto_renew_calibrated`]): the market model's
//!   FRR rule (`docs/market-model.md`) applied to what the app recorded: the same balance,
//!   offered by Auto-Renew at FRR for 2 days, joins the back of the FRR offers Bitfinex shows
//!   waiting (`FRR_AMOUNT_AVAILABLE`); the line moves on by the public volume traded at or above
//!   FRR; once the line has passed its place the money is lent at FRR (floating, as an
//!   FRRDELTAVAR loan does) for 2 days and then offered again at the back of the line.
//! - **Idle baseline**: zero, by definition.
//! - **average rate / period**: of the funding trades (our fills) in the window, weighted by
//!   amount.

use rust_decimal::{Decimal, MathematicalOps};
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use store::{FundingTradeRow, MarketPoint, Payment, WalletPoint};
use ts_rs::TS;

/// Bitfinex keeps this share of the interest.
pub const LENDER_FEE: Decimal = dec!(0.15);
/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Figures for one currency over one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Metrics {
    /// Window start (UTC ms).
    #[ts(type = "number")]
    pub from_mts: i64,
    /// Window end (UTC ms).
    #[ts(type = "number")]
    pub to_mts: i64,
    /// Interest received (net of the fee, as paid).
    #[ts(type = "string")]
    pub earned: Decimal,
    /// Number of payments.
    pub payments: u32,
    /// Time-weighted funding balance.
    #[ts(type = "string")]
    pub avg_balance: Decimal,
    /// Time-weighted amount lent.
    #[ts(type = "string")]
    pub avg_lent: Decimal,
    /// Lent ÷ balance, time-weighted (0–1); `None` without balance.
    #[ts(type = "string | null")]
    pub utilization: Option<Decimal>,
    /// Simple annual rate over the whole balance.
    #[ts(type = "string | null")]
    pub apr: Option<Decimal>,
    /// Annual yield with daily compounding over the whole balance.
    #[ts(type = "string | null")]
    pub apy: Option<Decimal>,
    /// What Auto-Renew at FRR would have paid (upper bound: always filled).
    #[ts(type = "string")]
    pub baseline_auto_renew: Decimal,
    /// What Auto-Renew at FRR would have paid under the calibrated FRR rule; `None` when the
    /// window holds no recorded FRR line (history from before the app recorded it).
    #[ts(type = "string | null")]
    pub baseline_auto_renew_calibrated: Option<Decimal>,
    /// What idle money would have paid (zero).
    #[ts(type = "string")]
    pub baseline_idle: Decimal,
    /// Amount lent in new fills.
    #[ts(type = "string")]
    pub filled: Decimal,
    /// Daily rate of the fills, weighted by amount.
    #[ts(type = "string | null")]
    pub avg_rate: Option<Decimal>,
    /// Period of the fills in days, weighted by amount.
    #[ts(type = "string | null")]
    pub avg_period: Option<Decimal>,
}

/// The stored history the metrics are computed from (any slice may be empty).
#[derive(Debug, Clone, Copy, Default)]
pub struct History<'a> {
    /// Interest payments.
    pub payments: &'a [Payment],
    /// Funding wallet snapshots (with the last one before the window).
    pub wallet: &'a [WalletPoint],
    /// Market snapshots (with the last one before the window).
    pub market: &'a [MarketPoint],
    /// Our funding trades.
    pub trades: &'a [FundingTradeRow],
}

/// Integrates a step function given by `(mts, value)` points (each holds until the next, the
/// last until `to`) over `[from, to)`; returns value·ms.
fn integrate(points: &[(i64, Decimal)], from: i64, to: i64) -> Decimal {
    let mut sum = Decimal::ZERO;
    for (i, (t, v)) in points.iter().enumerate() {
        let start = (*t).max(from);
        let end = points.get(i + 1).map_or(to, |(n, _)| *n).min(to);
        if end > start {
            sum += *v * Decimal::from(end - start);
        }
    }
    sum
}

/// The value of a step function at `t` (the last point at or before it).
fn value_at(points: &[(i64, Decimal)], t: i64) -> Option<Decimal> {
    points.iter().rev().find(|(p, _)| *p <= t).map(|(_, v)| *v)
}

/// Computes the metrics of one currency over `[from, to)`.
pub fn metrics(h: &History<'_>, from: i64, to: i64) -> Metrics {
    let History {
        payments,
        wallet,
        market,
        trades,
    } = *h;
    let window: Vec<&Payment> = payments
        .iter()
        .filter(|p| p.mts >= from && p.mts < to)
        .collect();
    let earned: Decimal = window.iter().map(|p| p.amount).sum();
    let total: Vec<(i64, Decimal)> = wallet.iter().map(|w| (w.mts, w.total)).collect();
    let lent: Vec<(i64, Decimal)> = wallet.iter().map(|w| (w.mts, w.lent)).collect();
    let span = Decimal::from((to - from).max(0));
    let int_total = integrate(&total, from, to);
    let int_lent = integrate(&lent, from, to);
    let avg_balance = if span > Decimal::ZERO {
        int_total / span
    } else {
        Decimal::ZERO
    };
    let avg_lent = if span > Decimal::ZERO {
        int_lent / span
    } else {
        Decimal::ZERO
    };
    let utilization = (int_total > Decimal::ZERO).then(|| (int_lent / int_total).round_dp(6));
    let days = span / Decimal::from(DAY_MS);
    let daily =
        (avg_balance > Decimal::ZERO && days > Decimal::ZERO).then(|| earned / avg_balance / days);
    let apr = daily.map(|r| (r * dec!(365)).round_dp(6));
    let apy = daily
        .and_then(|r| (Decimal::ONE + r).checked_powu(365))
        .map(|g| (g - Decimal::ONE).round_dp(6));
    // Auto-Renew: balance × FRR × (1 − fee) over time; FRR steps at market snapshots.
    let frr: Vec<(i64, Decimal)> = market
        .iter()
        .filter_map(|m| m.frr.map(|f| (m.mts, f)))
        .collect();
    let mut cuts: Vec<i64> = total
        .iter()
        .map(|p| p.0)
        .chain(frr.iter().map(|p| p.0))
        .filter(|t| *t > from && *t < to)
        .collect();
    cuts.push(from);
    cuts.sort_unstable();
    cuts.dedup();
    let mut auto = Decimal::ZERO;
    for (i, t) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(to);
        if let (Some(b), Some(f)) = (value_at(&total, *t), value_at(&frr, *t)) {
            auto += b * f * Decimal::from(end - t);
        }
    }
    let baseline_auto_renew =
        (auto * (Decimal::ONE - LENDER_FEE) / Decimal::from(DAY_MS)).round_dp(8);
    let baseline_auto_renew_calibrated = auto_renew_calibrated(&total, market, from, to);
    let fills: Vec<&FundingTradeRow> = trades
        .iter()
        .filter(|t| t.mts >= from && t.mts < to)
        .collect();
    let filled: Decimal = fills.iter().map(|t| t.amount).sum();
    let weighted = |f: &dyn Fn(&FundingTradeRow) -> Decimal| {
        (filled > Decimal::ZERO)
            .then(|| (fills.iter().map(|t| t.amount * f(t)).sum::<Decimal>() / filled).round_dp(8))
    };
    let avg_rate = weighted(&|t| t.rate);
    let avg_period = weighted(&|t| Decimal::from(t.period)).map(|p| p.round_dp(2));
    Metrics {
        from_mts: from,
        to_mts: to,
        earned,
        payments: u32::try_from(window.len()).unwrap_or(u32::MAX),
        avg_balance: avg_balance.round_dp(8),
        avg_lent: avg_lent.round_dp(8),
        utilization,
        apr,
        apy,
        baseline_auto_renew,
        baseline_auto_renew_calibrated,
        baseline_idle: Decimal::ZERO,
        filled,
        avg_rate,
        avg_period,
    }
}

/// The period Auto-Renew offers for in the calibrated figure (as the backtests' Auto-Renew
/// lines): 2 days, Bitfinex's shortest.
pub const AUTO_RENEW_PERIOD_DAYS: i64 = 2;

/// Market snapshots further apart than this leave the time between them unobserved: the line
/// is taken not to move then (the app was not running, so no trade was read).
const OBSERVED_GAP_MS: i64 = 15 * 60_000;

/// What Auto-Renew at FRR would have paid over `[from, to)` on the balance `total` under the
/// calibrated FRR rule (module docs), net of the fee; `None` when no market snapshot of the
/// window (or the one before it) holds the FRR line.
///
/// The window starts with the whole balance offered at the back of the line (no loan carried
/// in), so for the first two days of a window it can only understate Auto-Renew; a loan's life
/// is its full period (early repayment would only re-offer sooner, at the back of the line).
pub fn auto_renew_calibrated(
    total: &[(i64, Decimal)],
    market: &[MarketPoint],
    from: i64,
    to: i64,
) -> Option<Decimal> {
    auto_renew_calibrated_by_day(total, market, from, to)
        .map(|days| days.values().copied().sum::<Decimal>().round_dp(8))
}

/// [`auto_renew_calibrated`] split by UTC day (day start → amount, unrounded), from one run
/// over the whole window.
fn auto_renew_calibrated_by_day(
    total: &[(i64, Decimal)],
    market: &[MarketPoint],
    from: i64,
    to: i64,
) -> Option<std::collections::BTreeMap<i64, Decimal>> {
    if to <= from || !market.iter().any(|m| m.frr_line.is_some() && m.mts < to) {
        return None;
    }
    let period_ms = AUTO_RENEW_PERIOD_DAYS * DAY_MS;
    // Waiting money: (amount, line still ahead of it). Loans: (amount, end).
    let mut queue: Vec<(Decimal, Decimal)> = Vec::new();
    let mut loans: Vec<(Decimal, i64)> = Vec::new();
    let (mut line, mut frr) = (Decimal::ZERO, None::<Decimal>);
    let mut by_day = std::collections::BTreeMap::new();
    let net = (Decimal::ONE - LENDER_FEE) / Decimal::from(DAY_MS);
    // Balance changes and market snapshots inside the window, in time order.
    let mut cuts: Vec<i64> = market
        .iter()
        .map(|m| m.mts)
        .chain(total.iter().map(|p| p.0))
        .filter(|t| *t > from && *t < to)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut cuts = cuts.into_iter().peekable();
    // Snapshots up to `from` only set the state; the ones after it also move the line.
    let mut next_point = 0;
    let mut prev_point: Option<i64> = None;
    let (mut next_wallet, mut balance) = (0, Decimal::ZERO);
    let mut t = from;
    loop {
        // 1. Market snapshots at or before `t`, in order.
        while let Some(m) = market.get(next_point).filter(|m| m.mts <= t) {
            if let Some(f) = m.frr {
                frr = Some(f);
            }
            if let Some(l) = m.frr_line {
                line = l.max(Decimal::ZERO);
            }
            let observed = prev_point.is_some_and(|p| m.mts - p <= OBSERVED_GAP_MS);
            let drain = m
                .frr_volume
                .filter(|v| observed && m.mts > from && *v > Decimal::ZERO)
                .unwrap_or_default();
            if drain > Decimal::ZERO {
                for (amount, ahead) in &mut queue {
                    let filled = (drain - *ahead).clamp(Decimal::ZERO, *amount);
                    *ahead = (*ahead - drain).max(Decimal::ZERO);
                    if filled > Decimal::ZERO {
                        *amount -= filled;
                        loans.push((filled, m.mts + period_ms));
                    }
                }
                queue.retain(|(a, _)| *a > Decimal::ZERO);
            }
            prev_point = Some(m.mts);
            next_point += 1;
        }
        // 2. Loans that ended come back and are offered again at the back of the line.
        let back: Decimal = loans.iter().filter(|l| l.1 <= t).map(|l| l.0).sum();
        loans.retain(|l| l.1 > t);
        if back > Decimal::ZERO {
            queue.push((back, line));
        }
        // 3. The balance: new money joins the back of the line; money taken out leaves the
        //    line first (the back of it), then the newest loans.
        while total.get(next_wallet).is_some_and(|p| p.0 <= t) {
            balance = total[next_wallet].1.max(Decimal::ZERO);
            next_wallet += 1;
        }
        let held: Decimal =
            queue.iter().map(|q| q.0).sum::<Decimal>() + loans.iter().map(|l| l.0).sum::<Decimal>();
        if balance > held {
            queue.push((balance - held, line));
        } else if balance < held {
            let mut out = held - balance;
            for a in queue
                .iter_mut()
                .rev()
                .map(|q| &mut q.0)
                .chain(loans.iter_mut().rev().map(|l| &mut l.0))
            {
                let take = out.min(*a);
                *a -= take;
                out -= take;
            }
            queue.retain(|q| q.0 > Decimal::ZERO);
            loans.retain(|l| l.0 > Decimal::ZERO);
        }
        // 4. Interest until the next event: a snapshot, a balance change or a loan's end.
        let next = cuts
            .peek()
            .copied()
            .into_iter()
            .chain(loans.iter().map(|l| l.1))
            .filter(|e| *e > t)
            .min()
            .unwrap_or(to)
            .min(to);
        if let Some(rate) = frr {
            let lent: Decimal = loans.iter().map(|l| l.0).sum();
            let mut a = t;
            while a < next && lent > Decimal::ZERO {
                let day = a - a.rem_euclid(DAY_MS);
                let b = next.min(day + DAY_MS);
                *by_day.entry(day).or_insert(Decimal::ZERO) +=
                    lent * rate * Decimal::from(b - a) * net;
                a = b;
            }
        }
        if next >= to {
            break;
        }
        t = next;
        while cuts.peek().is_some_and(|c| *c <= t) {
            cuts.next();
        }
    }
    Some(by_day)
}

/// One UTC day of earnings, for the charts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DailyEarning {
    /// Day start (UTC ms).
    #[ts(type = "number")]
    pub day_mts: i64,
    /// Paid that day.
    #[ts(type = "string")]
    pub earned: Decimal,
    /// Paid up to and including that day.
    #[ts(type = "string")]
    pub cumulative: Decimal,
    /// Utilization that day (0–1).
    #[ts(type = "string | null")]
    pub utilization: Option<Decimal>,
    /// APY over that day.
    #[ts(type = "string | null")]
    pub apy: Option<Decimal>,
    /// Auto-Renew at FRR that day (upper bound: always filled).
    #[ts(type = "string")]
    pub baseline_auto_renew: Decimal,
    /// Auto-Renew at FRR that day under the calibrated FRR rule, if the FRR line was recorded.
    #[ts(type = "string | null")]
    pub baseline_auto_renew_calibrated: Option<Decimal>,
}

/// Day-by-day figures over `[from, to)` (days aligned to UTC midnight).
pub fn daily(h: &History<'_>, from: i64, to: i64) -> Vec<DailyEarning> {
    let mut out = Vec::new();
    let mut day = from - from.rem_euclid(DAY_MS);
    let mut cumulative = Decimal::ZERO;
    // The calibrated Auto-Renew figure carries its line position and loans from day to day.
    let total: Vec<(i64, Decimal)> = h.wallet.iter().map(|w| (w.mts, w.total)).collect();
    let calibrated = auto_renew_calibrated_by_day(&total, h.market, from, to);
    while day < to {
        let end = (day + DAY_MS).min(to);
        let m = metrics(h, day.max(from), end);
        cumulative += m.earned;
        out.push(DailyEarning {
            day_mts: day,
            earned: m.earned,
            cumulative,
            utilization: m.utilization,
            apy: m.apy,
            baseline_auto_renew: m.baseline_auto_renew,
            baseline_auto_renew_calibrated: calibrated
                .as_ref()
                .map(|c| c.get(&day).copied().unwrap_or_default().round_dp(8)),
        });
        day += DAY_MS;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = DAY_MS;

    fn pay(id: i64, mts: i64, amount: &str) -> Payment {
        Payment {
            ledger_id: id,
            currency: "USD".into(),
            mts,
            amount: amount.parse().unwrap(),
            balance: Decimal::ZERO,
            description: "Margin Funding Payment on wallet funding".into(),
        }
    }

    fn w(mts: i64, total: i64, lent: i64) -> WalletPoint {
        WalletPoint {
            currency: "USD".into(),
            mts,
            total: total.into(),
            lent: lent.into(),
            on_offer: Decimal::ZERO,
        }
    }

    fn m(mts: i64, frr: &str) -> MarketPoint {
        MarketPoint {
            currency: "USD".into(),
            mts,
            frr: Some(frr.parse().unwrap()),
            best_ask: None,
            usd_price: Decimal::ONE,
            frr_line: None,
            frr_volume: None,
        }
    }

    /// A snapshot with the FRR line and the volume traded at or above FRR since the last one.
    fn line(mts: i64, frr: &str, line: i64, volume: i64) -> MarketPoint {
        MarketPoint {
            frr_line: Some(line.into()),
            frr_volume: Some(volume.into()),
            ..m(mts, frr)
        }
    }

    const MIN5: i64 = 5 * 60_000;

    #[test]
    fn calibrated_auto_renew_needs_the_recorded_line() {
        let wallet = [w(0, 1000, 0)];
        let market = [m(0, "0.0004"), m(MIN5, "0.0004")];
        let h = History {
            wallet: &wallet,
            market: &market,
            ..History::default()
        };
        assert_eq!(metrics(&h, 0, D).baseline_auto_renew_calibrated, None);
        // The upper bound is still there: 1000 × 0.0004 × 0.85 for a day.
        assert_eq!(metrics(&h, 0, D).baseline_auto_renew, dec!(0.34));
    }

    #[test]
    fn calibrated_auto_renew_fills_once_the_line_ahead_has_passed() {
        // 500 USD joins the back of a 1000 USD line at 0. 1200 trades at FRR by 5 min: 200 of
        // ours is lent; 400 more by 10 min: the remaining 300 is lent. Both for 2 days, so the
        // whole first day is interest on them.
        let wallet = [w(0, 500, 0)];
        let market = [
            line(0, "0.0004", 1000, 0),
            line(MIN5, "0.0004", 1000, 1200),
            line(2 * MIN5, "0.0004", 1000, 400),
        ];
        let h = History {
            wallet: &wallet,
            market: &market,
            ..History::default()
        };
        let want = (dec!(200) * Decimal::from(D - MIN5) + dec!(300) * Decimal::from(D - 2 * MIN5))
            * dec!(0.0004)
            * dec!(0.85)
            / Decimal::from(D);
        assert_eq!(
            metrics(&h, 0, D).baseline_auto_renew_calibrated,
            Some(want.round_dp(8))
        );
        // The upper bound is the whole balance all day.
        assert_eq!(metrics(&h, 0, D).baseline_auto_renew, dec!(0.17));
    }

    #[test]
    fn calibrated_auto_renew_ignores_volume_over_an_unobserved_gap() {
        // The app was off for an hour: whatever traded then is not known to have reached FRR.
        let wallet = [w(0, 500, 0)];
        let market = [
            line(0, "0.0004", 100, 0),
            line(12 * MIN5, "0.0004", 100, 5000),
        ];
        let h = History {
            wallet: &wallet,
            market: &market,
            ..History::default()
        };
        assert_eq!(
            metrics(&h, 0, D).baseline_auto_renew_calibrated,
            Some(Decimal::ZERO)
        );
    }

    #[test]
    fn calibrated_auto_renew_reoffers_at_the_back_after_the_period() {
        // All 500 lent at 5 min; it comes back 2 days later and waits behind a 1000 line that
        // never moves again: 2 days of interest over a 4-day window, carried day to day.
        let wallet = [w(0, 500, 0)];
        let mut market = vec![line(0, "0.0004", 0, 0), line(MIN5, "0.0004", 1000, 600)];
        market.extend((2..4 * 288).map(|i| line(i * MIN5, "0.0004", 1000, 0)));
        let h = History {
            wallet: &wallet,
            market: &market,
            ..History::default()
        };
        let want = dec!(500) * dec!(0.0004) * dec!(0.85) * dec!(2);
        assert_eq!(
            metrics(&h, 0, 4 * D).baseline_auto_renew_calibrated,
            Some(want)
        );
        let days = daily(&h, 0, 4 * D);
        let by_day: Vec<Decimal> = days
            .iter()
            .map(|d| d.baseline_auto_renew_calibrated.unwrap())
            .collect();
        let per_min = dec!(500) * dec!(0.0004) * dec!(0.85) / Decimal::from(D);
        assert_eq!(by_day[0], (per_min * Decimal::from(D - MIN5)).round_dp(8));
        assert_eq!(by_day[1], dec!(0.17));
        assert_eq!(by_day[2], (per_min * Decimal::from(MIN5)).round_dp(8));
        assert_eq!(by_day[3], Decimal::ZERO);
    }

    #[test]
    fn calibrated_auto_renew_follows_the_balance_down() {
        // 1000 lent at 5 min; half is withdrawn at 12 h (only 500 can be lent then).
        let wallet = [w(0, 1000, 0), w(D / 2, 500, 0)];
        let mut market = vec![line(0, "0.0004", 0, 0)];
        market.extend((1..288).map(|i| line(i * MIN5, "0.0004", 0, 1000)));
        let h = History {
            wallet: &wallet,
            market: &market,
            ..History::default()
        };
        let per_ms = dec!(0.0004) * dec!(0.85) / Decimal::from(D);
        let want =
            (dec!(1000) * Decimal::from(D / 2 - MIN5) + dec!(500) * Decimal::from(D / 2)) * per_ms;
        assert_eq!(
            metrics(&h, 0, D).baseline_auto_renew_calibrated,
            Some(want.round_dp(8))
        );
    }

    #[test]
    fn idle_time_counts_against_apy_and_utilization() {
        // 1000 USD for 2 days: lent the whole first day, idle the second. 0.17 paid.
        let wallet = [w(0, 1000, 1000), w(D, 1000, 0)];
        let payments = [pay(1, D + 3_600_000, "0.17")];
        let r = metrics(
            &History {
                payments: &payments,
                wallet: &wallet,
                ..History::default()
            },
            0,
            2 * D,
        );
        assert_eq!(r.earned, dec!(0.17));
        assert_eq!(r.avg_balance, dec!(1000));
        assert_eq!(r.avg_lent, dec!(500));
        assert_eq!(r.utilization, Some(dec!(0.5)));
        // daily return 0.17 / 1000 / 2 = 0.000085 → APR 3.1025 %
        assert_eq!(r.apr, Some(dec!(0.031025)));
        // (1.000085)^365 − 1 = 0.031513... (compounded)
        let apy = r.apy.unwrap();
        assert!(apy > dec!(0.0315) && apy < dec!(0.0316), "{apy}");
    }

    #[test]
    fn partial_days_and_balance_changes_are_time_weighted() {
        // 1000 for 6 h, then 3000 for 18 h: average 2500.
        let wallet = [w(0, 1000, 0), w(6 * 3_600_000, 3000, 3000)];
        let r = metrics(
            &History {
                wallet: &wallet,
                ..History::default()
            },
            0,
            D,
        );
        assert_eq!(r.avg_balance, dec!(2500));
        assert_eq!(r.avg_lent, dec!(2250));
        assert_eq!(r.utilization, Some(dec!(0.9)));
        assert_eq!(r.apr, Some(Decimal::ZERO));
    }

    #[test]
    fn the_state_before_the_window_carries_into_it() {
        let wallet = [w(-5 * D, 2000, 2000)];
        let r = metrics(
            &History {
                wallet: &wallet,
                ..History::default()
            },
            0,
            D,
        );
        assert_eq!(r.avg_balance, dec!(2000));
        assert_eq!(r.utilization, Some(dec!(1)));
    }

    #[test]
    fn auto_renew_baseline_uses_the_recorded_frr_net_of_fee() {
        // 1000 USD; FRR 0.0004 for the first half day, 0.0002 after.
        let wallet = [w(0, 1000, 0)];
        let market = [m(0, "0.0004"), m(D / 2, "0.0002")];
        let r = metrics(
            &History {
                wallet: &wallet,
                market: &market,
                ..History::default()
            },
            0,
            D,
        );
        // 1000 × (0.0004 × 0.5 + 0.0002 × 0.5) × 0.85 = 0.255
        assert_eq!(r.baseline_auto_renew, dec!(0.255));
        assert_eq!(r.baseline_idle, Decimal::ZERO);
    }

    #[test]
    fn totals_equal_the_sum_of_the_ledger_rows_exactly() {
        let payments: Vec<_> = (0..100).map(|i| pay(i, i * 1000, "0.01234567")).collect();
        let r = metrics(
            &History {
                payments: &payments,
                ..History::default()
            },
            0,
            D,
        );
        assert_eq!(r.earned, dec!(1.234567));
        assert_eq!(r.payments, 100);
        assert_eq!(r.apy, None, "no balance history, no APY");
    }

    #[test]
    fn daily_series_accumulates() {
        let wallet = [w(0, 1000, 1000)];
        let payments = [pay(1, D + 1, "0.1"), pay(2, 2 * D + 1, "0.2")];
        let days = daily(
            &History {
                payments: &payments,
                wallet: &wallet,
                ..History::default()
            },
            0,
            3 * D,
        );
        assert_eq!(days.len(), 3);
        assert_eq!(
            days.iter().map(|d| d.cumulative).collect::<Vec<_>>(),
            vec![dec!(0), dec!(0.1), dec!(0.3)]
        );
        assert_eq!(days[1].utilization, Some(dec!(1)));
    }

    #[test]
    fn average_rate_and_period_are_weighted_by_amount() {
        let t = |id: i64, mts: i64, amount: i64, rate: &str, period: u32| FundingTradeRow {
            trade_id: id,
            currency: "USD".into(),
            mts,
            offer_id: 1,
            amount: amount.into(),
            rate: rate.parse().unwrap(),
            period,
        };
        // 300 at 0.0001 for 2 days, 100 at 0.0005 for 30 days; one fill outside the window.
        let trades = [
            t(1, 10, 300, "0.0001", 2),
            t(2, 20, 100, "0.0005", 30),
            t(3, D + 5, 1000, "0.01", 120),
        ];
        let r = metrics(
            &History {
                trades: &trades,
                ..History::default()
            },
            0,
            D,
        );
        assert_eq!(r.filled, dec!(400));
        // (300 × 0.0001 + 100 × 0.0005) / 400 = 0.0002
        assert_eq!(r.avg_rate, Some(dec!(0.0002)));
        // (300 × 2 + 100 × 30) / 400 = 9
        assert_eq!(r.avg_period, Some(dec!(9)));
        let none = metrics(&History::default(), 0, D);
        assert_eq!((none.avg_rate, none.avg_period), (None, None));
    }
}
