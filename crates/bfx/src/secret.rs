//! Secrets that cannot be printed, serialized or left in memory.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A value that is never shown: `Debug` and `Display` print `<redacted>`, it has no
/// `Serialize`, and its memory is zeroed when dropped. The API secret lives in one
/// ([`Credentials::secret`]) and is read only to sign requests.
///
/// It cannot be serialized:
/// ```compile_fail
/// fn needs_serialize<T: serde::Serialize>(_: &T) {}
/// needs_serialize(&bfx::Sensitive::new(String::from("secret")));
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, for the one place that needs it (signing `auth/*` requests).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> std::fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Zeroize> std::fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An API key and its secret, for the signed `POST /v2/auth/*` endpoints. `Debug` shows
/// only the first and last four characters of the key and never the secret.
#[derive(Clone)]
pub struct Credentials {
    /// The API key (sent in the `bfx-apikey` header).
    pub key: String,
    /// The API secret (used only to compute `bfx-signature`; never sent).
    pub secret: Sensitive<String>,
}

impl Credentials {
    /// Builds credentials.
    pub fn new(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            secret: Sensitive::new(secret.into()),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k: Vec<char> = self.key.chars().collect();
        let masked = if k.len() >= 12 {
            format!(
                "{}…{}",
                k[..4].iter().collect::<String>(),
                k[k.len() - 4..].iter().collect::<String>()
            )
        } else {
            "…".into()
        };
        f.debug_struct("Credentials")
            .field("key", &masked)
            .field("secret", &self.secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let c = Credentials::new(
            "KEY0123456789abcdefghijklmnopqrstuvwxyzABCD",
            "top-secret-value",
        );
        let s = format!("{c:?} {} {:?}", c.secret, c.secret);
        assert!(!s.contains("top-secret"), "{s}");
        assert!(!s.contains("0123456789abcdef"), "{s}");
        assert_eq!(c.secret.expose(), "top-secret-value");
    }
}
