//! A damaged or locked database file gives a clear error, and the original file is kept.

use store::{DB_FILE, Store, StoreError};

#[test]
fn a_file_that_is_not_a_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let junk = b"this is not a database, but it is the user's file".repeat(200);
    std::fs::write(&path, &junk).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert!(
        std::fs::read(&path).unwrap() == junk,
        "the original file is unchanged"
    );
}

#[test]
fn a_damaged_database_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    {
        let s = Store::open(&path).unwrap();
        for i in 0..200 {
            s.set_setting(&format!("k{i}"), &"x".repeat(500), i)
                .unwrap();
        }
    }
    // Checkpoint the WAL into the main file, then overwrite pages in the middle of the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid - 4096..mid + 4096] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(
        std::fs::read(&path).unwrap() == bytes,
        "the damaged file is left as it was"
    );
}

#[test]
fn a_database_locked_by_another_program_is_reported_as_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    drop(Store::open(&path).unwrap());
    // Another program holds an exclusive lock (in WAL mode, EXCLUSIVE locking mode does it).
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .unwrap();
    other
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO settings VALUES ('held', '1', 0);")
        .unwrap();
    let started = std::time::Instant::now();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("already running"), "{err}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(4),
        "waited for the lock first"
    );
    other.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    drop(Store::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { .. }), "{err:?}");
}
