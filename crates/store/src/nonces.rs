//! `nonces`: the last nonce sent per key, kept so nonces increase across restarts.

use rusqlite::{OptionalExtension, params};

use crate::{Store, StoreError};

impl Store {
    /// The last nonce recorded for the key with this fingerprint.
    pub fn last_nonce(&self, fingerprint: &str) -> Result<Option<u64>, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT last_nonce FROM nonces WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get::<_, i64>(0),
            )
            .optional()
        })
        .map(|n| n.map(|n| n as u64))
    }

    /// Records `nonce` as sent; never moves the stored value backwards.
    pub fn store_nonce(&self, fingerprint: &str, nonce: u64) -> Result<(), StoreError> {
        let nonce = i64::try_from(nonce)
            .map_err(|_| StoreError::Decode(format!("nonce {nonce} out of range")))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO nonces (fingerprint, last_nonce) VALUES (?1, ?2)
                 ON CONFLICT(fingerprint) DO UPDATE SET last_nonce = max(last_nonce, excluded.last_nonce)",
                params![fingerprint, nonce],
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_only_move_forward_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open_in_dir(dir.path()).unwrap();
            assert_eq!(s.last_nonce("k").unwrap(), None);
            s.store_nonce("k", 1_700_000_000_000_001).unwrap();
            s.store_nonce("k", 5).unwrap();
        }
        let s = Store::open_in_dir(dir.path()).unwrap();
        assert_eq!(s.last_nonce("k").unwrap(), Some(1_700_000_000_000_001));
    }
}
