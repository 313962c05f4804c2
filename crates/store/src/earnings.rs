//! `payments`, `wallet_snapshots`, `market_snapshots`, `sync_state`: the earnings history.

use std::str::FromStr;

use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// An interest payment (a category-28 ledger row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The exchange's ledger id.
    pub ledger_id: i64,
    /// Currency.
    pub currency: String,
    /// When paid (UTC ms).
    pub mts: i64,
    /// Net interest, as the exchange reports it.
    pub amount: Decimal,
    /// Funding wallet balance after it.
    pub balance: Decimal,
    /// The ledger description.
    pub description: String,
}

/// The funding wallet at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletPoint {
    /// Currency.
    pub currency: String,
    /// When (UTC ms).
    pub mts: i64,
    /// Total balance.
    pub total: Decimal,
    /// Lent out.
    pub lent: Decimal,
    /// On offer.
    pub on_offer: Decimal,
}

/// The market at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketPoint {
    /// Currency.
    pub currency: String,
    /// When (UTC ms).
    pub mts: i64,
    /// Flash Return Rate (daily).
    pub frr: Option<Decimal>,
    /// Best ask (daily).
    pub best_ask: Option<Decimal>,
    /// USD price of one unit.
    pub usd_price: Decimal,
    /// FRR offers waiting at FRR (the ticker's `FRR_AMOUNT_AVAILABLE`), if read.
    pub frr_line: Option<Decimal>,
    /// Public volume traded at or above FRR since the previous snapshot of the same engine
    /// run, if read.
    pub frr_volume: Option<Decimal>,
}

/// A fill of one of our offers (`auth/r/funding/trades/hist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingTradeRow {
    /// The exchange's trade id.
    pub trade_id: i64,
    /// Currency.
    pub currency: String,
    /// When (UTC ms).
    pub mts: i64,
    /// The offer that filled.
    pub offer_id: i64,
    /// Amount lent.
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Days.
    pub period: u32,
}

fn dec(s: String) -> Result<Decimal, StoreError> {
    Decimal::from_str(&s).map_err(|e| StoreError::Decode(format!("decimal {s:?}: {e}")))
}

fn opt_dec(s: Option<String>) -> Result<Option<Decimal>, StoreError> {
    s.map(dec).transpose()
}

impl Store {
    /// Inserts payments not seen before (by ledger id), in one transaction; returns how many
    /// were new. Running it twice with the same rows changes nothing.
    pub fn insert_payments(&self, rows: &[Payment]) -> Result<usize, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let n = insert_payment_rows(&tx, rows)?;
            tx.commit()?;
            Ok(n)
        })
    }

    /// Payments of a currency (or all when `None`) in `[from, to)`, oldest first.
    pub fn payments(
        &self,
        currency: Option<&str>,
        from_mts: i64,
        to_mts: i64,
    ) -> Result<Vec<Payment>, StoreError> {
        let rows: Vec<(i64, String, i64, String, String, String)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT ledger_id, currency, mts, amount, balance, description FROM payments
                 WHERE (?1 IS NULL OR currency = ?1) AND mts >= ?2 AND mts < ?3 ORDER BY mts, ledger_id",
            )?;
            st.query_map(params![currency, from_mts, to_mts], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect()
        })?;
        rows.into_iter()
            .map(|(ledger_id, currency, mts, amount, balance, description)| {
                Ok(Payment {
                    ledger_id,
                    currency,
                    mts,
                    amount: dec(amount)?,
                    balance: dec(balance)?,
                    description,
                })
            })
            .collect()
    }

    /// Records a wallet snapshot (a second one at the same moment replaces the first).
    pub fn insert_wallet_point(&self, p: &WalletPoint) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO wallet_snapshots (currency, mts, total, lent, on_offer) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![p.currency, p.mts, p.total.to_string(), p.lent.to_string(), p.on_offer.to_string()],
            )
            .map(drop)
        })
    }

    /// Wallet snapshots of a currency in `[from, to)`, oldest first, plus the last one before
    /// `from` (so the state at `from` is known).
    pub fn wallet_points(
        &self,
        currency: &str,
        from_mts: i64,
        to_mts: i64,
    ) -> Result<Vec<WalletPoint>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT mts, total, lent, on_offer FROM wallet_snapshots WHERE currency = ?1 AND mts >= ?2 AND mts < ?3
                 UNION ALL
                 SELECT * FROM (SELECT mts, total, lent, on_offer FROM wallet_snapshots WHERE currency = ?1 AND mts < ?2 ORDER BY mts DESC LIMIT 1)
                 ORDER BY mts",
            )?;
            st.query_map(params![currency, from_mts, to_mts], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })?;
        rows.into_iter()
            .map(|(mts, total, lent, on_offer)| {
                Ok(WalletPoint {
                    currency: currency.into(),
                    mts,
                    total: dec(total)?,
                    lent: dec(lent)?,
                    on_offer: dec(on_offer)?,
                })
            })
            .collect()
    }

    /// Records a market snapshot.
    pub fn insert_market_point(&self, p: &MarketPoint) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO market_snapshots (currency, mts, frr, best_ask, usd_price, frr_line, frr_volume) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    p.currency,
                    p.mts,
                    p.frr.map(|d| d.to_string()),
                    p.best_ask.map(|d| d.to_string()),
                    p.usd_price.to_string(),
                    p.frr_line.map(|d| d.to_string()),
                    p.frr_volume.map(|d| d.to_string())
                ],
            )
            .map(drop)
        })
    }

    /// Market snapshots of a currency in `[from, to)`, plus the last one before `from`.
    pub fn market_points(
        &self,
        currency: &str,
        from_mts: i64,
        to_mts: i64,
    ) -> Result<Vec<MarketPoint>, StoreError> {
        type Row = (
            i64,
            Option<String>,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = self.with(|c| {
            let mut st = c.prepare_cached(
                "SELECT mts, frr, best_ask, usd_price, frr_line, frr_volume FROM market_snapshots WHERE currency = ?1 AND mts >= ?2 AND mts < ?3
                 UNION ALL
                 SELECT * FROM (SELECT mts, frr, best_ask, usd_price, frr_line, frr_volume FROM market_snapshots WHERE currency = ?1 AND mts < ?2 ORDER BY mts DESC LIMIT 1)
                 ORDER BY mts",
            )?;
            st.query_map(params![currency, from_mts, to_mts], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?
            .collect()
        })?;
        rows.into_iter()
            .map(|(mts, frr, best_ask, usd, line, volume)| {
                Ok(MarketPoint {
                    currency: currency.into(),
                    mts,
                    frr: opt_dec(frr)?,
                    best_ask: opt_dec(best_ask)?,
                    usd_price: dec(usd)?,
                    frr_line: opt_dec(line)?,
                    frr_volume: opt_dec(volume)?,
                })
            })
            .collect()
    }

    /// How far a sync stream has got: `(last_mts, backfill_done)`.
    pub fn sync_state(&self, stream: &str) -> Result<Option<(i64, bool)>, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT last_mts, backfill_done FROM sync_state WHERE stream = ?1",
                [stream],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)),
            )
            .optional()
        })
    }

    /// Stores payments and the stream's new position in one transaction, so a crash between
    /// them can neither lose nor duplicate a row.
    pub fn sync_payments(
        &self,
        stream: &str,
        rows: &[Payment],
        last_mts: i64,
        backfill_done: bool,
    ) -> Result<usize, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let n = insert_payment_rows(&tx, rows)?;
            advance_stream(&tx, stream, last_mts, backfill_done)?;
            tx.commit()?;
            Ok(n)
        })
    }
}

impl Store {
    /// Stores funding trades and the stream's new position in one transaction (keyed by
    /// trade id: running it twice changes nothing). Returns how many were new.
    pub fn sync_funding_trades(
        &self,
        stream: &str,
        rows: &[FundingTradeRow],
        last_mts: i64,
        backfill_done: bool,
    ) -> Result<usize, StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let mut n = 0;
            {
                let mut st = tx.prepare(
                    "INSERT INTO funding_trades (trade_id, currency, mts, offer_id, amount, rate, period)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(trade_id) DO NOTHING",
                )?;
                for t in rows {
                    n += st.execute(params![
                        t.trade_id,
                        t.currency,
                        t.mts,
                        t.offer_id,
                        t.amount.to_string(),
                        t.rate.to_string(),
                        t.period
                    ])?;
                }
            }
            advance_stream(&tx, stream, last_mts, backfill_done)?;
            tx.commit()?;
            Ok(n)
        })
    }

    /// Funding trades of a currency in `[from, to)`, oldest first.
    pub fn funding_trades(
        &self,
        currency: &str,
        from_mts: i64,
        to_mts: i64,
    ) -> Result<Vec<FundingTradeRow>, StoreError> {
        let rows: Vec<(i64, i64, i64, String, String, u32)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT trade_id, mts, offer_id, amount, rate, period FROM funding_trades
                 WHERE currency = ?1 AND mts >= ?2 AND mts < ?3 ORDER BY mts, trade_id",
            )?;
            st.query_map(params![currency, from_mts, to_mts], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect()
        })?;
        rows.into_iter()
            .map(|(trade_id, mts, offer_id, amount, rate, period)| {
                Ok(FundingTradeRow {
                    trade_id,
                    currency: currency.into(),
                    mts,
                    offer_id,
                    amount: dec(amount)?,
                    rate: dec(rate)?,
                    period,
                })
            })
            .collect()
    }
}

/// Moves a sync stream's position forward (never back) inside the caller's transaction.
fn advance_stream(
    tx: &rusqlite::Transaction<'_>,
    stream: &str,
    last_mts: i64,
    backfill_done: bool,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO sync_state (stream, last_mts, backfill_done) VALUES (?1, ?2, ?3)
         ON CONFLICT(stream) DO UPDATE SET last_mts = max(last_mts, excluded.last_mts),
           backfill_done = max(backfill_done, excluded.backfill_done)",
        params![stream, last_mts, i64::from(backfill_done)],
    )
    .map(drop)
}

fn insert_payment_rows(
    tx: &rusqlite::Transaction<'_>,
    rows: &[Payment],
) -> rusqlite::Result<usize> {
    let mut st = tx.prepare(
        "INSERT INTO payments (ledger_id, currency, mts, amount, balance, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(ledger_id) DO NOTHING",
    )?;
    let mut n = 0;
    for p in rows {
        n += st.execute(params![
            p.ledger_id,
            p.currency,
            p.mts,
            p.amount.to_string(),
            p.balance.to_string(),
            p.description
        ])?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pay(id: i64, mts: i64, amount: &str) -> Payment {
        Payment {
            ledger_id: id,
            currency: "USD".into(),
            mts,
            amount: amount.parse().unwrap(),
            balance: "1000".parse().unwrap(),
            description: "Margin Funding Payment on wallet funding".into(),
        }
    }

    #[test]
    fn payments_are_idempotent_and_exact() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(
            s.insert_payments(&[pay(1, 10, "0.00000001"), pay(2, 20, "1.23456789")])
                .unwrap(),
            2
        );
        assert_eq!(
            s.insert_payments(&[pay(2, 20, "1.23456789"), pay(3, 30, "2")])
                .unwrap(),
            1
        );
        let all = s.payments(Some("USD"), 0, 100).unwrap();
        assert_eq!(
            all.iter().map(|p| p.ledger_id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        let sum: Decimal = all.iter().map(|p| p.amount).sum();
        assert_eq!(sum, "3.23456790".parse::<Decimal>().unwrap());
        assert_eq!(s.payments(None, 15, 30).unwrap().len(), 1);
    }

    #[test]
    fn sync_position_moves_with_the_rows() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.sync_state("ledgers:USD").unwrap(), None);
        s.sync_payments("ledgers:USD", &[pay(1, 10, "1")], 10, false)
            .unwrap();
        s.sync_payments("ledgers:USD", &[], 5, true).unwrap();
        assert_eq!(s.sync_state("ledgers:USD").unwrap(), Some((10, true)));
    }

    #[test]
    fn snapshots_include_the_state_before_the_window() {
        let s = Store::open_in_memory().unwrap();
        for (mts, total) in [(10, "100"), (20, "200"), (30, "300")] {
            s.insert_wallet_point(&WalletPoint {
                currency: "USD".into(),
                mts,
                total: total.parse().unwrap(),
                lent: Decimal::ZERO,
                on_offer: Decimal::ZERO,
            })
            .unwrap();
            s.insert_market_point(&MarketPoint {
                currency: "USD".into(),
                mts,
                frr: None,
                best_ask: None,
                usd_price: Decimal::ONE,
                frr_line: (mts == 20).then(|| "60600000.5".parse().unwrap()),
                frr_volume: (mts == 20).then(|| "1234.25".parse().unwrap()),
            })
            .unwrap();
        }
        let w = s.wallet_points("USD", 25, 100).unwrap();
        assert_eq!(w.iter().map(|p| p.mts).collect::<Vec<_>>(), vec![20, 30]);
        assert_eq!(s.market_points("USD", 0, 15).unwrap().len(), 1);
        let m = s.market_points("USD", 25, 100).unwrap();
        assert_eq!(m[0].frr_line, Some("60600000.5".parse().unwrap()));
        assert_eq!(m[0].frr_volume, Some("1234.25".parse().unwrap()));
        assert_eq!((m[1].frr_line, m[1].frr_volume), (None, None));
    }

    #[test]
    fn funding_trades_are_kept_once_with_their_sync_position() {
        let s = Store::open_in_memory().unwrap();
        let t = |id: i64, mts: i64| FundingTradeRow {
            trade_id: id,
            currency: "USD".into(),
            mts,
            offer_id: 7,
            amount: "150.5".parse().unwrap(),
            rate: "0.00012345".parse().unwrap(),
            period: 2,
        };
        assert_eq!(
            s.sync_funding_trades("trades:USD", &[t(1, 10), t(2, 20)], 20, false)
                .unwrap(),
            2
        );
        assert_eq!(
            s.sync_funding_trades("trades:USD", &[t(2, 20), t(3, 30)], 30, true)
                .unwrap(),
            1
        );
        let rows = s.funding_trades("USD", 0, 100).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.trade_id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(rows[0], t(1, 10), "decimals and period come back exactly");
        assert_eq!(s.sync_state("trades:USD").unwrap(), Some((30, true)));
        assert!(s.funding_trades("UST", 0, 100).unwrap().is_empty());
    }
}
