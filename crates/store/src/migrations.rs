//! Versioned schema migrations (`PRAGMA user_version`), applied in order, each in a transaction.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// The SQL of every migration, in order. Never edit a released step: add a new one.
pub(crate) const STEPS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_engine.sql"),
    include_str!("../migrations/0003_earnings.sql"),
    include_str!("../migrations/0004_frr_line.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = STEPS.len();

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|sql| M::up(sql)).collect())
}

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), rusqlite_migration::Error> {
    migrations().to_latest(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn a_new_database_reaches_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION as i64);
        // Running again is a no-op.
        migrate(&mut conn).unwrap();
    }

    /// Every step upgrades a database that holds data written at the step before, and keeps it.
    #[test]
    fn each_upgrade_step_keeps_existing_data() {
        for target in 1..=SCHEMA_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            migrations().to_version(&mut conn, target - 1).unwrap();
            seed(&conn, target - 1);
            migrations().to_version(&mut conn, target).unwrap();
            check(&conn, target - 1);
        }
    }

    /// Data typical of schema version `v`.
    fn seed(conn: &Connection, v: usize) {
        if v >= 3 {
            conn.execute_batch(
                "INSERT INTO market_snapshots VALUES ('USD', 9, '0.0004', '0.0002', '1');",
            )
            .unwrap();
        }
        if v >= 3 {
            conn.execute_batch(
                "INSERT INTO payments VALUES (1, 'USD', 5, '0.12345678', '1000.12345678',
                   'Margin Funding Payment on wallet funding');",
            )
            .unwrap();
        }
        if v >= 2 {
            conn.execute_batch(
                "INSERT INTO actions (mts, currency, action, reason, outcome, updated_mts)
                   VALUES (1, 'USD', 'submit', '{}', 'ok', 1);
                 INSERT INTO owned_offers VALUES (7, 'USD', 1, 1, NULL);",
            )
            .unwrap();
        }
        if v >= 1 {
            conn.execute_batch(
                "INSERT INTO settings VALUES ('x', '1', 1);
                 INSERT INTO nonces VALUES ('fp', 42);",
            )
            .unwrap();
        }
    }

    fn check(conn: &Connection, v: usize) {
        if v >= 3 {
            let frr: String = conn
                .query_row("SELECT frr FROM market_snapshots", [], |r| r.get(0))
                .unwrap();
            assert_eq!(frr, "0.0004");
        }
        if v >= 4 {
            let line: Option<String> = conn
                .query_row("SELECT frr_line FROM market_snapshots", [], |r| r.get(0))
                .unwrap();
            assert_eq!(line, None, "a row from before step 4 has no FRR line");
        }
        if v >= 3 {
            let a: String = conn
                .query_row("SELECT amount FROM payments", [], |r| r.get(0))
                .unwrap();
            assert_eq!(a, "0.12345678");
        }
        if v >= 2 {
            let n: i64 = conn
                .query_row("SELECT count(*) FROM owned_offers", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1);
        }
        if v >= 1 {
            let n: i64 = conn
                .query_row("SELECT last_nonce FROM nonces", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 42);
        }
    }
}
