//! What can go wrong with the database, each with a message that says what to do.

use std::path::{Path, PathBuf};

/// A database error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a SQLite database or is damaged. It is left untouched.
    #[error(
        "The database {} is damaged ({detail}). It was left untouched: move it aside to start afresh, or restore a backup.",
        path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// Another process holds the database locked (another Yieldsforge, or `yf`, running).
    #[error(
        "The database {} is locked by another program (is Yieldsforge or `yf run` already running?).",
        path.display()
    )]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The database (or its write-ahead log, or its shared-memory file) cannot be written: a
    /// read-only file, folder or disk.
    #[error(
        "{} is read-only, so Yieldsforge cannot record what it does and sends nothing to Bitfinex. Make it writable (or move the data folder to a writable disk) and start again.",
        path.display()
    )]
    ReadOnly {
        /// The file that cannot be written.
        path: PathBuf,
    },
    /// Another engine holds the lock on this data folder or API key.
    #[error(
        "Another Yieldsforge engine already lends with {what}: {holder}. Stop it first; two engines on one key would fight over the same money."
    )]
    EngineRunning {
        /// `this data folder` or `this API key`.
        what: String,
        /// Who holds the lock (program, process id, data folder).
        holder: String,
    },
    /// The disk is full: nothing was written.
    #[error("The disk holding {} is full; nothing was written. Free some space and try again.", path.display())]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// The database was written by a newer Yieldsforge.
    #[error(
        "The database {} was written by a newer version of Yieldsforge (schema {found}, this version knows {known}). Update the app.",
        path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Schema version in the file.
        found: usize,
        /// Latest version this build knows.
        known: usize,
    },
    /// The data directory or file could not be created or read.
    #[error("Cannot use {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A stored value could not be read back (e.g. a setting written in another shape).
    #[error("A stored value could not be read: {0}")]
    Decode(String),
    /// Any other SQLite error.
    #[error("Database error in {}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        source: rusqlite::Error,
    },
}

fn read_only_text(msg: &Option<String>) -> bool {
    msg.as_deref()
        .is_some_and(|m| m.contains("readonly") || m.contains("read-only"))
}

impl StoreError {
    pub(crate) fn classify(e: rusqlite::Error, path: Option<&Path>) -> Self {
        use rusqlite::ErrorCode as C;
        let path_buf = || {
            path.map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(":memory:"))
        };
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            match f.code {
                C::NotADatabase | C::DatabaseCorrupt => {
                    return Self::Corrupt {
                        path: path_buf(),
                        detail: msg.clone().unwrap_or_else(|| f.to_string()),
                    };
                }
                C::DatabaseBusy | C::DatabaseLocked => return Self::Locked { path: path_buf() },
                C::DiskFull => return Self::DiskFull { path: path_buf() },
                C::ReadOnly => return Self::ReadOnly { path: path_buf() },
                C::CannotOpen if read_only_text(msg) => {
                    return Self::ReadOnly { path: path_buf() };
                }
                _ => {}
            }
        }
        Self::Sqlite {
            path: path_buf(),
            source: e,
        }
    }

    /// Checks, before SQLite maps them into memory, that the database, its write-ahead log and
    /// its shared-memory file (those that exist) and their folder can be written: SQLite maps
    /// the shared-memory file, and one it cannot write ends the process with SIGBUS instead
    /// of an error.
    pub(crate) fn check_writable(db: &Path) -> Result<(), Self> {
        let mut files = vec![db.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            files.push(PathBuf::from(p));
        }
        for f in files.iter().filter(|f| f.exists()) {
            match std::fs::OpenOptions::new().append(true).open(f) {
                Ok(_) => {}
                Err(e)
                    if e.kind() == std::io::ErrorKind::PermissionDenied
                        || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem =>
                {
                    return Err(Self::ReadOnly { path: f.clone() });
                }
                Err(source) => {
                    return Err(Self::Io {
                        path: f.clone(),
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    pub(crate) fn from_migration(e: rusqlite_migration::Error, path: Option<&Path>) -> Self {
        let path_buf = || {
            path.map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(":memory:"))
        };
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Self::classify(err, path),
            rusqlite_migration::Error::MigrationDefinition(
                rusqlite_migration::MigrationDefinitionError::DatabaseTooFarAhead,
            ) => Self::TooNew {
                path: path_buf(),
                found: 0,
                known: crate::SCHEMA_VERSION,
            },
            other => Self::Decode(format!("migration failed: {other}")),
        }
    }
}
