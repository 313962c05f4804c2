//! Yieldsforge's local database: SQLite files (WAL) in the app's data directory — the folder's
//! own (`yieldsforge.sqlite3`: which key is connected) and one per API key
//! (`keys/<fingerprint prefix>/yieldsforge.sqlite3`, [`Store::open_for_key`]: everything that
//! belongs to the key). All have the same schema.
//!
//! This crate owns the schema, its migrations and every query. It is not where decisions are
//! made (that is `lender`), and it never holds secrets: the API secret lives only in the OS
//! keychain (`vault`); here are only a key's fingerprint, masked form and permission snapshot.
//!
//! # Schema
//! | table | holds |
//! |---|---|
//! | `api_keys` | per key: SHA-256 fingerprint, label, masked key, permissions snapshot, when verified, which one is active |
//! | `nonces` | the last nonce sent per key fingerprint (nonces must keep increasing across restarts) |
//! | `settings` | named JSON settings |
//! | `actions` | (0002) every submit/cancel: written before the request, updated with its outcome (`pending`, `ok`, `rejected`, `unknown`, `reconciled_done`, `reconciled_not_done`, `dry_run`) |
//! | `owned_offers` | (0002) the offers this app created — the only ones it touches |
//! | `payments` | (0003) interest payments: ledger rows of category 28, keyed by ledger id, amounts as the exchange reports them |
//! | `funding_trades` | (0003) fills of our offers |
//! | `wallet_snapshots` | (0003) funding wallet total / lent / on offer over time (utilization, APY) |
//! | `market_snapshots` | (0003) FRR, best ask and USD price over time (the Auto-Renew baseline) |
//! | `sync_state` | (0003) how far each ledger/trades sync has got |
//!
//! Migrations live in `migrations/NNNN_*.sql`, are applied in order inside a transaction, and
//! each step has a test that upgrades a database holding data from the step before.
//!
//! # Failure behaviour
//! Every write is one transaction: a crash mid-write leaves the previous state. A file that is
//! not a database or is damaged gives [`StoreError::Corrupt`] and is left untouched; a file
//! another process holds locked gives [`StoreError::Locked`]; a database, log or shared-memory
//! file that cannot be written gives [`StoreError::ReadOnly`] naming it, checked before SQLite
//! maps it (an unwritable shared-memory file would otherwise end the process with SIGBUS).
//! [`lock::EngineLock`] keeps one engine per data folder and per API key.

mod actions;
mod earnings;
mod error;
mod export;
mod keys;
pub mod lock;
mod migrations;
mod nonces;
mod settings;

use std::path::{Path, PathBuf};
use std::time::Duration;

use parking_lot::Mutex;
use rusqlite::Connection;

pub use actions::{Action, ActionKind, NewAction, Outcome};
pub use earnings::{FundingTradeRow, MarketPoint, Payment, WalletPoint};
pub use error::StoreError;
pub use keys::KeyRecord;
pub use lock::EngineLock;
pub use migrations::SCHEMA_VERSION;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "yieldsforge.sqlite3";
/// Folder, inside the data directory, of the per-key databases.
pub const KEYS_DIR: &str = "keys";

/// The database. Cheap to share behind an `Arc`; calls are serialized on one connection.
pub struct Store {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (or creates) `dir/yieldsforge.sqlite3` and brings its schema up to date.
    pub fn open_in_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        Self::open(&dir.join(DB_FILE))
    }

    /// The folder of one API key's database: `<data dir>/keys/<first 16 hex of its fingerprint>`.
    pub fn key_dir(data_dir: &Path, fingerprint: &str) -> PathBuf {
        let short: String = fingerprint.chars().take(16).collect();
        data_dir.join(KEYS_DIR).join(short)
    }

    /// Opens (or creates) the database of one API key: its engine state and strategy, the
    /// offers it owns, its action log, payments, sync positions and nonces. Keys sharing a
    /// data folder never share these. The folder's own database keeps only the key registry.
    ///
    /// An earlier version kept everything in the folder's database: when this key has no
    /// database yet and is the folder's active key, that database is copied to be its own
    /// (another key, e.g. one `yf` used with `BFX_API_KEY`, starts afresh).
    pub fn open_for_key(data_dir: &Path, fingerprint: &str) -> Result<Self, StoreError> {
        let dir = Self::key_dir(data_dir, fingerprint);
        let path = dir.join(DB_FILE);
        if !path.exists() {
            let legacy = data_dir.join(DB_FILE);
            if legacy.exists() {
                let main = Self::open(&legacy)?;
                if main
                    .active_key()?
                    .is_some_and(|k| k.fingerprint == fingerprint)
                    && main.has_engine_data()?
                {
                    std::fs::create_dir_all(&dir).map_err(|e| StoreError::Io {
                        path: dir.clone(),
                        source: e,
                    })?;
                    main.copy_to(&path)?;
                }
            }
        }
        Self::open_in_dir(&dir)
    }

    /// True when the database holds an engine's or a sync's state (an earlier version's).
    fn has_engine_data(&self) -> Result<bool, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT (SELECT count(*) FROM actions) + (SELECT count(*) FROM payments)
                      + (SELECT count(*) FROM settings) + (SELECT count(*) FROM sync_state)",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .map(|n| n > 0)
    }

    /// Writes a consistent copy of the database to `path` (which must not exist).
    fn copy_to(&self, path: &Path) -> Result<(), StoreError> {
        let target = path.to_string_lossy().into_owned();
        self.with(|c| c.execute("VACUUM INTO ?1", [target]).map(drop))
    }

    /// Opens (or creates) the database file at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let classify = |e: rusqlite::Error| StoreError::classify(e, Some(path));
        StoreError::check_writable(path)?;
        if path.exists() {
            // Look before touching: a damaged file must be left exactly as it is, and even
            // switching the journal mode writes to the header.
            let ro = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(classify)?;
            ro.busy_timeout(Duration::from_secs(5)).map_err(classify)?;
            let check: String = ro
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(classify)?;
            if check != "ok" {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: check,
                });
            }
            let found: i64 = ro
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(classify)?;
            if found as usize > SCHEMA_VERSION {
                return Err(StoreError::TooNew {
                    path: path.to_path_buf(),
                    found: found as usize,
                    known: SCHEMA_VERSION,
                });
            }
        }
        let mut conn = Connection::open(path).map_err(classify)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(classify)?;
        // WAL: readers never block the writer; synchronous=NORMAL is durable at checkpoints and
        // never corrupts on power loss in WAL mode.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(classify)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(classify)?;
        migrations::migrate(&mut conn).map_err(|e| StoreError::from_migration(e, Some(path)))?;
        Ok(Self {
            conn: Mutex::new(conn),
            path: Some(path.to_path_buf()),
        })
    }

    /// A private in-memory database with the full schema (tests, dry runs).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(|e| StoreError::classify(e, None))?;
        migrations::migrate(&mut conn).map_err(|e| StoreError::from_migration(e, None))?;
        Ok(Self {
            conn: Mutex::new(conn),
            path: None,
        })
    }

    /// The database file, if it is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` with the connection (inside the crate: queries live in their modules).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock();
        f(&mut conn).map_err(|e| StoreError::classify(e, self.path.as_deref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 8: a database that cannot be written says so, naming the file.
    #[test]
    fn a_read_only_database_says_so_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_in_dir(dir.path()).unwrap();
        s.with(|c| c.pragma_update(None, "query_only", true))
            .unwrap();
        let e = s.set_setting("x", &1, 1).unwrap_err();
        assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
        let text = e.to_string();
        assert!(
            text.contains(DB_FILE) && text.contains("read-only"),
            "{text}"
        );
    }

    fn record(fp: &str) -> KeyRecord {
        KeyRecord {
            fingerprint: fp.into(),
            label: "k".into(),
            masked: "ab…cd".into(),
            permissions_json: String::new(),
            verified_mts: 1,
            created_mts: 1,
        }
    }

    /// Issue 14, item 6: keys sharing a data folder share no state; the active key of an
    /// earlier version's folder keeps its own.
    #[test]
    fn each_key_has_its_own_database_and_the_active_key_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let main = Store::open_in_dir(dir.path()).unwrap();
        main.save_active_key(&record("aaaa000000000000ff")).unwrap();
        main.set_setting("engine.running", &true, 1).unwrap();
        drop(main);
        let a = Store::open_for_key(dir.path(), "aaaa000000000000ff").unwrap();
        assert_eq!(a.setting::<bool>("engine.running").unwrap(), Some(true));
        let b = Store::open_for_key(dir.path(), "bbbb000000000000ff").unwrap();
        assert_eq!(b.setting::<bool>("engine.running").unwrap(), None);
        b.set_setting("engine.running", &false, 2).unwrap();
        assert_eq!(a.setting::<bool>("engine.running").unwrap(), Some(true));
        assert!(b.path().unwrap().starts_with(dir.path().join(KEYS_DIR)));
    }

    /// A shared-memory file SQLite could not write is refused before it is mapped, by name.
    #[test]
    fn an_unusable_shared_memory_file_is_refused_by_name_before_opening() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open_in_dir(dir.path()).unwrap());
        let shm = dir.path().join(format!("{DB_FILE}-shm"));
        let _ = std::fs::remove_file(&shm);
        std::fs::create_dir(&shm).unwrap();
        let e = Store::open_in_dir(dir.path()).unwrap_err();
        assert!(e.to_string().contains("-shm"), "{e}");
    }
}
