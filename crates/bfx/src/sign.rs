//! Request signing (reference §1.2).

use hmac::{Hmac, Mac};
use sha2::Sha384;

/// `bfx-signature` for a REST call: lowercase hex HMAC-SHA384 of
/// `"/api/v2/" + path + nonce + body` with the API secret. `path` has no leading slash
/// (`auth/r/wallets`); `body` is the exact bytes sent (empty when there is no body).
pub fn sign_rest(secret: &str, path: &str, nonce: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha384>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"/api/v2/");
    mac.update(path.trim_start_matches('/').as_bytes());
    mac.update(nonce.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// `authSig` for WebSocket authentication: HMAC-SHA384 of `authPayload` (`"AUTH" + nonce`).
pub fn sign_ws_auth(secret: &str, auth_payload: &str) -> String {
    let mut mac =
        Hmac::<Sha384>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(auth_payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every vector of reference §1.5.
    #[test]
    fn ws_vectors_from_the_go_client() {
        assert_eq!(
            sign_ws_auth("apiSecret1", "AUTHnonce1"),
            "6e7e3ab737bac9d36b6c3170356c9483edb0079cb65a2afa81efa9a6b906e0c3aeb16b574a44073dff4c0f604adbdd7d"
        );
        assert_eq!(
            sign_ws_auth("apiSecret1", "AUTHnonce4"),
            "3e424670c0fa4dcb293eea38b9fe62cca49cacc595da01a493d6b9328517a5c940b22141fecf16f653c2662b298238f4"
        );
        assert_eq!(
            sign_ws_auth("testsecret", "AUTH1700000000123456"),
            "65b1993c39c8f01a62987650602861c3f74b98055a47f93896aa834823999e1d776431111f41d81f99fe6888fd65cce9"
        );
    }

    #[test]
    fn rest_vectors_from_the_python_client() {
        assert_eq!(
            sign_rest("testsecret", "auth/r/wallets", "1700000000123456", b""),
            "6828105ebba5cea273e68bf3bcd00ef1347c25e265ee98025fd1168fd4c8cd902fc494049b6763e4ee0afd046d0c6871"
        );
        let body = br#"{"type": "LIMIT", "symbol": "fUSD", "amount": "150.0", "rate": "0.0002", "period": 2}"#;
        assert_eq!(
            sign_rest(
                "testsecret",
                "auth/w/funding/offer/submit",
                "1700000000123456",
                body
            ),
            "b761e1d885bdcd4d33af66038db03eb7f63d6804c897abdfe7b295b7fd209e705a7358cbc48310afec324dd11e238c1e"
        );
    }

    #[test]
    fn rest_vectors_node_and_go_style() {
        assert_eq!(
            sign_rest(
                "testsecret",
                "auth/r/permissions",
                "1700000000123456",
                b"{}"
            ),
            "2459174edbf5397659971f697cc363021e1b2e2e31a983152c78118a235ae85c15778ce2c88798d03558e804493b82d0"
        );
        assert_eq!(
            sign_rest("testsecret", "/auth/r/wallets", "1700000000123456", b"{}"),
            "1c09f453554af659e2fd943acd808bcbbbefaeab0e8808d8cb060f0a050b20faf98e69622bb09db02e6d57b40f3f8946"
        );
    }
}
