//! `api_keys`: what we keep about the user's API key (never the secret, never the full key).

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// A stored API key's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Hex SHA-256 of the API key: recognises the key without storing it.
    pub fingerprint: String,
    /// The user's name for it.
    pub label: String,
    /// First and last four characters, for display.
    pub masked: String,
    /// Snapshot of `auth/r/permissions` as JSON (`[[scope, read, write], ...]`).
    pub permissions_json: String,
    /// When the permissions were last verified (UTC ms).
    pub verified_mts: i64,
    /// When the key was first saved (UTC ms).
    pub created_mts: i64,
}

impl Store {
    /// Saves `key` as the active key (replacing any other active one), in one transaction.
    pub fn save_active_key(&self, key: &KeyRecord) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("UPDATE api_keys SET is_active = 0 WHERE is_active = 1", [])?;
            tx.execute(
                "INSERT INTO api_keys (fingerprint, label, masked, permissions_json, verified_mts, created_mts, is_active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
                 ON CONFLICT(fingerprint) DO UPDATE SET label = excluded.label, masked = excluded.masked,
                   permissions_json = excluded.permissions_json, verified_mts = excluded.verified_mts, is_active = 1",
                params![key.fingerprint, key.label, key.masked, key.permissions_json, key.verified_mts, key.created_mts],
            )?;
            tx.commit()
        })
    }

    /// The active key's metadata, if a key is set.
    pub fn active_key(&self) -> Result<Option<KeyRecord>, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT fingerprint, label, masked, permissions_json, verified_mts, created_mts
                 FROM api_keys WHERE is_active = 1",
                [],
                |r| {
                    Ok(KeyRecord {
                        fingerprint: r.get(0)?,
                        label: r.get(1)?,
                        masked: r.get(2)?,
                        permissions_json: r.get(3)?,
                        verified_mts: r.get(4)?,
                        created_mts: r.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Records a new permission snapshot for a key.
    pub fn update_key_permissions(
        &self,
        fingerprint: &str,
        permissions_json: &str,
        verified_mts: i64,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE api_keys SET permissions_json = ?2, verified_mts = ?3 WHERE fingerprint = ?1",
                params![fingerprint, permissions_json, verified_mts],
            )
            .map(drop)
        })
    }

    /// Forgets a key's metadata and its nonce.
    pub fn delete_key(&self, fingerprint: &str) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM api_keys WHERE fingerprint = ?1", [fingerprint])?;
            tx.execute("DELETE FROM nonces WHERE fingerprint = ?1", [fingerprint])?;
            tx.commit()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fp: &str) -> KeyRecord {
        KeyRecord {
            fingerprint: fp.into(),
            label: "Yieldsforge".into(),
            masked: "AbCd…wXyZ".into(),
            permissions_json: r#"[["funding",1,1]]"#.into(),
            verified_mts: 10,
            created_mts: 5,
        }
    }

    #[test]
    fn one_active_key_at_a_time() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.active_key().unwrap(), None);
        s.save_active_key(&rec("a")).unwrap();
        s.save_active_key(&rec("b")).unwrap();
        assert_eq!(s.active_key().unwrap().unwrap().fingerprint, "b");
        s.save_active_key(&rec("a")).unwrap();
        assert_eq!(s.active_key().unwrap().unwrap().fingerprint, "a");
    }

    #[test]
    fn permissions_update_and_delete() {
        let s = Store::open_in_memory().unwrap();
        s.save_active_key(&rec("a")).unwrap();
        s.store_nonce("a", 99).unwrap();
        s.update_key_permissions("a", "[]", 20).unwrap();
        let k = s.active_key().unwrap().unwrap();
        assert_eq!((k.permissions_json.as_str(), k.verified_mts), ("[]", 20));
        s.delete_key("a").unwrap();
        assert_eq!(s.active_key().unwrap(), None);
        assert_eq!(s.last_nonce("a").unwrap(), None);
    }
}
