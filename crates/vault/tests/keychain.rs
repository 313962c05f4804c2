//! Against a real Secret Service. These run in `scripts/test.sh keychain`, inside a private
//! D-Bus session with an unlocked gnome-keyring (they are `#[ignore]`d in a plain
//! `cargo test`, which must never touch the developer's own keychain).

use vault::{ApiCredentials, KeychainStore, SecretStore};

fn store(name: &str) -> KeychainStore {
    KeychainStore::new(
        "app.yieldsforge.test",
        format!("{name}-{}", std::process::id()),
    )
}

#[test]
#[ignore = "needs a Secret Service: run through scripts/test.sh keychain"]
fn keychain_round_trip() {
    let s = store("round-trip");
    assert!(s.load().unwrap().is_none());
    let secret = "Sx".repeat(21) + "Z";
    s.save(&ApiCredentials::new("K".repeat(43), secret.clone()))
        .unwrap();
    let back = s.load().unwrap().expect("saved credentials come back");
    assert_eq!(back.key, "K".repeat(43));
    assert_eq!(back.expose_secret(), secret);
    // Replacing overwrites.
    s.save(&ApiCredentials::new("L".repeat(43), "new-secret"))
        .unwrap();
    assert_eq!(s.load().unwrap().unwrap().key, "L".repeat(43));
    s.delete().unwrap();
    assert!(s.load().unwrap().is_none());
    s.delete().unwrap(); // deleting twice is fine
}
