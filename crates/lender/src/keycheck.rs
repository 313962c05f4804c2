//! Is this API key safe and sufficient for lending? The checks made before a key is stored,
//! at every engine start and every six hours.
//!
//! - **Format**: key and secret are 43 characters of `[A-Za-z0-9_-]`; surrounding whitespace
//!   (a common copy-paste accident) is trimmed, and the user is told.
//! - **Permissions** (from `auth/r/permissions`): funding read + write and wallets read are
//!   required; history read is recommended (earnings history). Any scope whose name contains
//!   `withdraw` with read *or* write set makes the key **refused** — it is never stored, and
//!   lending stops if such a permission appears later.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Length of Bitfinex API keys and secrets.
pub const KEY_LEN: usize = 43;

/// A key and secret after the format check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFormat {
    /// The key, trimmed.
    pub key: String,
    /// The secret, trimmed.
    pub secret: String,
    /// Whitespace was removed from the key or the secret.
    pub trimmed: bool,
}

/// What is wrong with the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Nothing was entered.
    #[error("Paste the {0} from Bitfinex.")]
    Empty(&'static str),
    /// Wrong length.
    #[error(
        "The {field} should be {KEY_LEN} characters long, but this one has {len}. Copy it again from Bitfinex."
    )]
    Length {
        /// "API key" or "API secret".
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// Characters that never appear in Bitfinex keys.
    #[error(
        "The {0} contains characters Bitfinex keys never have (only letters, digits, - and _). Copy it again from Bitfinex."
    )]
    Characters(&'static str),
    /// Key and secret are the same text.
    #[error("The API key and the API secret are the same text: paste each into its own field.")]
    Same,
}

/// Checks the format of a pasted key and secret.
pub fn check_format(key: &str, secret: &str) -> Result<CheckedFormat, FormatError> {
    let (k, s) = (key.trim(), secret.trim());
    let trimmed = k.len() != key.len() || s.len() != secret.len();
    for (field, v) in [("API key", k), ("API secret", s)] {
        if v.is_empty() {
            return Err(FormatError::Empty(field));
        }
        if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(FormatError::Characters(field));
        }
        if v.len() != KEY_LEN {
            return Err(FormatError::Length {
                field,
                len: v.chars().count(),
            });
        }
    }
    if k == s {
        return Err(FormatError::Same);
    }
    Ok(CheckedFormat {
        key: k.to_owned(),
        secret: s.to_owned(),
        trimmed,
    })
}

/// One row of `auth/r/permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Scope name (`funding`, `wallets`, `withdraw`, or any new one).
    pub name: String,
    /// Read allowed.
    pub read: bool,
    /// Write allowed.
    pub write: bool,
}

/// How a permission row is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Need {
    /// Lending cannot work without it.
    Required,
    /// Some features need it (earnings history).
    Recommended,
    /// Must be off: the key is refused otherwise.
    MustBeOff,
    /// Not used by Yieldsforge (any value is fine).
    NotUsed,
}

/// One row of the table shown to the user: what we need and what the key has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PermissionRow {
    /// Scope name as Bitfinex reports it.
    pub scope: String,
    /// The name on Bitfinex's key page.
    pub label: String,
    /// What we need.
    pub need: Need,
    /// What we need, in words ("read and write", "read", "off").
    pub wanted: String,
    /// Read allowed on this key.
    pub read: bool,
    /// Write allowed on this key.
    pub write: bool,
    /// This row is fine.
    pub ok: bool,
}

/// The verdict on a key's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PermissionVerdict {
    /// The key may be stored and used.
    pub usable: bool,
    /// The key has a withdraw permission and is refused.
    pub refused: bool,
    /// Every scope, judged.
    pub rows: Vec<PermissionRow>,
    /// Problems that block, each saying what to change on Bitfinex.
    pub problems: Vec<String>,
    /// Things that work but are better changed.
    pub warnings: Vec<String>,
}

fn label(scope: &str) -> String {
    match scope {
        "account" => "Account Info".into(),
        "history" => "Account History".into(),
        "orders" => "Orders".into(),
        "positions" => "Margin Trading".into(),
        "funding" => "Margin Funding".into(),
        "settings" => "Settings".into(),
        "wallets" => "Wallets".into(),
        "withdraw" => "Withdraw".into(),
        "ui_withdraw" => "Withdraw (from the website)".into(),
        "bfxpay" => "Bitfinex Pay".into(),
        other => other.replace('_', " "),
    }
}

/// Judges a key's permissions.
pub fn judge(scopes: &[Scope]) -> PermissionVerdict {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let has = |name: &str| scopes.iter().find(|s| s.name == name);
    let mut refused = false;
    for s in scopes {
        let (need, wanted, ok) = if s.name.to_ascii_lowercase().contains("withdraw") {
            let ok = !s.read && !s.write;
            if !ok {
                refused = true;
                problems.push(format!(
                    "This key has the \"{}\" permission switched on ({}). Yieldsforge never uses a key that can withdraw: \
                     on Bitfinex, open API Keys, choose \"Edit\" on this key (or create a new one), switch every \"{}\" \
                     option off, save, and paste the key again.",
                    label(&s.name),
                    match (s.read, s.write) {
                        (true, true) => "read and write",
                        (true, false) => "read",
                        _ => "write",
                    },
                    label(&s.name)
                ));
            }
            (Need::MustBeOff, "off", ok)
        } else {
            match s.name.as_str() {
                "funding" => {
                    let ok = s.read && s.write;
                    (Need::Required, "read and write", ok)
                }
                "wallets" => (Need::Required, "read", s.read),
                "history" => (Need::Recommended, "read", s.read),
                _ => (Need::NotUsed, "any", true),
            }
        };
        rows.push(PermissionRow {
            scope: s.name.clone(),
            label: label(&s.name),
            need,
            wanted: wanted.into(),
            read: s.read,
            write: s.write,
            ok,
        });
    }
    match has("funding") {
        Some(f) if f.read && f.write => {}
        _ => problems.push(
            "This key cannot offer funding. On Bitfinex, edit the key and switch on \"Margin Funding\": \
             both \"Get funding statuses and info\" and \"Offer, cancel and close funding\"."
                .into(),
        ),
    }
    match has("wallets") {
        Some(w) if w.read => {}
        _ => problems.push(
            "This key cannot read wallet balances. On Bitfinex, edit the key and switch on \"Wallets: Get wallet balances and addresses\"."
                .into(),
        ),
    }
    if !has("history").is_some_and(|h| h.read) {
        warnings.push(
            "This key cannot read account history, so Yieldsforge cannot show earnings. Switch on \"Account History\" (read) to see them."
                .into(),
        );
    }
    if has("wallets").is_some_and(|w| w.write) {
        warnings.push(
            "This key may transfer between your own wallets. Yieldsforge only uses that when you ask it to move funds to the Funding wallet."
                .into(),
        );
    }
    PermissionVerdict {
        usable: problems.is_empty(),
        refused,
        rows,
        problems,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[(&str, u8, u8)]) -> Vec<Scope> {
        list.iter()
            .map(|(n, r, w)| Scope {
                name: (*n).into(),
                read: *r == 1,
                write: *w == 1,
            })
            .collect()
    }

    fn good() -> Vec<(&'static str, u8, u8)> {
        vec![
            ("account", 1, 0),
            ("history", 1, 0),
            ("orders", 0, 0),
            ("positions", 0, 0),
            ("funding", 1, 1),
            ("settings", 0, 0),
            ("wallets", 1, 0),
            ("withdraw", 0, 0),
            ("ui_withdraw", 0, 0),
            ("bfxpay", 0, 0),
        ]
    }

    #[test]
    fn a_good_key_is_usable() {
        let v = judge(&scopes(&good()));
        assert!(v.usable && !v.refused, "{v:?}");
        assert!(v.problems.is_empty() && v.warnings.is_empty());
        assert!(v.rows.iter().all(|r| r.ok));
    }

    #[test]
    fn any_withdraw_scope_with_read_or_write_is_refused() {
        for (scope, r, w) in [
            ("withdraw", 0, 1),
            ("withdraw", 1, 0),
            ("ui_withdraw", 1, 1),
            ("eaas_withdraw", 0, 1),
            ("WITHDRAW_v2", 1, 0),
        ] {
            let mut list = good();
            list.retain(|(n, _, _)| *n != scope);
            list.push((scope, r, w));
            let v = judge(&scopes(&list));
            assert!(v.refused && !v.usable, "{scope} {r}{w}");
            assert_eq!(v.problems.len(), 1);
            assert!(
                v.problems[0].contains("switch every"),
                "says how: {}",
                v.problems[0]
            );
            let row = v.rows.iter().find(|row| row.scope == scope).unwrap();
            assert_eq!((row.need, row.ok), (Need::MustBeOff, false));
        }
    }

    #[test]
    fn missing_required_permissions_block_with_specific_messages() {
        let mut no_write = good();
        no_write
            .iter_mut()
            .find(|(n, _, _)| *n == "funding")
            .unwrap()
            .2 = 0;
        let v = judge(&scopes(&no_write));
        assert!(!v.usable && !v.refused);
        assert!(v.problems[0].contains("Offer, cancel and close funding"));

        let mut no_wallets = good();
        no_wallets
            .iter_mut()
            .find(|(n, _, _)| *n == "wallets")
            .unwrap()
            .1 = 0;
        let v = judge(&scopes(&no_wallets));
        assert!(!v.usable);
        assert!(v.problems[0].contains("wallet balances"));

        let v = judge(&[]);
        assert_eq!(
            v.problems.len(),
            2,
            "nothing at all: funding and wallets missing"
        );
    }

    #[test]
    fn missing_history_only_warns() {
        let mut list = good();
        list.iter_mut().find(|(n, _, _)| *n == "history").unwrap().1 = 0;
        let v = judge(&scopes(&list));
        assert!(v.usable);
        assert_eq!(v.warnings.len(), 1);
    }

    #[test]
    fn unknown_scopes_are_tolerated() {
        let mut list = good();
        list.push(("eaas_brokerage", 1, 1));
        assert!(judge(&scopes(&list)).usable);
    }

    #[test]
    fn format_check() {
        let k = "a".repeat(43);
        let s = "b".repeat(43);
        assert!(!check_format(&k, &s).unwrap().trimmed);
        let c = check_format(&format!("  {k}\n"), &format!("{s} ")).unwrap();
        assert!(c.trimmed && c.key == k && c.secret == s);
        assert_eq!(check_format("", &s), Err(FormatError::Empty("API key")));
        assert_eq!(
            check_format(&k[..40], &s),
            Err(FormatError::Length {
                field: "API key",
                len: 40
            })
        );
        assert_eq!(
            check_format(&k, &format!("{}!", &s[..42])),
            Err(FormatError::Characters("API secret"))
        );
        assert_eq!(check_format(&k, &k), Err(FormatError::Same));
        // The error never echoes the secret.
        let e = check_format(&k, &format!("{}x", s))
            .unwrap_err()
            .to_string();
        assert!(!e.contains(&s));
    }
}
