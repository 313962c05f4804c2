//! Small shell preferences kept as JSON in the data directory (`shell.json`).
//!
//! Only UI state lives here (e.g. whether the "still running in the tray" notice was shown).
//! Never secrets: the API secret lives only in the OS keychain.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{ApiError, ErrorCode};

/// File name of the shell preferences inside the data directory.
pub const SHELL_PREFS_FILE: &str = "shell.json";

/// Preferences of the desktop shell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ShellPrefs {
    /// The one-time "Yieldsforge keeps running in the tray" notice was shown.
    pub close_notice_shown: bool,
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
        };
        prefs.save(&sub).unwrap();
        assert_eq!(ShellPrefs::load(&sub), prefs);
        assert!(!sub.join("shell.json.tmp").exists());
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
