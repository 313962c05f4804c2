//! Which web pages the app may open in the user's browser.

use crate::{ApiError, ErrorCode};

/// Hosts the app opens links to: Bitfinex's own pages (key creation, support articles).
const ALLOWED_HOSTS: &[&str] = &[
    "bitfinex.com",
    "www.bitfinex.com",
    "setting.bitfinex.com",
    "support.bitfinex.com",
    "docs.bitfinex.com",
];

/// Checks that `url` is an `https://` address on one of Bitfinex's hosts, and returns it trimmed.
///
/// The web view can ask the shell to open a page in the default browser; this keeps that
/// from becoming a way to open arbitrary addresses or local files.
pub fn validate_external_url(url: &str) -> Result<String, ApiError> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("Only https:// links can be opened, not \"{url}\"."),
        )
    })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.to_ascii_lowercase();
    if host.contains('@') || host.contains(':') || !ALLOWED_HOSTS.contains(&host.as_str()) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("Yieldsforge only opens Bitfinex pages, not \"{authority}\"."),
        ));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bitfinex_pages() {
        assert_eq!(
            validate_external_url(" https://setting.bitfinex.com/api#createkey ").unwrap(),
            "https://setting.bitfinex.com/api#createkey"
        );
        assert!(validate_external_url("https://support.bitfinex.com/hc/en-us").is_ok());
    }

    #[test]
    fn refuses_other_schemes_hosts_and_tricks() {
        for bad in [
            "http://setting.bitfinex.com/api",
            "file:///etc/passwd",
            "https://evil.example/https://bitfinex.com",
            "https://bitfinex.com.evil.example/",
            "https://bitfinex.com@evil.example/",
            "https://setting.bitfinex.com:8443/",
            "javascript:alert(1)",
            "",
        ] {
            let err = validate_external_url(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidInput, "{bad}");
        }
    }
}
