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
    #[error("Database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
                _ => {}
            }
        }
        Self::Sqlite(e)
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
