//! With no Secret Service reachable, every call fails with a clear KeychainUnavailable error.
//! This file holds one test so that pointing D-Bus nowhere affects nothing else.

use vault::{ApiCredentials, KeychainStore, SecretStore, VaultError};

#[test]
fn no_secret_service_gives_a_clear_error() {
    // SAFETY: the only test in this process; set before any thread reads the environment.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/yieldsforge-test-bus",
        );
    }
    let s = KeychainStore::new("app.yieldsforge.test", "unavailable");
    for result in [
        s.save(&ApiCredentials::new("k", "do-not-leak-this-secret"))
            .map(|_| ()),
        s.load().map(|_| ()),
        s.delete(),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(err, VaultError::KeychainUnavailable { .. }),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("keychain is not available"), "{msg}");
        assert!(msg.contains("unlocked"), "says what to do: {msg}");
        assert!(!msg.contains("do-not-leak"), "{msg}");
    }
}
