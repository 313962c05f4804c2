//! Real market data for the Strategy page's backtests: downloads a window of Bitfinex's public
//! funding history — 1-minute candles of the 2–30-day trades and the hourly funding statistics
//! (FRR) — checks every row, and hands the result to the replay driver
//! ([`bfx_sim::ReplayData`]). No key is needed and nothing but these public reads is sent.
//!
//! Paging: candles forwards (`sort=1`, each page the oldest `limit` rows from `start`),
//! statistics backwards (newest first, `end` moved before the oldest row). Data that does not
//! add up — a row outside the window asked for, a minute twice with different values, a rate
//! below zero or a high under the low — stops the download with a sentence: a backtest is
//! never run on data we could not make sense of.

use bfx::Client;
use bfx_sim::{Candle, FundingStat, ReplayData};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::{ApiError, ErrorCode};

/// Candles per page (Bitfinex's documented maximum).
const CANDLE_PAGE: u32 = 10_000;
/// Funding-statistics points per page (the most Bitfinex is believed to return).
const STATS_PAGE: u32 = 250;
/// Statistics are read from this long before the window, so FRR is known from its first minute.
pub(crate) const STATS_LEAD_MS: i64 = 6 * HOUR_MS;
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
/// A daily rate of 100 % is beyond anything Bitfinex accepts: a row above it is corrupt.
const RATE_CEILING: f64 = 1.0;

/// Reads `[from, to)` of `symbol`'s public funding history. `progress(done, total)` is called
/// after each page (the total is an estimate until the last page).
pub(crate) async fn download(
    client: &Client,
    symbol: &str,
    from: i64,
    to: i64,
    progress: impl Fn(u32, u32),
) -> Result<ReplayData, ApiError> {
    let key = bfx::funding_candle_key_aggregated("1m", symbol, 30, 2, 30);
    let minutes = u32::try_from((to - from).div_euclid(MINUTE_MS)).unwrap_or(u32::MAX);
    let stats_hours = u32::try_from((to - from + STATS_LEAD_MS).div_euclid(HOUR_MS)).unwrap_or(0);
    let total = minutes.div_ceil(CANDLE_PAGE) + stats_hours.div_ceil(STATS_PAGE);
    let mut done = 0;

    let mut candles: Vec<Candle> = Vec::new();
    let mut start = from;
    while start < to {
        let page = client
            .candles(&key, Some(CANDLE_PAGE), Some(start), Some(to - 1), Some(1))
            .await
            .map_err(download_err)?;
        done += 1;
        progress(done, total.max(done));
        let n = page.len();
        for c in page {
            let c = candle(&c, from, to)?;
            match candles.last() {
                Some(prev) if c.mts < prev.mts => {
                    return Err(bad(format!(
                        "candles out of order ({} after {})",
                        label(c.mts),
                        label(prev.mts)
                    )));
                }
                Some(prev) if c.mts == prev.mts => {
                    if *prev != c {
                        return Err(bad(format!("two different candles for {}", label(c.mts))));
                    }
                }
                _ => candles.push(c),
            }
        }
        match candles.last() {
            Some(last) if n == CANDLE_PAGE as usize && last.mts + MINUTE_MS > start => {
                start = last.mts + MINUTE_MS;
            }
            _ => break,
        }
    }

    let lead = from - STATS_LEAD_MS;
    let mut stats: Vec<FundingStat> = Vec::new();
    let mut end = to - 1;
    loop {
        let page = client
            .funding_stats(symbol, Some(STATS_PAGE), Some(lead), Some(end))
            .await
            .map_err(download_err)?;
        done += 1;
        progress(done, total.max(done));
        let n = page.len();
        let mut oldest = end + 1;
        for s in page {
            let s = stat(&s, lead, to)?;
            if s.mts >= oldest {
                return Err(bad(format!(
                    "funding statistics out of order ({} after {})",
                    label(s.mts),
                    label(oldest)
                )));
            }
            oldest = s.mts;
            stats.push(s);
        }
        if n < STATS_PAGE as usize || oldest <= lead {
            break;
        }
        end = oldest - 1;
    }
    stats.reverse();
    progress(total.max(done), total.max(done));
    Ok(ReplayData {
        tape: bfx_sim::Tape::default(),
        candles,
        stats,
    })
}

fn candle(c: &bfx::Candle, from: i64, to: i64) -> Result<Candle, ApiError> {
    let when = label(c.mts);
    if c.mts < from || c.mts >= to || c.mts.rem_euclid(MINUTE_MS) != 0 {
        return Err(bad(format!(
            "a candle for {when}, outside the minutes asked for"
        )));
    }
    let [open, close, high, low] = [c.open, c.close, c.high, c.low].map(rate);
    let ok = [open, close, high, low]
        .iter()
        .all(|r| r.is_some_and(|r| (0.0..RATE_CEILING).contains(&r)));
    let (Some(open), Some(close), Some(high), Some(low)) = (open, close, high, low) else {
        return Err(bad(format!("a candle for {when} without rates")));
    };
    if !ok || low > open.min(close) || high < open.max(close) {
        return Err(bad(format!(
            "a candle for {when} whose rates do not add up (open {open}, close {close}, high {high}, low {low})"
        )));
    }
    let volume = c
        .volume
        .to_f64()
        .filter(|v| *v >= 0.0)
        .ok_or_else(|| bad(format!("a candle for {when} with a volume of {}", c.volume)))?;
    Ok(Candle {
        mts: c.mts,
        open,
        close,
        high,
        low,
        volume,
    })
}

fn stat(s: &bfx::FundingStat, from: i64, to: i64) -> Result<FundingStat, ApiError> {
    let when = label(s.mts);
    if s.mts < from || s.mts >= to {
        return Err(bad(format!(
            "funding statistics for {when}, outside the hours asked for"
        )));
    }
    let frr = rate(s.frr_div_365 * Decimal::from(365))
        .filter(|f| (0.0..RATE_CEILING).contains(f))
        .ok_or_else(|| {
            bad(format!(
                "funding statistics for {when} with an FRR of {}",
                s.frr_div_365
            ))
        })?;
    let non_negative = |d: Decimal| d.to_f64().filter(|v| *v >= 0.0);
    let (Some(avg_period), Some(amount), Some(used)) = (
        non_negative(s.avg_period),
        non_negative(s.funding_amount),
        non_negative(s.funding_amount_used),
    ) else {
        return Err(bad(format!(
            "funding statistics for {when} with a negative amount or period"
        )));
    };
    Ok(FundingStat {
        mts: s.mts,
        frr,
        avg_period,
        amount,
        used,
    })
}

fn rate(d: Decimal) -> Option<f64> {
    d.to_f64().filter(|r| r.is_finite())
}

fn label(mts: i64) -> String {
    format!("{} UTC", bfx_sim::replay::day_label(mts))
}

fn bad(what: String) -> ApiError {
    ApiError::new(
        ErrorCode::Network,
        format!(
            "Bitfinex sent {what}; the backtest did not run on it. Try again later, or test on the simulated market."
        ),
    )
}

fn download_err(e: bfx::Error) -> ApiError {
    let code = match &e {
        bfx::Error::RateLimited { .. } => ErrorCode::RateLimited,
        bfx::Error::Maintenance => ErrorCode::Maintenance,
        _ => ErrorCode::Network,
    };
    ApiError::new(
        code,
        format!("Could not download the market data from Bitfinex: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn c(mts: i64, o: Decimal, cl: Decimal, h: Decimal, l: Decimal, v: Decimal) -> bfx::Candle {
        bfx::Candle {
            mts,
            open: o,
            close: cl,
            high: h,
            low: l,
            volume: v,
        }
    }

    #[test]
    fn candles_that_do_not_add_up_are_refused_with_the_minute_they_concern() {
        let (from, to) = (60_000 * 100, 60_000 * 200);
        let ok = c(
            from,
            dec!(0.0002),
            dec!(0.0003),
            dec!(0.0004),
            dec!(0.0001),
            dec!(500),
        );
        let good = candle(&ok, from, to).unwrap();
        assert!((good.high - 0.0004).abs() < 1e-12 && (good.volume - 500.0).abs() < 1e-9);
        for (bad_candle, says) in [
            (
                bfx::Candle {
                    mts: to,
                    ..ok.clone()
                },
                "outside the minutes",
            ),
            (
                bfx::Candle {
                    mts: from + 1,
                    ..ok.clone()
                },
                "outside the minutes",
            ),
            (
                bfx::Candle {
                    high: dec!(0.00015),
                    ..ok.clone()
                },
                "do not add up",
            ),
            (
                bfx::Candle {
                    low: dec!(-0.0001),
                    ..ok.clone()
                },
                "do not add up",
            ),
            (
                bfx::Candle {
                    high: dec!(2),
                    ..ok.clone()
                },
                "do not add up",
            ),
            (
                bfx::Candle {
                    volume: dec!(-1),
                    ..ok.clone()
                },
                "with a volume of -1",
            ),
        ] {
            let e = candle(&bad_candle, from, to).unwrap_err();
            assert!(e.message.contains(says), "{}", e.message);
            assert!(e.message.contains("UTC"), "names the minute: {}", e.message);
        }
    }

    #[test]
    fn statistics_with_an_impossible_frr_are_refused() {
        let s = bfx::FundingStat {
            mts: 3_600_000,
            frr_div_365: dec!(0.000001),
            avg_period: dec!(60),
            funding_amount: dec!(5000000000),
            funding_amount_used: dec!(4900000000),
            funding_below_threshold: Decimal::ZERO,
        };
        let good = stat(&s, 0, 7_200_000).unwrap();
        assert!((good.frr - 0.000365).abs() < 1e-12);
        let neg = bfx::FundingStat {
            frr_div_365: dec!(-0.000001),
            ..s.clone()
        };
        assert!(
            stat(&neg, 0, 7_200_000)
                .unwrap_err()
                .message
                .contains("FRR")
        );
        assert!(
            stat(&s, 7_200_000, 10_800_000).is_err(),
            "outside the hours"
        );
    }
}
