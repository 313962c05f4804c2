//! `settings`: named JSON values.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Store, StoreError};

impl Store {
    /// Reads a setting; `None` when it was never set.
    pub fn setting<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        let json: Option<String> = self.with(|c| {
            c.query_row(
                "SELECT value_json FROM settings WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
        })?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::Decode(format!("setting {name}: {e}")))
        })
        .transpose()
    }

    /// Writes a setting (replacing any previous value).
    pub fn set_setting<T: Serialize>(
        &self,
        name: &str,
        value: &T,
        now_mts: i64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(value)
            .map_err(|e| StoreError::Decode(format!("setting {name}: {e}")))?;
        self.with(|c| {
            c.execute(
                "INSERT INTO settings (name, value_json, updated_mts) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET value_json = excluded.value_json, updated_mts = excluded.updated_mts",
                params![name, json, now_mts],
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_report_wrong_shapes() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.setting::<u32>("n").unwrap(), None);
        s.set_setting("n", &7u32, 1).unwrap();
        s.set_setting("n", &8u32, 2).unwrap();
        assert_eq!(s.setting::<u32>("n").unwrap(), Some(8));
        assert!(matches!(
            s.setting::<Vec<String>>("n"),
            Err(StoreError::Decode(_))
        ));
    }
}
