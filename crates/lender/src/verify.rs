//! Key verification against Bitfinex (or `bfx-sim`): the format check, then
//! `auth/r/permissions` judged by [`crate::keycheck`], with every failure mapped to a
//! specific message. Used by the setup wizard, by `yf verify`, at every engine start and
//! every six hours.

use crate::keycheck::{self, CheckedFormat, PermissionVerdict, Scope};

/// Why a key could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The key or secret is malformed.
    #[error("{0}")]
    Format(#[from] keycheck::FormatError),
    /// Bitfinex refused the key.
    #[error(
        "Bitfinex did not accept this key: the API key or secret is wrong, the key was deleted, or it has not been confirmed yet (open the confirmation e-mail Bitfinex sent when you created it)."
    )]
    InvalidKey,
    /// Another program is using the key.
    #[error(
        "Another program is using this API key at the same time (Bitfinex rejected our request counter). Create a separate key just for Yieldsforge."
    )]
    NonceConflict,
    /// The network or Bitfinex is unreachable.
    #[error("Could not reach Bitfinex ({0}). Check your internet connection and try again.")]
    Network(String),
    /// Maintenance.
    #[error("Bitfinex is in maintenance. Try again in a few minutes.")]
    Maintenance,
    /// Rate limited.
    #[error("Bitfinex asked us to slow down. Try again in a minute.")]
    RateLimited,
    /// Anything else.
    #[error("Bitfinex answered unexpectedly: {0}")]
    Other(String),
}

impl VerifyError {
    /// The IPC error code (`api::ErrorCode` name).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "InvalidInput",
            Self::InvalidKey => "InvalidKey",
            Self::NonceConflict => "NonceConflict",
            Self::Network(_) => "Network",
            Self::Maintenance => "Maintenance",
            Self::RateLimited => "RateLimited",
            Self::Other(_) => "Internal",
        }
    }
}

impl From<bfx::Error> for VerifyError {
    fn from(e: bfx::Error) -> Self {
        match e {
            bfx::Error::InvalidKey { .. } | bfx::Error::NoCredentials => Self::InvalidKey,
            bfx::Error::Nonce => Self::NonceConflict,
            bfx::Error::Transport { message } | bfx::Error::Unknown { message, .. } => {
                Self::Network(message)
            }
            bfx::Error::Maintenance => Self::Maintenance,
            bfx::Error::RateLimited { .. } => Self::RateLimited,
            other => Self::Other(other.to_string()),
        }
    }
}

/// Checks the format of a pasted key and secret (no network).
pub fn check_format(key: &str, secret: &str) -> Result<CheckedFormat, VerifyError> {
    Ok(keycheck::check_format(key, secret)?)
}

/// Reads the key's permissions with `client` and judges them.
pub async fn verify(client: &bfx::Client) -> Result<PermissionVerdict, VerifyError> {
    let perms = client.permissions().await?;
    let scopes: Vec<Scope> = perms
        .0
        .into_iter()
        .map(|p| Scope {
            name: p.scope,
            read: p.read,
            write: p.write,
        })
        .collect();
    Ok(keycheck::judge(&scopes))
}
