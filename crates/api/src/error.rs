//! The error that crosses IPC: `{ "code": "...", "message": "..." }`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What went wrong, in a form the UI can branch on (it never matches on message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum ErrorCode {
    /// The API key or secret is wrong, or the key is not yet confirmed by e-mail.
    InvalidKey,
    /// The key has a withdraw permission (read or write) and is refused.
    WithdrawPermission,
    /// The key lacks a permission lending needs.
    MissingPermission,
    /// The OS keychain is missing, locked or refused access.
    KeychainUnavailable,
    /// Another program is using the same API key (nonce conflicts).
    NonceConflict,
    /// Bitfinex asked us to slow down.
    RateLimited,
    /// Bitfinex is in maintenance.
    Maintenance,
    /// The network or Bitfinex could not be reached.
    Network,
    /// Bitfinex refused a request (e.g. an offer below the minimum).
    Rejected,
    /// The input is not valid; the message says which field and why.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// Reading or writing local files or the database failed.
    Storage,
    /// A bug or an unexpected state; the message has the details.
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[ts(export)]
#[error("{message}")]
pub struct ApiError {
    /// Machine-readable kind of error.
    pub code: ErrorCode,
    /// One clear sentence for the user.
    pub message: String,
    /// For invalid settings: what is wrong with each field (absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<lender::FieldError>>")]
    pub fields: Vec<lender::FieldError>,
}

impl ApiError {
    /// Builds an error from a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = ApiError::new(ErrorCode::KeychainUnavailable, "The keychain is locked.");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "KeychainUnavailable", "message": "The keychain is locked."})
        );
    }

    #[test]
    fn round_trips_through_json() {
        let e = ApiError::new(ErrorCode::WithdrawPermission, "Switch off Withdraw.");
        let back: ApiError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(e.to_string(), "Switch off Withdraw.");
    }
}
