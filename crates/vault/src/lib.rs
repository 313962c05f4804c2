//! Where the Bitfinex API key and secret live.
//!
//! - [`KeychainStore`]: the OS keychain through the `keyring` crate — Secret Service (GNOME
//!   Keyring, KWallet) on Linux, Keychain on macOS, Credential Manager on Windows. What the
//!   desktop app uses.
//! - [`MemoryStore`]: in memory, for tests.
//! - [`EnvStore`]: `BFX_API_KEY` / `BFX_API_SECRET`, read-only, for the headless CLI.
//!
//! The secret is a [`secrecy::SecretString`]: its `Debug` prints `[REDACTED]`, it cannot be
//! serialized, and it is zeroized when dropped. Nothing here logs. What other crates may keep
//! about a key (in SQLite) is [`KeyIdentity`]: a fingerprint and a masked form, never the key.

mod env;
mod keychain;
mod memory;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub use env::{ENV_KEY, ENV_SECRET, EnvStore};
pub use keychain::{KEYCHAIN_ACCOUNT, KEYCHAIN_SERVICE, KeychainStore};
pub use memory::MemoryStore;
pub use secrecy;

/// A Bitfinex API key and its secret.
#[derive(Clone)]
pub struct ApiCredentials {
    /// The API key (not secret on its own, but never shown in full).
    pub key: String,
    /// The API secret.
    pub secret: SecretString,
}

impl std::fmt::Debug for ApiCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCredentials")
            .field("key", &mask(&self.key))
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl ApiCredentials {
    /// Builds credentials from a key and a secret.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// What may be stored and shown about this key.
    pub fn identity(&self) -> KeyIdentity {
        KeyIdentity::of(&self.key)
    }

    /// The secret's text, for signing only.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

/// A key's fingerprint (hex SHA-256) and masked form (`AbCd…wXyZ`): safe to store and show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdentity {
    /// Hex SHA-256 of the key.
    pub fingerprint: String,
    /// First and last four characters.
    pub masked: String,
}

impl KeyIdentity {
    /// The identity of an API key.
    pub fn of(key: &str) -> Self {
        Self {
            fingerprint: hex::encode(Sha256::digest(key.as_bytes())),
            masked: mask(key),
        }
    }
}

/// First and last four characters of a key with an ellipsis between; short keys are fully masked.
pub fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        return "…".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// What can go wrong with a secret store. No variant carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No keychain service, or it refused access / is locked.
    #[error("The system keychain is not available ({detail}). {hint}")]
    KeychainUnavailable {
        /// What the platform said.
        detail: String,
        /// What the user can do.
        hint: &'static str,
    },
    /// The stored entry could not be read back (written by something else, or damaged).
    #[error(
        "The key stored in the keychain could not be read ({0}). Remove the key in Settings and add it again."
    )]
    Corrupt(String),
    /// This store cannot save (environment variables).
    #[error("{0}")]
    ReadOnly(&'static str),
}

/// Where the platform's keychain help points the user.
pub(crate) const KEYCHAIN_HINT: &str = if cfg!(target_os = "linux") {
    "Yieldsforge keeps your API secret in the Secret Service keyring (GNOME Keyring or KWallet). \
     Make sure one is installed and unlocked — logging in to a desktop session usually does both — and try again."
} else if cfg!(target_os = "macos") {
    "Yieldsforge keeps your API secret in the macOS Keychain. Unlock your login keychain (Keychain Access) and try again."
} else {
    "Yieldsforge keeps your API secret in Windows Credential Manager. Make sure you are logged in to your Windows account and try again."
};

/// A place that keeps one set of API credentials.
pub trait SecretStore: Send + Sync {
    /// Saves the credentials, replacing any previous ones.
    fn save(&self, creds: &ApiCredentials) -> Result<(), VaultError>;
    /// The saved credentials, if any.
    fn load(&self) -> Result<Option<ApiCredentials>, VaultError>;
    /// Deletes the saved credentials (no error if there are none).
    fn delete(&self) -> Result<(), VaultError>;
}

/// How credentials are kept in a keychain entry: JSON with the key and the secret.
pub(crate) fn encode(creds: &ApiCredentials) -> String {
    serde_json::json!({ "key": creds.key, "secret": creds.secret.expose_secret() }).to_string()
}

pub(crate) fn decode(text: &str) -> Result<ApiCredentials, VaultError> {
    #[derive(serde::Deserialize)]
    struct Stored {
        key: String,
        secret: String,
    }
    let s: Stored = serde_json::from_str(text)
        .map_err(|_| VaultError::Corrupt("the entry is not in Yieldsforge's format".into()))?;
    Ok(ApiCredentials::new(s.key, s.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_or_the_whole_key() {
        let c = ApiCredentials::new(
            "KEYabcdefghijklmnopqrstuvwxyz0123456789WXYZ",
            "s3cr3t-s3cr3t-s3cr3t",
        );
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
        assert!(!dbg.contains("abcdefghijkl"), "{dbg}");
        assert!(dbg.contains("KEYa…WXYZ"), "{dbg}");
    }

    #[test]
    fn identity_is_stable_and_masked() {
        let id = KeyIdentity::of("KEYabcdefghijklmnopqrstuvwxyz0123456789WXYZ");
        assert_eq!(id.masked, "KEYa…WXYZ");
        assert_eq!(id.fingerprint.len(), 64);
        assert_eq!(
            id,
            KeyIdentity::of("KEYabcdefghijklmnopqrstuvwxyz0123456789WXYZ")
        );
        assert_eq!(mask("short"), "…");
    }

    #[test]
    fn encoding_round_trips_and_rejects_foreign_entries() {
        let c = ApiCredentials::new("k".repeat(43), "s".repeat(43));
        let back = decode(&encode(&c)).unwrap();
        assert_eq!(back.key, c.key);
        assert_eq!(back.expose_secret(), c.expose_secret());
        assert!(matches!(
            decode("plain password"),
            Err(VaultError::Corrupt(_))
        ));
    }
}
