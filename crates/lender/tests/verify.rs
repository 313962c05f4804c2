//! Key verification against bfx-sim: every permission combination that matters and every
//! failure, each with its specific message.

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::{MarketSpec, Sim, SimConfig};
use lender::verify::{VerifyError, verify};

fn perms(list: &[(&str, bool, bool)]) -> Vec<(String, bool, bool)> {
    list.iter()
        .map(|(s, r, w)| ((*s).to_owned(), *r, *w))
        .collect()
}

type Perms = Vec<(&'static str, bool, bool)>;

fn good() -> Perms {
    vec![
        ("account", true, false),
        ("history", true, false),
        ("funding", true, true),
        ("wallets", true, false),
        ("withdraw", false, false),
        ("ui_withdraw", false, false),
    ]
}

async fn setup() -> (Sim, bfx_sim::SimHandle) {
    let sim = Sim::new(SimConfig {
        market: MarketSpec::Idle,
        ..SimConfig::default()
    });
    sim.with_world(|w| w.create_account());
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    (sim, h)
}

fn client(url: &str, key: &str, secret: &str) -> Client {
    let mut cfg = ClientConfig::for_base(url);
    cfg.rate_limits = false;
    Client::new(cfg, Some(Credentials::new(key, secret))).unwrap()
}

#[tokio::test]
async fn every_permission_combination_that_matters() {
    let (sim, h) = setup().await;
    let with = |edit: &dyn Fn(&mut Perms)| {
        let mut p = good();
        edit(&mut p);
        p
    };
    let cases: Vec<(&str, Perms, bool, bool)> = vec![
        ("good key", good(), true, false),
        (
            "withdraw write",
            with(&|p| p[4] = ("withdraw", false, true)),
            false,
            true,
        ),
        (
            "withdraw read",
            with(&|p| p[4] = ("withdraw", true, false)),
            false,
            true,
        ),
        (
            "ui_withdraw",
            with(&|p| p[5] = ("ui_withdraw", true, true)),
            false,
            true,
        ),
        (
            "future *withdraw* scope",
            with(&|p| p.push(("eaas_withdraw", false, true))),
            false,
            true,
        ),
        (
            "funding write missing",
            with(&|p| p[2] = ("funding", true, false)),
            false,
            false,
        ),
        (
            "wallets read missing",
            with(&|p| p[3] = ("wallets", false, false)),
            false,
            false,
        ),
        (
            "history missing (warning only)",
            with(&|p| p[1] = ("history", false, false)),
            true,
            false,
        ),
    ];
    for (name, p, usable, refused) in cases {
        let (key, secret) = sim.with_world(|w| w.create_key(1, perms(&p)));
        let v = verify(&client(&h.url, &key, &secret))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((v.usable, v.refused), (usable, refused), "{name}: {v:?}");
        assert_eq!(v.rows.len(), p.len(), "{name}: a row per scope");
        if !usable {
            assert!(!v.problems.is_empty(), "{name}: says what to change");
        }
    }
}

#[tokio::test]
async fn every_failure_has_its_own_message() {
    let (sim, h) = setup().await;
    let (key, secret) = sim.with_world(|w| w.create_key(1, perms(&good())));
    // Wrong secret.
    let e = verify(&client(&h.url, &key, "wrong")).await.unwrap_err();
    assert_eq!(e, VerifyError::InvalidKey);
    assert!(e.to_string().contains("confirmation e-mail"));
    // Revoked key.
    sim.with_world(|w| w.keys.get_mut(&key).unwrap().revoked = true);
    assert_eq!(
        verify(&client(&h.url, &key, &secret))
            .await
            .unwrap_err()
            .code(),
        "InvalidKey"
    );
    // Another program using the key: its nonces are far ahead of ours, twice.
    let (key2, secret2) = sim.with_world(|w| w.create_key(1, perms(&good())));
    sim.with_world(|w| w.keys.get_mut(&key2).unwrap().last_nonce = 9_000_000_000_000_000);
    let e = verify(&client(&h.url, &key2, &secret2)).await.unwrap_err();
    assert_eq!(e.code(), "NonceConflict");
    assert!(e.to_string().contains("separate key"));
    // Maintenance.
    let (key3, secret3) = sim.with_world(|w| w.create_key(1, perms(&good())));
    sim.set_maintenance(true);
    assert_eq!(
        verify(&client(&h.url, &key3, &secret3)).await.unwrap_err(),
        VerifyError::Maintenance
    );
    sim.set_maintenance(false);
    // Network down.
    let addr = h.addr;
    h.stop().await;
    let e = verify(&client(&format!("http://{addr}"), &key3, &secret3))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "Network");
    assert!(e.to_string().contains("internet connection"));
    assert!(!format!("{e:?} {e}").contains(&secret3));
}

#[test]
fn the_format_is_checked_before_any_request() {
    let e = lender::verify::check_format("short", &"s".repeat(43)).unwrap_err();
    assert_eq!(e.code(), "InvalidInput");
    let ok =
        lender::verify::check_format(&format!(" {} ", "k".repeat(43)), &"s".repeat(43)).unwrap();
    assert!(ok.trimmed);
}
