//! One engine per key per machine: an engine holds two exclusive file locks while it runs —
//! one in its data folder (`engine.lock`) and one named after its key's fingerprint in a
//! folder every data folder of the same user shares ([`default_key_lock_dir`]). A second
//! engine, with the same data folder or the same key, is refused with a message naming the
//! one that holds the lock. The locks are the operating system's (`flock` on Unix,
//! `LockFileEx` on Windows): they end with the process, however it ends, so a crash never
//! leaves a stale lock behind.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::StoreError;

/// File name of the data folder's lock.
pub const DATA_LOCK_FILE: &str = "engine.lock";

/// Where key locks live: `$XDG_RUNTIME_DIR/yieldsforge` on Linux (per user, cleared at
/// logout), else a per-user folder in the temporary directory.
pub fn default_key_lock_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("yieldsforge");
    }
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "user".into());
    std::env::temp_dir().join(format!("yieldsforge-{user}"))
}

/// Held while an engine runs; dropping it releases both locks.
#[derive(Debug)]
pub struct EngineLock {
    _files: Vec<File>,
}

impl EngineLock {
    /// Takes the key's lock and the data folder's lock, or says who holds one. `who` names
    /// this engine for the message another one would show (`yf run`, `the Yieldsforge app`).
    pub fn acquire(
        data_dir: &Path,
        key_lock_dir: &Path,
        fingerprint: &str,
        who: &str,
    ) -> Result<Self, StoreError> {
        let mut lock = Self::key(data_dir, key_lock_dir, fingerprint, who)?;
        lock.add_data_folder(data_dir, who)?;
        Ok(lock)
    }

    /// Takes only the key's lock; the data folder is named in it but not touched (`yf run`
    /// takes it before its first signed request, and creates the folder only once the key has
    /// been verified).
    pub fn key(
        data_dir: &Path,
        key_lock_dir: &Path,
        fingerprint: &str,
        who: &str,
    ) -> Result<Self, StoreError> {
        let short: String = fingerprint.chars().take(16).collect();
        let file = take(
            &key_lock_dir.join(format!("key-{short}.lock")),
            &holder(who, data_dir),
            "this API key",
        )?;
        Ok(Self { _files: vec![file] })
    }

    /// Adds the data folder's lock.
    pub fn add_data_folder(&mut self, data_dir: &Path, who: &str) -> Result<(), StoreError> {
        let file = take(
            &data_dir.join(DATA_LOCK_FILE),
            &holder(who, data_dir),
            "this data folder",
        )?;
        self._files.push(file);
        Ok(())
    }
}

fn holder(who: &str, data_dir: &Path) -> String {
    format!(
        "{who} (process {}, data folder {})",
        std::process::id(),
        data_dir.display()
    )
}

fn take(path: &Path, me: &str, what: &str) -> Result<File, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(StoreError::EngineRunning {
                what: what.into(),
                holder: if holder.is_empty() {
                    "another Yieldsforge engine".into()
                } else {
                    holder.into()
                },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    f.set_len(0).map_err(io)?;
    f.rewind().map_err(io)?;
    f.write_all(me.as_bytes()).map_err(io)?;
    f.flush().map_err(io)?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_engine_on_the_folder_or_the_key_is_refused_by_name() {
        let d1 = tempfile::tempdir().unwrap();
        let d2 = tempfile::tempdir().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let first =
            EngineLock::acquire(d1.path(), keys.path(), "abcdef0123456789ff", "yf run").unwrap();
        // Same key, another data folder.
        let e = EngineLock::acquire(d2.path(), keys.path(), "abcdef0123456789ff", "the app")
            .unwrap_err()
            .to_string();
        assert!(e.contains("this API key") && e.contains("yf run"), "{e}");
        assert!(e.contains(&std::process::id().to_string()), "{e}");
        // Same data folder, another key.
        let e = EngineLock::acquire(d1.path(), keys.path(), "0000", "the app")
            .unwrap_err()
            .to_string();
        assert!(e.contains("this data folder"), "{e}");
        // Another key in another folder is fine, and the lock ends with its holder.
        EngineLock::acquire(d2.path(), keys.path(), "1111", "x").unwrap();
        drop(first);
        EngineLock::acquire(d2.path(), keys.path(), "abcdef0123456789ff", "the app").unwrap();
    }
}
