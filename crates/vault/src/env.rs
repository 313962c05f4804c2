//! Credentials from environment variables, for the headless command line.

use crate::{ApiCredentials, SecretStore, VaultError};

/// The API key variable.
pub const ENV_KEY: &str = "BFX_API_KEY";
/// The API secret variable.
pub const ENV_SECRET: &str = "BFX_API_SECRET";

/// Reads `BFX_API_KEY` / `BFX_API_SECRET` (captured when created); cannot save.
pub struct EnvStore {
    creds: Option<ApiCredentials>,
}

impl EnvStore {
    /// Captures the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(std::env::var(ENV_KEY).ok(), std::env::var(ENV_SECRET).ok())
    }

    /// From explicit values (both must be set and non-empty).
    pub fn from_vars(key: Option<String>, secret: Option<String>) -> Self {
        let creds = match (key, secret) {
            (Some(k), Some(s)) if !k.trim().is_empty() && !s.trim().is_empty() => {
                Some(ApiCredentials::new(k, s))
            }
            _ => None,
        };
        Self { creds }
    }

    /// Whether both variables are set.
    pub fn is_set(&self) -> bool {
        self.creds.is_some()
    }
}

impl SecretStore for EnvStore {
    fn save(&self, _: &ApiCredentials) -> Result<(), VaultError> {
        Err(VaultError::ReadOnly(
            "Keys given through BFX_API_KEY / BFX_API_SECRET are not saved anywhere.",
        ))
    }

    fn load(&self) -> Result<Option<ApiCredentials>, VaultError> {
        Ok(self.creds.clone())
    }

    fn delete(&self) -> Result<(), VaultError> {
        Err(VaultError::ReadOnly(
            "Unset BFX_API_KEY and BFX_API_SECRET to forget that key.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_both_variables() {
        assert!(!EnvStore::from_vars(Some("k".into()), None).is_set());
        assert!(!EnvStore::from_vars(Some("k".into()), Some("  ".into())).is_set());
        let s = EnvStore::from_vars(Some("k".into()), Some("s".into()));
        assert_eq!(s.load().unwrap().unwrap().key, "k");
        assert!(matches!(
            s.save(&ApiCredentials::new("a", "b")),
            Err(VaultError::ReadOnly(_))
        ));
    }
}
