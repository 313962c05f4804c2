//! Earnings in the app: the background sync of payments and fills (a first-connect backfill
//! with progress and cancel, then every few minutes), the report and daily series the
//! Dashboard and Earnings pages show, the tray's one-line summary, and CSV export.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lender::earnings::EarningsReport;
use lender::exchange::Clock;
use lender::metrics::DailyEarning;
use lender::sync::{SyncError, sync_history};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::Store;
use tokio::sync::{Notify, watch};
use ts_rs::TS;

use crate::core::Core;
use crate::{ApiError, ErrorCode};

/// How often a live account's history is synced after the first pass.
pub const SYNC_EVERY_LIVE: Duration = Duration::from_secs(15 * 60);
/// How often the demo's history is synced (its clock runs an hour a minute).
pub const SYNC_EVERY_DEMO: Duration = Duration::from_secs(20);

/// Where the earnings sync is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SyncPhase {
    /// Not started (no key yet).
    Idle,
    /// Reading history from Bitfinex.
    Running,
    /// Up to date.
    Done,
    /// The last attempt failed; it is retried at the next interval.
    Failed,
    /// Stopped by the user; what was synced is kept.
    Cancelled,
}

/// The sync's state, for a progress bar (`earnings://sync`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncStatus {
    /// Phase.
    pub phase: SyncPhase,
    /// The first sync of this account (the history backfill).
    pub backfill: bool,
    /// Of the current pass, 0–100.
    pub percent: u8,
    /// The currency being read.
    pub currency: Option<String>,
    /// New rows stored in this pass.
    pub new_rows: u32,
    /// When the last pass completed (UTC ms, exchange time).
    #[ts(type = "number | null")]
    pub last_done_mts: Option<i64>,
    /// What went wrong, for `failed`; what happens now, for `cancelled`.
    pub message: Option<String>,
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self {
            phase: SyncPhase::Idle,
            backfill: false,
            percent: 0,
            currency: None,
            new_rows: 0,
            last_done_mts: None,
            message: None,
        }
    }
}

/// Which CSV to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum CsvKind {
    /// Every interest payment: UTC date-time, currency, amount, balance after, description.
    Payments,
    /// One row per UTC day and currency.
    Daily,
}

impl CsvKind {
    /// A file name for the save dialog, stamped with the current UTC time.
    pub fn default_file_name(self) -> String {
        let stamp = crate::core::file_stamp();
        match self {
            Self::Payments => format!("yieldsforge-payments-{stamp}.csv"),
            Self::Daily => format!("yieldsforge-daily-{stamp}.csv"),
        }
    }
}

/// The sync's controls, shared by the background task and the commands.
#[derive(Default)]
pub(crate) struct SyncControl {
    /// Stops the current pass between windows.
    cancel: AtomicBool,
    /// The user cancelled: no automatic pass until "Sync now" or the next start.
    held: AtomicBool,
    /// Starts a pass now.
    kick: Notify,
}

impl SyncControl {
    /// A fresh session: automatic passes again, nothing cancelled.
    pub(crate) fn reset(&self) {
        self.held.store(false, Ordering::Relaxed);
        self.cancel.store(false, Ordering::Relaxed);
    }
}

/// What the background sync needs from a session.
pub(crate) struct SyncJob {
    pub client: Arc<bfx::Client>,
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock>,
    pub currencies: Vec<String>,
    pub every: Duration,
    pub control: Arc<SyncControl>,
    pub status: watch::Sender<SyncStatus>,
    pub updated: watch::Sender<u64>,
}

impl SyncJob {
    /// Runs passes until the task is aborted: one now, then every `every` (or when kicked).
    pub async fn run(self) {
        loop {
            if !self.control.held.load(Ordering::Relaxed) {
                self.pass().await;
            }
            tokio::select! {
                () = tokio::time::sleep(self.every) => {}
                () = self.control.kick.notified() => {}
            }
        }
    }

    async fn pass(&self) {
        let currencies: Vec<&str> = self.currencies.iter().map(String::as_str).collect();
        let backfill = currencies.iter().any(|c| {
            self.store
                .sync_state(&format!("ledgers:{c}"))
                .ok()
                .flatten()
                .is_none_or(|(_, done)| !done)
        });
        let last_done_mts = self.status.borrow().last_done_mts;
        self.status.send_replace(SyncStatus {
            phase: SyncPhase::Running,
            backfill,
            last_done_mts,
            ..SyncStatus::default()
        });
        let now = self.clock.now_mts();
        let first = match self.client.user_info().await {
            Ok(u) => u
                .created_mts
                .unwrap_or(now - lender::sync::DEFAULT_LOOKBACK_MS),
            Err(_) => now - lender::sync::DEFAULT_LOOKBACK_MS,
        };
        self.control.cancel.store(false, Ordering::Relaxed);
        let status = &self.status;
        let r = sync_history(
            &self.client,
            &self.store,
            &currencies,
            first,
            now,
            &self.control.cancel,
            |p| {
                status.send_modify(|s| {
                    s.percent = p.percent;
                    s.currency = Some(p.currency.clone());
                    s.new_rows = u32::try_from(p.new_rows).unwrap_or(u32::MAX);
                });
            },
        )
        .await;
        let done = |phase, message: Option<String>, last: Option<i64>| {
            self.status.send_modify(|s| {
                s.phase = phase;
                s.message = message;
                s.last_done_mts = last;
            });
        };
        match r {
            Ok(count) => {
                done(SyncPhase::Done, None, Some(now));
                self.status.send_modify(|s| {
                    s.percent = 100;
                    s.new_rows = u32::try_from(count.payments + count.trades).unwrap_or(u32::MAX);
                });
            }
            Err(SyncError::Cancelled) => done(
                SyncPhase::Cancelled,
                Some(
                    "Sync stopped. What was read so far is kept; it continues when you press Sync now or at the next start."
                        .into(),
                ),
                last_done_mts,
            ),
            Err(e) => {
                tracing::warn!("earnings sync failed: {e}");
                done(
                    SyncPhase::Failed,
                    Some(format!(
                        "Could not read the earnings history from Bitfinex: {e}. It is tried again in a few minutes."
                    )),
                    last_done_mts,
                );
            }
        }
        // The figures change with every pass (and with the engine's snapshots in between).
        self.updated.send_modify(|n| *n += 1);
    }
}

impl Core {
    /// Sync status updates (for `earnings://sync` events).
    pub fn sync_subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.sync.subscribe()
    }

    /// A counter bumped whenever the earnings may have changed (for `earnings://updated`).
    pub fn earnings_subscribe(&self) -> watch::Receiver<u64> {
        self.earnings_updated.subscribe()
    }

    /// The sync's current state.
    pub fn sync_status(&self) -> SyncStatus {
        self.sync.borrow().clone()
    }

    /// Starts a sync pass now (also after the user cancelled one).
    pub fn sync_now(&self) {
        self.sync_control.held.store(false, Ordering::Relaxed);
        self.sync_control.kick.notify_one();
    }

    /// Stops the running pass between two windows; what was stored is kept, and no pass
    /// starts by itself until [`Core::sync_now`] or the next start.
    pub fn sync_cancel(&self) {
        self.sync_control.held.store(true, Ordering::Relaxed);
        self.sync_control.cancel.store(true, Ordering::Relaxed);
    }

    pub(crate) fn new_sync_control() -> Arc<SyncControl> {
        Arc::new(SyncControl::default())
    }

    pub(crate) fn sync_control(&self) -> Arc<SyncControl> {
        self.sync_control.clone()
    }

    /// The earnings report (per currency and in USD; today, 7 d, 30 d, all time).
    pub async fn earnings_report(&self) -> Result<EarningsReport, ApiError> {
        let (store, clock, currencies) = self.session_books().await?;
        let cur: Vec<&str> = currencies.iter().map(String::as_str).collect();
        lender::earnings::report(&store, &cur, clock.now_mts(), None).map_err(crate::core::storage)
    }

    /// The last `days` days of one currency, for the charts.
    pub async fn earnings_daily(
        &self,
        currency: &str,
        days: u32,
    ) -> Result<Vec<DailyEarning>, ApiError> {
        if !(1..=3660).contains(&days) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "Choose between 1 and 3660 days.",
            ));
        }
        let (store, clock, _) = self.session_books().await?;
        lender::earnings::daily_series(&store, currency, days, clock.now_mts())
            .map_err(crate::core::storage)
    }

    /// The tray's line: "Lending 9,850 USD · today +1.23 USD"; `None` without a session.
    pub async fn tray_summary(&self) -> Option<String> {
        let status = self.engine_status();
        if status.currencies.is_empty() {
            return None;
        }
        let report = self.earnings_report().await.ok();
        let parts: Vec<String> = status
            .currencies
            .iter()
            .map(|c| {
                let today = report
                    .as_ref()
                    .and_then(|r| r.currencies.iter().find(|e| e.currency == c.currency))
                    .map_or(Decimal::ZERO, |e| e.windows.today.earned);
                format!(
                    "Lending {} {} · today +{} {}",
                    group(c.lent.round_dp(0)),
                    c.currency,
                    today.round_dp(2),
                    c.currency
                )
            })
            .collect();
        Some(parts.join(" · "))
    }

    /// The CSV text of `kind`.
    pub async fn earnings_csv(&self, kind: CsvKind) -> Result<String, ApiError> {
        let (store, _, _) = self.session_books().await?;
        match kind {
            CsvKind::Payments => store.payments_csv(),
            CsvKind::Daily => store.daily_summary_csv(),
        }
        .map_err(crate::core::storage)
    }

    /// Writes the CSV of `kind` to `path` (chosen in the save dialog). The file appears
    /// whole or not at all: it is written beside the target and renamed over it.
    pub async fn export_earnings(&self, kind: CsvKind, path: &Path) -> Result<PathBuf, ApiError> {
        let csv = self.earnings_csv(kind).await?;
        write_whole(path, csv.as_bytes())?;
        Ok(path.to_path_buf())
    }
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        ApiError::new(
            ErrorCode::Storage,
            format!("Could not write {}: {e}", path.display()),
        )
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{} is not a file name.", path.display()),
        )
    })?;
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let r = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// `12345.6` → `12,345.6`.
fn group(d: Decimal) -> String {
    let s = d.to_string();
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group(Decimal::from(9850)), "9,850");
        assert_eq!(group(Decimal::from(1_234_567)), "1,234,567");
        assert_eq!(group(Decimal::from(12)), "12");
        assert_eq!(group("-1234.5".parse().unwrap()), "-1,234.5");
    }

    #[test]
    fn a_whole_file_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        std::fs::write(&p, "old").unwrap();
        write_whole(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let missing = dir.path().join("no/such/dir/out.csv");
        let e = write_whole(&missing, b"x").unwrap_err();
        assert_eq!(e.code, ErrorCode::Storage);
        assert!(e.message.contains("no/such/dir/out.csv"), "{}", e.message);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no partial file left behind");
    }
}
