//! Small shell preferences kept as JSON in the data directory (`shell.json`).
//!
//! The desktop app's own settings (updates, notifications, the hand-off to Auto-Renew) and
//! small UI flags (whether the "still running in the tray" notice was shown). Never secrets:
//! the API secret lives only in the OS keychain.

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// File name of the shell preferences inside the data directory.
pub const SHELL_PREFS_FILE: &str = "shell.json";

/// Preferences of the desktop shell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ShellPrefs {
    /// The one-time "Yieldsforge keeps running in the tray" notice was shown.
    pub close_notice_shown: bool,
    /// What the user set on the Settings page.
    pub desktop: DesktopSettings,
    /// Currencies whose Auto-Renew the app turned on at quit, to turn off at the next start.
    pub handed_off: Vec<String>,
    /// The UTC day (`YYYY-MM-DD`) the last daily summary was about.
    pub last_daily_summary: Option<String>,
}

/// The desktop app's own settings (Settings page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct DesktopSettings {
    /// Look for a signed update at start and every 12 hours.
    pub check_updates: bool,
    /// Notify when Bitfinex refuses the key (revoked, deleted, a permission lost).
    pub notify_key_revoked: bool,
    /// Notify when a withdraw permission appears on the key.
    pub notify_withdraw: bool,
    /// Notify when lending has been stopped by an error for a while.
    pub notify_engine_error: bool,
    /// A notification each day with yesterday's earnings and utilization.
    pub notify_daily_summary: bool,
    /// Hand-off to Bitfinex Auto-Renew while the app is not running.
    pub handoff: Handoff,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            check_updates: true,
            notify_key_revoked: true,
            notify_withdraw: true,
            notify_engine_error: true,
            notify_daily_summary: false,
            handoff: Handoff::default(),
        }
    }
}

/// Hand-off to Bitfinex Auto-Renew while the app is not running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Handoff {
    /// Turn Auto-Renew on at quit and off at the next start.
    pub enabled: bool,
    /// Daily rate of the Auto-Renew offers; `None`: at FRR.
    #[ts(type = "string | null")]
    pub rate: Option<Decimal>,
    /// Period of the Auto-Renew offers, 2–120 days.
    pub period: u32,
    /// Most to keep on Auto-Renew; `None`: the whole balance.
    #[ts(type = "string | null")]
    pub amount: Option<Decimal>,
}

impl Default for Handoff {
    fn default() -> Self {
        Self {
            enabled: false,
            rate: None,
            period: 2,
            amount: None,
        }
    }
}

impl Handoff {
    /// Checks the values Bitfinex would refuse (or that make no sense), with a message that
    /// says which and why.
    pub fn validate(&self) -> Result<(), ApiError> {
        let bad = |m: &str| Err(ApiError::new(ErrorCode::InvalidInput, m));
        if !(2..=120).contains(&self.period) {
            return bad("The Auto-Renew period must be between 2 and 120 days.");
        }
        if let Some(r) = self.rate {
            // Bitfinex's cap on funding rates is 7 % a day.
            if r <= Decimal::ZERO || r > Decimal::new(7, 2) {
                return bad(
                    "The Auto-Renew rate must be above 0 and at most 7 % a day (2555 % a year).",
                );
            }
        }
        if self.amount.is_some_and(|a| a <= Decimal::ZERO) {
            return bad("The most to keep on Auto-Renew must be above 0 (or choose all of it).");
        }
        Ok(())
    }
}

fn prefs_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SHELL_PREFS_FILE)
}

impl ShellPrefs {
    /// Reads the preferences; a missing file gives the defaults. A damaged file also gives the
    /// defaults (these are cosmetic flags) and is left in place for inspection.
    pub fn load(data_dir: &Path) -> Self {
        match std::fs::read(prefs_path(data_dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("ignoring unreadable {SHELL_PREFS_FILE}: {e}");
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Reads, changes and writes the preferences as one step: changes made at the same time
    /// from other threads (the Settings page, the quit path, the daily summary) are not lost.
    /// Returns what was saved.
    pub fn update(data_dir: &Path, change: impl FnOnce(&mut Self)) -> Result<Self, ApiError> {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = LOCK
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut prefs = Self::load(data_dir);
        change(&mut prefs);
        prefs.save(data_dir)?;
        Ok(prefs)
    }

    /// Writes the preferences atomically (temporary file, fsync, rename), so a crash mid-write
    /// leaves either the old or the new file, never a torn one.
    pub fn save(&self, data_dir: &Path) -> Result<(), ApiError> {
        let storage = |e: std::io::Error| {
            ApiError::new(
                ErrorCode::Storage,
                format!("Could not save preferences in {}: {e}", data_dir.display()),
            )
        };
        std::fs::create_dir_all(data_dir).map_err(storage)?;
        let tmp = data_dir.join(format!("{SHELL_PREFS_FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(self).expect("ShellPrefs serializes");
        let mut f = std::fs::File::create(&tmp).map_err(storage)?;
        f.write_all(&bytes).map_err(storage)?;
        f.sync_all().map_err(storage)?;
        drop(f);
        std::fs::rename(&tmp, prefs_path(data_dir)).map_err(storage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ShellPrefs::load(dir.path()), ShellPrefs::default());
    }

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("nested");
        let prefs = ShellPrefs {
            close_notice_shown: true,
            handed_off: vec!["USD".into()],
            ..ShellPrefs::default()
        };
        prefs.save(&sub).unwrap();
        assert_eq!(ShellPrefs::load(&sub), prefs);
        assert!(!sub.join("shell.json.tmp").exists());
    }

    #[test]
    fn an_older_file_keeps_its_flag_and_gets_the_default_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SHELL_PREFS_FILE),
            br#"{"closeNoticeShown":true}"#,
        )
        .unwrap();
        let p = ShellPrefs::load(dir.path());
        assert!(p.close_notice_shown);
        assert!(p.desktop.check_updates && p.desktop.notify_key_revoked);
        assert!(!p.desktop.notify_daily_summary && !p.desktop.handoff.enabled);
    }

    #[test]
    fn handoff_values_bitfinex_would_refuse_are_refused_with_the_reason() {
        let ok = Handoff {
            enabled: true,
            rate: Some(Decimal::new(2, 4)),
            period: 30,
            amount: Some(Decimal::from(500)),
        };
        assert!(ok.validate().is_ok());
        let period = Handoff {
            period: 150,
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(period.message.contains("2 and 120 days"), "{period:?}");
        let rate = Handoff {
            rate: Some(Decimal::ZERO),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(rate.message.contains("rate"), "{rate:?}");
        let rate = Handoff {
            rate: Some(Decimal::new(8, 2)),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(rate.message.contains("7 %"), "{rate:?}");
        let amount = Handoff {
            amount: Some(Decimal::ZERO),
            ..ok
        }
        .validate()
        .unwrap_err();
        assert!(amount.message.contains("above 0"), "{amount:?}");
    }

    #[test]
    fn concurrent_updates_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|s| {
            for i in 0..8 {
                let d = dir.path();
                s.spawn(move || {
                    ShellPrefs::update(d, |p| p.handed_off.push(format!("C{i}"))).unwrap();
                });
            }
        });
        let mut got = ShellPrefs::load(dir.path()).handed_off;
        got.sort();
        assert_eq!(got, (0..8).map(|i| format!("C{i}")).collect::<Vec<_>>());
    }

    #[test]
    fn damaged_file_gives_defaults_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SHELL_PREFS_FILE), b"{not json").unwrap();
        assert_eq!(ShellPrefs::load(dir.path()), ShellPrefs::default());
        assert_eq!(
            std::fs::read(dir.path().join(SHELL_PREFS_FILE)).unwrap(),
            b"{not json"
        );
    }

    #[test]
    fn unwritable_dir_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        // A data dir below a regular file cannot be created.
        let err = ShellPrefs::default().save(&file.join("sub")).unwrap_err();
        assert_eq!(err.code, ErrorCode::Storage);
    }
}
