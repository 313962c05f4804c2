//! Earnings sync: interest payments (ledger category 28) from Bitfinex into SQLite,
//! incremental and idempotent, in 30-day windows so a first-connect backfill shows progress
//! and can be cancelled. A crash mid-sync loses and duplicates nothing: each window's rows and
//! the stream's new position are written in one transaction, and rows are keyed by ledger id.

use std::sync::atomic::{AtomicBool, Ordering};

use store::{Payment, Store};

/// Window of one sync step.
pub const WINDOW_MS: i64 = 30 * 86_400_000;
/// How far back a first sync looks when the account's creation date is unknown.
pub const DEFAULT_LOOKBACK_MS: i64 = 2 * 365 * 86_400_000;

/// Where a sync is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    /// Currency.
    pub currency: String,
    /// Synced up to (UTC ms).
    pub upto_mts: i64,
    /// Target (UTC ms).
    pub target_mts: i64,
    /// New payments stored so far.
    pub new_rows: usize,
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

/// Syncs interest payments of `currencies` up to `now`. A currency never synced starts at
/// `first_mts` (the account's creation, when known). Returns the number of new payments.
pub async fn sync_payments(
    client: &bfx::Client,
    store: &Store,
    currencies: &[&str],
    first_mts: i64,
    now: i64,
    cancel: &AtomicBool,
    mut progress: impl FnMut(&SyncProgress),
) -> Result<usize, SyncError> {
    let mut total = 0;
    for cur in currencies {
        let stream = format!("ledgers:{cur}");
        // Rows are keyed by ledger id, so starting at the last synced millisecond again is safe.
        let mut from = store
            .sync_state(&stream)?
            .map_or(first_mts, |(last, _)| last);
        let mut new_rows = 0;
        while from <= now {
            if cancel.load(Ordering::Relaxed) {
                return Err(SyncError::Cancelled);
            }
            let to = (from + WINDOW_MS).min(now);
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
            new_rows += store.sync_payments(&stream, &payments, to, to >= now)?;
            progress(&SyncProgress {
                currency: (*cur).to_owned(),
                upto_mts: to,
                target_mts: now,
                new_rows,
            });
            if to >= now {
                break;
            }
            from = to;
        }
        total += new_rows;
    }
    Ok(total)
}
