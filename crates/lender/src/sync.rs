//! Earnings sync: interest payments (ledger category 28) and the account's funding trades (the
//! fills of its offers) from Bitfinex into SQLite, incremental and idempotent, in 30-day
//! windows so a first-connect backfill shows progress and can be cancelled. A crash mid-sync
//! loses and duplicates nothing: each window's rows and the stream's new position are written
//! in one transaction, and rows are keyed by the exchange's ids.

use std::sync::atomic::{AtomicBool, Ordering};

use store::{FundingTradeRow, Payment, Store};

/// Window of one sync step.
pub const WINDOW_MS: i64 = 30 * 86_400_000;
/// How far back a first sync looks when the account's creation date is unknown.
pub const DEFAULT_LOOKBACK_MS: i64 = 2 * 365 * 86_400_000;

/// One history stream of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Interest payments (ledger rows of category 28).
    Payments,
    /// Funding trades (fills of the account's offers).
    Trades,
}

impl Stream {
    fn key(self, currency: &str) -> String {
        match self {
            Self::Payments => format!("ledgers:{currency}"),
            Self::Trades => format!("trades:{currency}"),
        }
    }
}

/// Where a sync is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    /// Currency.
    pub currency: String,
    /// Which stream.
    pub stream: Stream,
    /// This stream is synced up to (UTC ms).
    pub upto_mts: i64,
    /// Target (UTC ms).
    pub target_mts: i64,
    /// New rows of this stream stored so far.
    pub new_rows: usize,
    /// Of the whole sync (every stream), 0–100.
    pub percent: u8,
}

/// What a sync added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCount {
    /// New interest payments.
    pub payments: usize,
    /// New funding trades.
    pub trades: usize,
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Bitfinex refused or could not be reached.
    #[error(transparent)]
    Exchange(#[from] bfx::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// Cancelled by the user; what was synced so far is kept.
    #[error("cancelled")]
    Cancelled,
}

fn is_interest(e: &bfx::LedgerEntry) -> bool {
    e.wallet.as_deref().is_none_or(|w| w == "funding")
        && e.description.starts_with("Margin Funding Payment")
}

/// Fetches one window of a stream and stores it with the stream's new position.
async fn sync_window(
    client: &bfx::Client,
    store: &Store,
    cur: &str,
    stream: Stream,
    from: i64,
    to: i64,
    done: bool,
) -> Result<usize, SyncError> {
    let key = stream.key(cur);
    Ok(match stream {
        Stream::Payments => {
            let rows = client
                .ledgers_between(Some(cur), Some(bfx::LEDGER_INTEREST), from, Some(to))
                .await?;
            let payments: Vec<Payment> = rows
                .iter()
                .filter(|e| is_interest(e))
                .map(|e| Payment {
                    ledger_id: e.id,
                    currency: e.currency.clone(),
                    mts: e.mts,
                    amount: e.amount,
                    balance: e.balance,
                    description: e.description.clone(),
                })
                .collect();
            store.sync_payments(&key, &payments, to, done)?
        }
        Stream::Trades => {
            let rows = client
                .funding_trades_between(Some(&format!("f{cur}")), from, Some(to))
                .await?;
            let trades: Vec<FundingTradeRow> = rows
                .iter()
                .map(|t| FundingTradeRow {
                    trade_id: t.id,
                    currency: cur.to_owned(),
                    mts: t.mts_create,
                    offer_id: t.offer_id,
                    amount: t.amount.abs(),
                    rate: t.rate,
                    period: t.period,
                })
                .collect();
            store.sync_funding_trades(&key, &trades, to, done)?
        }
    })
}

/// Syncs the interest payments and funding trades of `currencies` up to `now`. A stream
/// never synced starts at `first_mts` (the account's creation, when known); others resume
/// where they stopped. `progress` is called after every window; `cancel` stops between
/// windows, keeping what was stored.
pub async fn sync_history(
    client: &bfx::Client,
    store: &Store,
    currencies: &[&str],
    first_mts: i64,
    now: i64,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&SyncProgress),
) -> Result<SyncCount, SyncError> {
    let mut plan = Vec::new();
    for cur in currencies {
        for stream in [Stream::Payments, Stream::Trades] {
            // Rows are keyed by id, so starting at the last synced millisecond again is safe.
            let from = store
                .sync_state(&stream.key(cur))?
                .map_or(first_mts, |(last, _)| last);
            plan.push((*cur, stream, from));
        }
    }
    let total: i64 = plan.iter().map(|(_, _, f)| (now - f).max(1)).sum();
    let mut covered = 0i64;
    let mut count = SyncCount::default();
    for (cur, stream, mut from) in plan {
        let start = from;
        let mut new_rows = 0;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(SyncError::Cancelled);
            }
            let to = (from + WINDOW_MS).min(now);
            let done = to >= now;
            new_rows += sync_window(client, store, cur, stream, from, to, done).await?;
            let percent = (covered + (to - start).max(1)) * 100 / total.max(1);
            progress(&SyncProgress {
                currency: cur.to_owned(),
                stream,
                upto_mts: to,
                target_mts: now,
                new_rows,
                percent: u8::try_from(percent.clamp(0, 100)).unwrap_or(100),
            });
            if done {
                break;
            }
            from = to;
        }
        covered += (now - start).max(1);
        match stream {
            Stream::Payments => count.payments += new_rows,
            Stream::Trades => count.trades += new_rows,
        }
    }
    Ok(count)
}
