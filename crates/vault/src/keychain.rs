//! The OS keychain, through the `keyring` crate.

use crate::{ApiCredentials, KEYCHAIN_HINT, SecretStore, VaultError, decode, encode};

/// The keychain service name (the app's identifier).
pub const KEYCHAIN_SERVICE: &str = "app.yieldsforge.desktop";
/// The keychain account the Bitfinex credentials are stored under.
pub const KEYCHAIN_ACCOUNT: &str = "bitfinex-api";

/// Credentials in the OS keychain, as one entry (`service`, `account`).
pub struct KeychainStore {
    service: String,
    account: String,
}

impl Default for KeychainStore {
    fn default() -> Self {
        Self::new(KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT)
    }
}

impl KeychainStore {
    /// A store for a given service and account (tests use their own names).
    pub fn new(service: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            account: account.into(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, &self.account).map_err(map_err)
    }
}

fn map_err(e: keyring::Error) -> VaultError {
    match e {
        keyring::Error::PlatformFailure(inner) => VaultError::KeychainUnavailable {
            detail: first_line(&inner.to_string()),
            hint: KEYCHAIN_HINT,
        },
        keyring::Error::NoStorageAccess(inner) => VaultError::KeychainUnavailable {
            detail: format!(
                "access refused or keychain locked: {}",
                first_line(&inner.to_string())
            ),
            hint: KEYCHAIN_HINT,
        },
        keyring::Error::BadEncoding(_) => VaultError::Corrupt("the entry is not text".into()),
        other => VaultError::KeychainUnavailable {
            detail: first_line(&other.to_string()),
            hint: KEYCHAIN_HINT,
        },
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

impl SecretStore for KeychainStore {
    fn save(&self, creds: &ApiCredentials) -> Result<(), VaultError> {
        self.entry()?.set_password(&encode(creds)).map_err(map_err)
    }

    fn load(&self) -> Result<Option<ApiCredentials>, VaultError> {
        match self.entry()?.get_password() {
            Ok(text) => decode(&text).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn delete(&self) -> Result<(), VaultError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}
