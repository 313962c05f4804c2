//! One error type the engine and the UI can act on, classified by code *and* by message text
//! as Bitfinex's own tools do (reference §5).

use std::time::Duration;

use serde_json::Value;

/// What went wrong, in the terms the engine and the UI act on. Every method of
/// [`Client`](crate::Client) returns it.
///
/// Errors are classified by Bitfinex's code *and* by its message text (as Bitfinex's own
/// `bfx-report` does), whatever form the error came in: `["error", CODE, "message"]`
/// (usually HTTP 500), `{"error": "ERR_RATE_LIMIT"}`, `["error", null, "ERR_RATE_LIMIT"]`,
/// HTTP 429, a gateway's `{"code": 503, "error": "temporarily_unavailable"}`, or a write's
/// notification with status `ERROR`/`FAILURE`.
///
/// No variant ever carries the API secret (the client never puts it into a request, so no
/// answer can echo it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `10100` (`apikey: invalid`, `apikey: digest invalid`), `10111`–`10113`, `10200`, or
    /// an auth message (`token: invalid`, `ERR_AUTH_UNAUTHORIZED`, ...): unknown key, wrong
    /// secret, revoked key, or a key not yet confirmed by e-mail.
    #[error(
        "Bitfinex refused the API key ({message}): check the key and secret, and that the key was confirmed by e-mail"
    )]
    InvalidKey {
        /// Bitfinex's message.
        message: String,
    },
    /// The key lacks the permission this call needs (any message about a permission, e.g.
    /// `10001 api_key: permission invalid`).
    #[error("the API key lacks a permission for this call ({message})")]
    PermissionDenied {
        /// Bitfinex's message.
        message: String,
    },
    /// `10114 nonce: small` again after the client moved past it and retried once: another
    /// program is using this key. Also returned if the key's nonces reached
    /// [`MAX_NONCE`](crate::MAX_NONCE). The user needs a dedicated key.
    #[error(
        "Bitfinex rejected our request counter (\"nonce: small\") twice: another program is using this API key. Create a dedicated key for Yieldsforge."
    )]
    Nonce,
    /// Too many requests (`11010`, `ERR_RATE_LIMIT` in any form, HTTP 429), or the
    /// endpoint family is still paused after such an answer: nothing was sent or applied.
    #[error("Bitfinex asked us to slow down; retrying in {} s", retry_after.as_secs())]
    RateLimited {
        /// How long until calls to this family resume.
        retry_after: Duration,
    },
    /// `20060 maintenance` (or any maintenance message), or `platform/status` answered `[0]`.
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
    /// The request did not get through or was not processed: connection refused, DNS, TLS,
    /// a read that timed out, a 5xx without a Bitfinex error body on a read, a gateway's
    /// `temporarily_unavailable`, `11000 ready: invalid`. A write that fails this way was not
    /// applied (it never connected, or Bitfinex said so); see [`Error::Unknown`] otherwise.
    #[error("could not reach Bitfinex: {message}")]
    Transport {
        /// What failed.
        message: String,
    },
    /// A write (`auth/w/*`) may or may not have been applied: it was sent and then timed out,
    /// the connection dropped before the answer, a 5xx came without a Bitfinex error body,
    /// or the answer could not be read. Never retried by the client: reconcile from the
    /// exchange's state (active offers, credits) before sending anything else.
    #[error("no answer from Bitfinex to {endpoint}; the outcome is unknown ({message})")]
    Unknown {
        /// The endpoint path.
        endpoint: String,
        /// What happened.
        message: String,
    },
    /// A read's answer could not be understood (not JSON, or not the documented layout).
    /// For writes the same situation is [`Error::Unknown`].
    #[error("unexpected answer from Bitfinex for {endpoint}: {snippet}")]
    Decode {
        /// The endpoint path.
        endpoint: String,
        /// The start of the body.
        snippet: String,
    },
    /// Any other `["error", code, message]` (e.g. `10000`), or a non-2xx answer that is not a
    /// Bitfinex error (then `code` is the HTTP status). Nothing was applied.
    #[error("Bitfinex error {code:?}: {message}")]
    Api {
        /// The error code, if any.
        code: Option<i64>,
        /// Bitfinex's message.
        message: String,
    },
    /// Refused by this client before anything was sent: a non-positive offer amount (we
    /// never borrow), a period outside 2–120 days, a transfer that is not between the user's
    /// own wallets, a limit out of range, plain `http://` to a non-local host with a key.
    #[error("not sent: {0}")]
    Refused(String),
    /// An authenticated (`auth/*`) call on a client built without credentials.
    #[error("no API key configured")]
    NoCredentials,
}

impl Error {
    /// True for errors after which the same request may simply be tried later
    /// ([`RateLimited`](Error::RateLimited), [`Maintenance`](Error::Maintenance),
    /// [`Transport`](Error::Transport)). [`Unknown`](Error::Unknown) is not: reconcile first.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Maintenance | Self::Transport { .. }
        )
    }

    /// The variant's name (`"InvalidKey"`, `"RateLimited"`, `"Unknown"`, ...): stable, for
    /// logs and for the `code` of errors shown by the UI.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidKey { .. } => "InvalidKey",
            Self::PermissionDenied { .. } => "PermissionDenied",
            Self::Nonce => "Nonce",
            Self::RateLimited { .. } => "RateLimited",
            Self::Maintenance => "Maintenance",
            Self::InvalidParams { .. } => "InvalidParams",
            Self::Rejected { .. } => "Rejected",
            Self::Transport { .. } => "Transport",
            Self::Unknown { .. } => "Unknown",
            Self::Decode { .. } => "Decode",
            Self::Api { .. } => "Api",
            Self::Refused(_) => "Refused",
            Self::NoCredentials => "NoCredentials",
        }
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
    // 10100 ERR_AUTH_FAIL; 10111–10113 payload / signature / HMAC refused; 10200 ERR_UNAUTH_FAIL.
    if matches!(code, Some(10100 | 10111 | 10112 | 10113 | 10200)) || is_auth(message) {
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
    // 11000 `ready: invalid`: Bitfinex is not ready yet; nothing was applied, try again later.
    if code == Some(11000) || m.contains("temporarily_unavailable") || m.contains("ready: invalid")
    {
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
            (
                500,
                json!(["error", 10112, "signature: invalid"]),
                "InvalidKey",
            ),
            (500, json!(["error", null, "token: invalid"]), "InvalidKey"),
            (
                500,
                json!(["error", null, "ERR_AUTH_API: ERR_INVALID_CREDENTIALS"]),
                "InvalidKey",
            ),
            (500, json!(["error", 11000, "ready: invalid"]), "Transport"),
            (500, json!(["error", null, "ERR_LIMIT"]), "RateLimited"),
            (
                500,
                json!(["error", 10020, "currency: invalid"]),
                "InvalidParams",
            ),
            (
                500,
                json!(["error", 10001, "Limit: too many active offers"]),
                "Rejected",
            ),
        ];
        for (status, body, want) in cases {
            let e = from_response(status, &body).unwrap_or_else(|| panic!("{body}"));
            let got = format!("{e:?}");
            assert!(got.starts_with(want), "{body} → {got}");
        }
        assert_eq!(from_response(200, &json!([[1, 2]])), None);
        assert_eq!(
            from_response(200, &json!(["fUSD", 1])),
            None,
            "not an error row"
        );
        assert_eq!(from_response(200, &json!({"ok": 1})), None);
    }

    #[test]
    fn names_and_transience() {
        let e = Error::RateLimited {
            retry_after: Duration::from_secs(60),
        };
        assert_eq!(e.name(), "RateLimited");
        assert!(e.is_transient());
        let u = Error::Unknown {
            endpoint: "auth/w/funding/offer/submit".into(),
            message: "timed out".into(),
        };
        assert_eq!(u.name(), "Unknown");
        assert!(!u.is_transient(), "reconcile, do not just retry");
        assert!(Error::Nonce.to_string().contains("dedicated key"));
    }
}
