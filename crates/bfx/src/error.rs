//! One error type the engine and the UI can act on, classified by code *and* by message text
//! as Bitfinex's own tools do (reference §5).

use std::time::Duration;

use serde_json::Value;

/// What went wrong. No variant ever carries the API secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `10100`: unknown key, wrong secret (`apikey: digest invalid`), revoked key, or a key
    /// not yet confirmed by e-mail.
    #[error(
        "Bitfinex refused the API key ({message}): check the key and secret, and that the key was confirmed by e-mail"
    )]
    InvalidKey {
        /// Bitfinex's message.
        message: String,
    },
    /// The key lacks the permission this call needs.
    #[error("the API key lacks a permission for this call ({message})")]
    PermissionDenied {
        /// Bitfinex's message.
        message: String,
    },
    /// `10114 nonce: small` twice in a row: something else is using this key.
    #[error(
        "Bitfinex rejected our request counter (\"nonce: small\") twice: another program is using this API key. Create a dedicated key for Yieldsforge."
    )]
    Nonce,
    /// Too many requests: this endpoint family is paused.
    #[error("Bitfinex asked us to slow down; retrying in {} s", retry_after.as_secs())]
    RateLimited {
        /// How long until calls to this family resume.
        retry_after: Duration,
    },
    /// `20060`, or platform status 0.
    #[error("Bitfinex is in maintenance")]
    Maintenance,
    /// `10020`: a parameter was refused (`symbol: invalid`, `limit: invalid`, ...).
    #[error("Bitfinex refused a parameter: {message}")]
    InvalidParams {
        /// Bitfinex's message.
        message: String,
    },
    /// The request was refused (a notification with status ERROR/FAILURE, or `10001`), e.g.
    /// an offer below the minimum. Nothing changed on the exchange.
    #[error("Bitfinex refused the request: {text}")]
    Rejected {
        /// Bitfinex's text.
        text: String,
    },
    /// The request did not get through (connection refused, DNS, a read timing out).
    #[error("could not reach Bitfinex: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
    /// A write was sent but no answer came (timeout, connection dropped): it may or may not
    /// have been applied. Never retried blindly: reconcile from the exchange's state.
    #[error("no answer from Bitfinex to {endpoint}; the outcome is unknown ({message})")]
    Unknown {
        /// The endpoint path.
        endpoint: String,
        /// What happened.
        message: String,
    },
    /// The answer could not be understood.
    #[error("unexpected answer from Bitfinex for {endpoint}: {snippet}")]
    Decode {
        /// The endpoint path.
        endpoint: String,
        /// The start of the body.
        snippet: String,
    },
    /// Any other `["error", code, message]`.
    #[error("Bitfinex error {code:?}: {message}")]
    Api {
        /// The error code, if any.
        code: Option<i64>,
        /// Bitfinex's message.
        message: String,
    },
    /// Refused by this client before sending (e.g. a non-positive amount: we never borrow).
    #[error("not sent: {0}")]
    Refused(String),
    /// No credentials were given for an authenticated call.
    #[error("no API key configured")]
    NoCredentials,
}

impl Error {
    /// True for errors after which the same request may simply be tried later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Maintenance | Self::Transport { .. }
        )
    }
}

/// The 60 s pause Bitfinex imposes after a rate-limit answer.
pub(crate) const RATE_LIMIT_BLOCK: Duration = Duration::from_secs(60);

fn is_auth(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "apikey: invalid",
        "apikey: digest invalid",
        "token: invalid",
        "err_auth_unauthorized",
        "err_invalid_credentials",
    ]
    .iter()
    .any(|p| m.contains(p))
}

fn is_rate_limit(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("err_rate_limit") || m.contains("err_limit") || m.contains("ratelimit")
}

/// Classifies an `["error", code, message]` triple.
pub(crate) fn classify(code: Option<i64>, message: &str) -> Error {
    let m = message.to_ascii_lowercase();
    if code == Some(10100) || is_auth(message) {
        return Error::InvalidKey {
            message: message.into(),
        };
    }
    if code == Some(10114) || m.contains("nonce: small") {
        return Error::Nonce;
    }
    if code == Some(11010) || is_rate_limit(message) {
        return Error::RateLimited {
            retry_after: RATE_LIMIT_BLOCK,
        };
    }
    if code == Some(20060) || m.contains("maintenance") {
        return Error::Maintenance;
    }
    if m.contains("permission") {
        return Error::PermissionDenied {
            message: message.into(),
        };
    }
    if code == Some(10020) || m.contains("symbol: invalid") || m.contains("currency: invalid") {
        return Error::InvalidParams {
            message: message.into(),
        };
    }
    if m.contains("temporarily_unavailable") {
        return Error::Transport {
            message: message.into(),
        };
    }
    if code == Some(10001) {
        return Error::Rejected {
            text: message.into(),
        };
    }
    Error::Api {
        code,
        message: message.into(),
    }
}

/// Finds an error in a response, whatever its form: HTTP 429, `["error", code, msg]`,
/// `{"error": "ERR_RATE_LIMIT"}`, `{"code": 503, "error": "temporarily_unavailable"}`.
pub(crate) fn from_response(status: u16, body: &Value) -> Option<Error> {
    if status == 429 {
        return Some(Error::RateLimited {
            retry_after: RATE_LIMIT_BLOCK,
        });
    }
    match body {
        Value::Array(a) if a.first().and_then(Value::as_str) == Some("error") => {
            let code = a.get(1).and_then(Value::as_i64);
            let msg = a.get(2).and_then(Value::as_str).unwrap_or("");
            Some(classify(code, msg))
        }
        Value::Object(o) if o.contains_key("error") => {
            let msg = o.get("error").and_then(Value::as_str).unwrap_or("error");
            let code = o.get("code").and_then(Value::as_i64);
            Some(match classify(None, msg) {
                Error::Api { .. } if code == Some(503) => Error::Transport {
                    message: msg.into(),
                },
                e => e,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_documented_form() {
        let cases = [
            (
                500,
                json!(["error", 10100, "apikey: invalid"]),
                "InvalidKey",
            ),
            (
                500,
                json!(["error", 10100, "apikey: digest invalid"]),
                "InvalidKey",
            ),
            (
                500,
                json!(["error", null, "ERR_AUTH_UNAUTHORIZED"]),
                "InvalidKey",
            ),
            (500, json!(["error", 10114, "nonce: small"]), "Nonce"),
            (
                500,
                json!(["error", 11010, "ratelimit: error"]),
                "RateLimited",
            ),
            (500, json!(["error", null, "ERR_RATE_LIMIT"]), "RateLimited"),
            (200, json!({"error": "ERR_RATE_LIMIT"}), "RateLimited"),
            (429, json!([]), "RateLimited"),
            (500, json!(["error", 20060, "maintenance"]), "Maintenance"),
            (
                500,
                json!(["error", 10020, "limit: invalid"]),
                "InvalidParams",
            ),
            (
                500,
                json!(["error", 10020, "symbol: invalid"]),
                "InvalidParams",
            ),
            (
                500,
                json!(["error", 10001, "api_key: permission invalid"]),
                "PermissionDenied",
            ),
            (
                500,
                json!([
                    "error",
                    10001,
                    "Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in USD"
                ]),
                "Rejected",
            ),
            (
                503,
                json!({"code": 503, "error": "temporarily_unavailable", "error_description": "x"}),
                "Transport",
            ),
            (500, json!(["error", 10000, "unknown"]), "Api"),
        ];
        for (status, body, want) in cases {
            let e = from_response(status, &body).unwrap_or_else(|| panic!("{body}"));
            let got = format!("{e:?}");
            assert!(got.starts_with(want), "{body} → {got}");
        }
        assert_eq!(from_response(200, &json!([[1, 2]])), None);
        assert_eq!(from_response(200, &json!({"ok": 1})), None);
    }
}
