//! The earnings report the app, the dashboard and `yf earnings` show: per currency and in
//! total (in USD), today / 7 days / 30 days / all time, and the day-by-day series for charts.
//! Read from the store; the figures are [`crate::metrics`] over the stored history.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::{Store, StoreError};
use ts_rs::TS;

use crate::metrics::{DAY_MS, DailyEarning, History, Metrics, daily, metrics};

/// The four windows the app shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Windows {
    /// Since 00:00 UTC.
    pub today: Metrics,
    /// The last 7 days.
    pub week: Metrics,
    /// The last 30 days.
    pub month: Metrics,
    /// Since the first record.
    pub all: Metrics,
}

/// One currency's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CurrencyEarnings {
    /// Currency (`USD`, `UST`, …).
    pub currency: String,
    /// USD price of one unit at the last market snapshot.
    #[ts(type = "string")]
    pub usd_price: Decimal,
    /// The figures, in the currency.
    pub windows: Windows,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EarningsReport {
    /// When computed (UTC ms).
    #[ts(type = "number")]
    pub now_mts: i64,
    /// Per currency (only currencies with any history).
    pub currencies: Vec<CurrencyEarnings>,
    /// Every currency together, in USD at each currency's last price; `None` without history.
    pub total_usd: Option<Windows>,
}

/// What is stored for one currency from `from` on (with the state just before it).
struct Loaded {
    payments: Vec<store::Payment>,
    wallet: Vec<store::WalletPoint>,
    market: Vec<store::MarketPoint>,
    trades: Vec<store::FundingTradeRow>,
}

impl Loaded {
    fn read(store: &Store, cur: &str, from: i64, to: i64) -> Result<Self, StoreError> {
        Ok(Self {
            payments: store.payments(Some(cur), from, to)?,
            wallet: store.wallet_points(cur, from, to)?,
            market: store.market_points(cur, from, to)?,
            trades: store.funding_trades(cur, from, to)?,
        })
    }

    fn history(&self) -> History<'_> {
        History {
            payments: &self.payments,
            wallet: &self.wallet,
            market: &self.market,
            trades: &self.trades,
        }
    }

    /// The first moment anything was recorded.
    fn first_mts(&self) -> Option<i64> {
        [
            self.payments.first().map(|p| p.mts),
            self.wallet.first().map(|w| w.mts),
            self.trades.first().map(|t| t.mts),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

const FAR_PAST: i64 = i64::MIN / 4;

/// The report over every currency with history, as of `now`; `since` (UTC ms) bounds "all time".
pub fn report(
    store: &Store,
    currencies: &[&str],
    now: i64,
    since: Option<i64>,
) -> Result<EarningsReport, StoreError> {
    let mut out = Vec::new();
    for cur in currencies {
        let data = Loaded::read(store, cur, since.unwrap_or(FAR_PAST), now.saturating_add(1))?;
        let Some(first) = data.first_mts() else {
            continue;
        };
        let from_all = since.unwrap_or(first).min(now);
        let h = data.history();
        let today = now - now.rem_euclid(DAY_MS);
        let w = |from: i64| metrics(&h, from.max(from_all), now);
        out.push(CurrencyEarnings {
            currency: (*cur).to_owned(),
            usd_price: data.market.last().map_or(Decimal::ONE, |m| m.usd_price),
            windows: Windows {
                today: w(today),
                week: w(now - 7 * DAY_MS),
                month: w(now - 30 * DAY_MS),
                all: w(from_all),
            },
        });
    }
    let total_usd = (!out.is_empty()).then(|| Windows {
        today: in_usd(&out, |w| &w.today),
        week: in_usd(&out, |w| &w.week),
        month: in_usd(&out, |w| &w.month),
        all: in_usd(&out, |w| &w.all),
    });
    Ok(EarningsReport {
        now_mts: now,
        currencies: out,
        total_usd,
    })
}

/// One window of every currency together, converted to USD; rates are recomputed from the
/// sums (not averaged), so a small balance does not weigh like a large one.
fn in_usd(parts: &[CurrencyEarnings], pick: impl Fn(&Windows) -> &Metrics) -> Metrics {
    let mut m = Metrics {
        from_mts: i64::MAX,
        to_mts: i64::MIN,
        earned: Decimal::ZERO,
        payments: 0,
        avg_balance: Decimal::ZERO,
        avg_lent: Decimal::ZERO,
        utilization: None,
        apr: None,
        apy: None,
        baseline_auto_renew: Decimal::ZERO,
        baseline_auto_renew_calibrated: Some(Decimal::ZERO),
        baseline_idle: Decimal::ZERO,
        filled: Decimal::ZERO,
        avg_rate: None,
        avg_period: None,
    };
    let (mut rate_sum, mut period_sum) = (Decimal::ZERO, Decimal::ZERO);
    let mut span_balance = Decimal::ZERO; // Σ balance × span, for a common denominator
    for c in parts {
        let x = pick(&c.windows);
        let p = c.usd_price;
        m.from_mts = m.from_mts.min(x.from_mts);
        m.to_mts = m.to_mts.max(x.to_mts);
        m.earned += x.earned * p;
        m.payments += x.payments;
        m.avg_balance += x.avg_balance * p;
        m.avg_lent += x.avg_lent * p;
        m.baseline_auto_renew += x.baseline_auto_renew * p;
        // Known for the total only when known for every currency.
        m.baseline_auto_renew_calibrated = m
            .baseline_auto_renew_calibrated
            .zip(x.baseline_auto_renew_calibrated)
            .map(|(a, b)| a + b * p);
        m.filled += x.filled * p;
        rate_sum += x.avg_rate.unwrap_or_default() * x.filled * p;
        period_sum += x.avg_period.unwrap_or_default() * x.filled * p;
        span_balance += x.avg_balance * p * Decimal::from(x.to_mts - x.from_mts);
    }
    m.earned = m.earned.round_dp(8);
    m.avg_balance = m.avg_balance.round_dp(8);
    m.avg_lent = m.avg_lent.round_dp(8);
    m.baseline_auto_renew = m.baseline_auto_renew.round_dp(8);
    m.baseline_auto_renew_calibrated = m
        .baseline_auto_renew_calibrated
        .filter(|_| !parts.is_empty())
        .map(|a| a.round_dp(8));
    if m.avg_balance > Decimal::ZERO {
        m.utilization = Some((m.avg_lent / m.avg_balance).round_dp(6));
    }
    if span_balance > Decimal::ZERO {
        // Daily return over the balance-days of every currency.
        let r = m.earned * Decimal::from(DAY_MS) / span_balance;
        m.apr = Some((r * Decimal::from(365)).round_dp(6));
        m.apy = rust_decimal::MathematicalOps::checked_powu(&(Decimal::ONE + r), 365)
            .map(|g| (g - Decimal::ONE).round_dp(6));
    }
    if m.filled > Decimal::ZERO {
        m.avg_rate = Some((rate_sum / m.filled).round_dp(8));
        m.avg_period = Some((period_sum / m.filled).round_dp(2));
    }
    m
}

/// The last `days` UTC days of one currency (today included), oldest first.
pub fn daily_series(
    store: &Store,
    currency: &str,
    days: u32,
    now: i64,
) -> Result<Vec<DailyEarning>, StoreError> {
    let today = now - now.rem_euclid(DAY_MS);
    let from = today - i64::from(days.max(1) - 1) * DAY_MS;
    let data = Loaded::read(store, currency, from, now.saturating_add(1))?;
    // Start at the first record: no empty days before the app ever ran.
    let Some(first) = data.first_mts() else {
        return Ok(Vec::new());
    };
    let start = from.max(first - first.rem_euclid(DAY_MS)).min(today);
    let mut series = daily(&data.history(), start, now.max(start + 1));
    // Cumulative from the start of the series.
    let mut c = Decimal::ZERO;
    for d in &mut series {
        c += d.earned;
        d.cumulative = c;
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use store::{MarketPoint, Payment, WalletPoint};

    use super::*;

    const D: i64 = DAY_MS;

    fn seed(store: &Store, cur: &str, price: &str) {
        store
            .insert_wallet_point(&WalletPoint {
                currency: cur.into(),
                mts: 0,
                total: dec!(1000),
                lent: dec!(1000),
                on_offer: Decimal::ZERO,
            })
            .unwrap();
        store
            .insert_market_point(&MarketPoint {
                currency: cur.into(),
                mts: 0,
                frr: Some(dec!(0.0002)),
                best_ask: None,
                usd_price: price.parse().unwrap(),
                frr_line: None,
                frr_volume: None,
            })
            .unwrap();
        let rows: Vec<Payment> = (0..10)
            .map(|d| Payment {
                ledger_id: d + if cur == "USD" { 0 } else { 100 },
                currency: cur.into(),
                mts: d * D + 3_600_000,
                amount: dec!(0.1),
                balance: Decimal::ZERO,
                description: "Margin Funding Payment on wallet funding".into(),
            })
            .collect();
        store.insert_payments(&rows).unwrap();
    }

    #[test]
    fn windows_per_currency_and_the_total_in_usd() {
        let s = Store::open_in_memory().unwrap();
        seed(&s, "USD", "1");
        seed(&s, "UST", "0.5");
        let now = 10 * D; // ten whole days after the first snapshot
        let r = report(&s, &["USD", "UST", "EUR"], now, None).unwrap();
        assert_eq!(r.currencies.len(), 2, "EUR has no history");
        let usd = &r.currencies[0].windows;
        assert_eq!(usd.all.earned, dec!(1.0));
        assert_eq!(usd.week.earned, dec!(0.7));
        assert_eq!(usd.today.earned, Decimal::ZERO, "nothing paid yet today");
        assert_eq!(usd.all.utilization, Some(dec!(1)));
        let total = r.total_usd.unwrap();
        // 1.0 USD + 1.0 UST × 0.5
        assert_eq!(total.all.earned, dec!(1.5));
        assert_eq!(total.all.avg_balance, dec!(1500));
        assert_eq!(total.all.payments, 20);
        // 1.5 over 1500 for 10 days: 0.0001/day → APR 3.65 %
        assert_eq!(total.all.apr, Some(dec!(0.0365)));
        // Auto-Renew: 1000 × 0.0002 × 0.85 × 10 days = 1.7 per currency; 1.7 + 0.85 in USD.
        assert_eq!(total.all.baseline_auto_renew, dec!(2.55));
    }

    #[test]
    fn an_empty_store_gives_an_empty_report() {
        let s = Store::open_in_memory().unwrap();
        let r = report(&s, &["USD"], D, None).unwrap();
        assert!(r.currencies.is_empty());
        assert!(r.total_usd.is_none());
        assert!(daily_series(&s, "USD", 30, D).unwrap().is_empty());
    }

    #[test]
    fn the_daily_series_starts_at_the_first_record_and_accumulates() {
        let s = Store::open_in_memory().unwrap();
        seed(&s, "USD", "1");
        let now = 10 * D + 5;
        let days = daily_series(&s, "USD", 90, now).unwrap();
        assert_eq!(days.len(), 11, "day 0 to day 10, not 90 empty days");
        assert_eq!(days[0].day_mts, 0);
        assert_eq!(days[9].cumulative, dec!(1.0));
        let last3 = daily_series(&s, "USD", 3, now).unwrap();
        assert_eq!(last3.len(), 3);
        assert_eq!(last3[0].day_mts, 8 * D);
        assert_eq!(
            last3[2].cumulative,
            dec!(0.2),
            "cumulative over the shown days"
        );
    }
}
