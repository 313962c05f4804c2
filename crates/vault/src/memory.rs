//! An in-memory secret store for tests.

use parking_lot::Mutex;

use crate::{ApiCredentials, SecretStore, VaultError};

/// Keeps credentials in memory; optionally fails like an unavailable keychain.
#[derive(Default)]
pub struct MemoryStore {
    slot: Mutex<Option<ApiCredentials>>,
    unavailable: bool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that fails every call as a locked or missing keychain would.
    pub fn unavailable() -> Self {
        Self {
            slot: Mutex::new(None),
            unavailable: true,
        }
    }

    fn check(&self) -> Result<(), VaultError> {
        if self.unavailable {
            return Err(VaultError::KeychainUnavailable {
                detail: "simulated: no keychain".into(),
                hint: crate::KEYCHAIN_HINT,
            });
        }
        Ok(())
    }
}

impl SecretStore for MemoryStore {
    fn save(&self, creds: &ApiCredentials) -> Result<(), VaultError> {
        self.check()?;
        *self.slot.lock() = Some(creds.clone());
        Ok(())
    }

    fn load(&self) -> Result<Option<ApiCredentials>, VaultError> {
        self.check()?;
        Ok(self.slot.lock().clone())
    }

    fn delete(&self) -> Result<(), VaultError> {
        self.check()?;
        *self.slot.lock() = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_delete() {
        let s = MemoryStore::new();
        assert!(s.load().unwrap().is_none());
        s.save(&ApiCredentials::new("k", "s")).unwrap();
        assert_eq!(s.load().unwrap().unwrap().expose_secret(), "s");
        s.delete().unwrap();
        assert!(s.load().unwrap().is_none());
        let down = MemoryStore::unavailable();
        assert!(matches!(
            down.load(),
            Err(VaultError::KeychainUnavailable { .. })
        ));
    }
}
