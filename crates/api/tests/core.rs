//! The app's key, engine and demo flows against bfx-sim, without a window.

use std::sync::Arc;
use std::time::Duration;

use api::{Core, ErrorCode, KeyMode};
use bfx_sim::{MarketSpec, Sim, SimConfig, SimHandle};
use lender::engine::{EngineState, EngineStatus};
use vault::{MemoryStore, SecretStore};

const LENDING: &[(&str, bool, bool)] = &[
    ("account", true, false),
    ("history", true, false),
    ("funding", true, true),
    ("wallets", true, false),
    ("withdraw", false, false),
];

fn perms(p: &[(&str, bool, bool)]) -> Vec<(String, bool, bool)> {
    p.iter()
        .map(|(s, r, w)| ((*s).to_owned(), *r, *w))
        .collect()
}

struct Rig {
    sim: Sim,
    h: SimHandle,
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    core: Core,
}

async fn rig(secrets: MemoryStore) -> Rig {
    let sim = Sim::new(SimConfig {
        market: MarketSpec::Synthetic,
        ..SimConfig::default()
    });
    sim.demo_account("10000");
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(secrets);
    let core =
        Core::new(dir.path(), &h.url, secrets.clone()).with_key_lock_dir(&dir.path().join("locks"));
    Rig {
        sim,
        h,
        dir,
        secrets,
        core,
    }
}

fn key(r: &Rig, p: &[(&str, bool, bool)]) -> (String, String) {
    r.sim.with_world(|w| w.create_key(1, perms(p)))
}

/// Waits (at most `secs`) until a watched value satisfies `pred`, and returns it.
async fn watch_until<T: Clone>(
    mut rx: tokio::sync::watch::Receiver<T>,
    secs: u64,
    pred: impl Fn(&T) -> bool,
) -> T {
    tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            let s = rx.borrow_and_update().clone();
            if pred(&s) {
                return s;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("state reached in time")
}

async fn status_where(core: &Core, pred: impl Fn(&EngineStatus) -> bool) -> EngineStatus {
    watch_until(core.subscribe(), 20, pred).await
}

#[tokio::test]
async fn a_withdraw_key_is_refused_and_nothing_is_stored() {
    let r = rig(MemoryStore::new()).await;
    let mut p = LENDING.to_vec();
    p[4] = ("withdraw", false, true);
    let (k, s) = key(&r, &p);
    let v = r.core.verify_key(&k, &s).await.unwrap();
    assert!(v.verdict.refused);
    let e = r.core.save_key(&k, &s, "mine").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::WithdrawPermission);
    assert!(e.message.contains("Withdraw"), "{}", e.message);
    assert!(r.secrets.load().unwrap().is_none(), "not in the keychain");
    let store = store::Store::open_in_dir(r.dir.path()).unwrap();
    assert!(store.active_key().unwrap().is_none(), "not in SQLite");
    assert_eq!(r.core.key_state().await.mode, KeyMode::None);
    // Missing funding write: a different, specific refusal.
    let mut p = LENDING.to_vec();
    p[2] = ("funding", true, false);
    let (k, s) = key(&r, &p);
    assert_eq!(
        r.core.save_key(&k, &s, "").await.unwrap_err().code,
        ErrorCode::MissingPermission
    );
    // A malformed paste never reaches the network.
    assert_eq!(
        r.core.save_key("short", &s, "").await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn a_good_key_is_saved_starts_paused_with_a_preview_then_lends() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    let state = r
        .core
        .save_key(&format!(" {k}\n"), &s, "My key")
        .await
        .unwrap();
    assert_eq!(state.mode, KeyMode::Live);
    assert_eq!(state.label.as_deref(), Some("My key"));
    assert_eq!(
        state.masked.as_deref(),
        Some(format!("{}…{}", &k[..4], &k[k.len() - 4..]).as_str())
    );
    assert_eq!(
        r.secrets.load().unwrap().unwrap().key,
        k,
        "trimmed key in the keychain"
    );
    let st = status_where(&r.core, |s| !s.currencies.is_empty()).await;
    assert_eq!(st.state, EngineState::Paused);
    assert!(
        !st.currencies[0].plan.submit.is_empty(),
        "a preview of the offers"
    );
    assert_eq!(
        r.sim.with_world(|w| w.markets["fUSD"]
            .offers
            .iter()
            .filter(|o| o.account == Some(1))
            .count()),
        0
    );
    r.core.engine_start().await.unwrap();
    let st = status_where(&r.core, |s| {
        s.state == EngineState::Running
            && s.currencies.first().is_some_and(|c| !c.offers.is_empty())
    })
    .await;
    assert!(!st.currencies[0].offers.is_empty());
    // Removing the key cancels the app's offers first when asked.
    r.core.remove_key(true).await.unwrap();
    assert_eq!(
        r.sim.with_world(|w| w.markets["fUSD"]
            .offers
            .iter()
            .filter(|o| o.account == Some(1))
            .count()),
        0
    );
    assert!(r.secrets.load().unwrap().is_none());
    assert_eq!(r.core.key_state().await.mode, KeyMode::None);
    drop(r.h);
}

#[tokio::test]
async fn a_saved_key_is_resumed_at_the_next_start() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    r.core.shutdown().await; // the app quit
    let again = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    let state = again.resume().await.unwrap();
    assert_eq!(state.mode, KeyMode::Live);
}

#[tokio::test]
async fn a_locked_keychain_is_a_clear_error_and_nothing_is_stored() {
    let r = rig(MemoryStore::unavailable()).await;
    let (k, s) = key(&r, LENDING);
    let e = r.core.save_key(&k, &s, "").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::KeychainUnavailable);
    assert!(
        e.message.contains("unlocked"),
        "says what to do: {}",
        e.message
    );
    assert!(
        store::Store::open_in_dir(r.dir.path())
            .unwrap()
            .active_key()
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_demo_runs_against_an_in_process_market_and_leaving_deletes_its_data() {
    let r = rig(MemoryStore::new()).await;
    let t0 = std::time::Instant::now();
    let state = r.core.start_demo().await.unwrap();
    eprintln!("demo with a week of history ready in {:?}", t0.elapsed());
    assert_eq!(state.mode, KeyMode::Demo);
    assert!(r.core.demo_dir().join(store::DB_FILE).exists());
    // A week was played before it opened: it opens paused, with earnings to show.
    let st = status_where(&r.core, |s| !s.currencies.is_empty()).await;
    assert_eq!(st.state, EngineState::Paused);
    sync_where(&r.core, |s| s.phase == api::SyncPhase::Done).await;
    let report = r.core.earnings_report().await.unwrap();
    let week = &report.currencies[0].windows.all;
    assert!(
        week.payments >= 6,
        "daily payments over the week: {}",
        week.payments
    );
    assert!(week.earned > rust_decimal::Decimal::ZERO);
    assert!(
        week.utilization
            .is_some_and(|u| u > rust_decimal::Decimal::new(5, 1)),
        "{week:?}"
    );
    assert!(
        week.baseline_auto_renew > rust_decimal::Decimal::ZERO,
        "FRR was recorded"
    );
    // The demo runs on the calibrated market: the FRR line and the volume reaching FRR were
    // recorded all week, so the Dashboard compares with Auto-Renew under the calibrated rule.
    let calibrated = week
        .baseline_auto_renew_calibrated
        .expect("the FRR line was recorded");
    assert!(calibrated <= week.baseline_auto_renew, "{week:?}");
    let days = r.core.earnings_daily("USD", 30).await.unwrap();
    assert!(
        days.iter()
            .all(|d| d.baseline_auto_renew_calibrated.is_some()),
        "{days:?}"
    );
    assert!((7..=9).contains(&days.len()), "{} days", days.len());
    r.core.engine_start().await.unwrap();
    let st = status_where(&r.core, |s| {
        s.currencies
            .first()
            .is_some_and(|c| !c.offers.is_empty() || c.lent > rust_decimal::Decimal::ZERO)
    })
    .await;
    assert_eq!(st.currencies[0].currency, "USD");
    r.core.leave_demo().await.unwrap();
    assert!(!r.core.demo_dir().exists(), "demo data deleted");
    assert_eq!(r.core.key_state().await.mode, KeyMode::None);
    assert!(
        r.secrets.load().unwrap().is_none(),
        "the demo never touched the keychain"
    );
}

/// Runs the whole flow with a known secret, then looks for it everywhere the app writes.
#[tokio::test]
async fn the_secret_never_reaches_sqlite_files_status_or_errors() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.verify_key(&k, &s).await.unwrap();
    r.core.save_key(&k, &s, "leak test").await.unwrap();
    r.core.engine_start().await.unwrap();
    let st = status_where(&r.core, |s| {
        s.currencies.first().is_some_and(|c| !c.offers.is_empty())
    })
    .await;
    let wrong = r.core.verify_key(&k, &"x".repeat(43)).await.unwrap_err();
    r.core.remove_key(false).await.unwrap();
    let mut haystack = Vec::new();
    for entry in walk(r.dir.path()) {
        haystack.extend(std::fs::read(entry).unwrap());
    }
    haystack.extend(serde_json::to_vec(&st).unwrap());
    haystack.extend(format!("{wrong:?} {:?}", r.core.key_state().await).into_bytes());
    let hay = String::from_utf8_lossy(&haystack);
    assert!(!hay.contains(&s), "the secret leaked");
    assert!(!hay.contains(&k), "the full key leaked");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn a_revoked_key_or_a_new_withdraw_permission_stops_lending_and_alerts() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    let mut alerts = r.core.alerts();
    r.core.recheck().await.unwrap();
    assert_eq!(r.core.key_state().await.problem, None);
    // A withdraw permission appears on Bitfinex.
    r.sim.with_world(|w| {
        w.keys
            .get_mut(&k)
            .unwrap()
            .permissions
            .push(("withdraw".into(), false, true))
    });
    r.core.recheck().await.unwrap();
    let p = r.core.key_state().await.problem.expect("a problem");
    assert!(p.contains("withdraw"), "{p}");
    let alert = alerts.recv().await.unwrap();
    assert_eq!(
        (alert.kind, alert.body),
        (api::AlertKind::WithdrawEnabled, p)
    );
    assert_eq!(
        r.core.engine_start().await.unwrap_err().code,
        ErrorCode::WithdrawPermission
    );
    // Fixed on Bitfinex: the next check clears it.
    r.sim.with_world(|w| {
        w.keys
            .get_mut(&k)
            .unwrap()
            .permissions
            .retain(|(s, _, _)| s != "withdraw")
    });
    r.core.recheck().await.unwrap();
    assert_eq!(r.core.key_state().await.problem, None);
    // Revoked.
    r.sim
        .with_world(|w| w.keys.get_mut(&k).unwrap().revoked = true);
    r.core.recheck().await.unwrap();
    assert!(
        r.core
            .key_state()
            .await
            .problem
            .unwrap()
            .contains("revoked")
    );
    assert_eq!(
        alerts.recv().await.unwrap().kind,
        api::AlertKind::KeyRevoked
    );
    assert_eq!(
        r.core.engine_start().await.unwrap_err().code,
        ErrorCode::InvalidKey
    );
    // And at the next start, before anything is lent.
    r.core.shutdown().await; // the app quit
    let again = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    assert!(again.resume().await.unwrap().problem.is_some());
}

#[tokio::test]
async fn moving_money_to_the_funding_wallet_needs_a_transfer_permission() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    let state = r.core.save_key(&k, &s, "").await.unwrap();
    assert!(!state.can_transfer);
    let e = r.core.transfer_to_funding("USD", "100").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MissingPermission);
    let mut p = LENDING.to_vec();
    p[3] = ("wallets", true, true);
    let (k2, s2) = key(&r, &p);
    assert!(r.core.save_key(&k2, &s2, "").await.unwrap().can_transfer);
    let wallets = r.core.transfer_to_funding("USD", "500").await.unwrap();
    let funding = wallets
        .iter()
        .find(|w| w.wallet == "funding" && w.currency == "USD")
        .unwrap();
    assert_eq!(funding.balance, rust_decimal::Decimal::from(10_500));
    assert_eq!(
        r.core
            .transfer_to_funding("USD", "-5")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        r.core
            .transfer_to_funding("USD", "999999")
            .await
            .unwrap_err()
            .code,
        ErrorCode::Rejected
    );
}

#[tokio::test]
async fn deleting_all_local_data_leaves_nothing_behind() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    std::fs::write(r.dir.path().join("shell.json"), "{}").unwrap();
    let state = r.core.delete_all_data().await.unwrap();
    assert_eq!(state.mode, KeyMode::None);
    assert!(r.secrets.load().unwrap().is_none());
    assert_eq!(std::fs::read_dir(r.dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn strategy_settings_preview_validation_and_saving() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    status_where(&r.core, |s| !s.currencies.is_empty()).await;
    let current = r.core.strategy_get("USD").await.unwrap();
    assert_eq!(current.preset, lender::Preset::Balanced);
    // A live preview of other settings, without saving them.
    let conservative = lender::StrategySettings::preset(lender::Preset::Steady);
    let plan = r
        .core
        .strategy_preview("USD", conservative.clone())
        .await
        .unwrap()
        .expect("a preview");
    assert_eq!(
        plan.submit.len(),
        1,
        "one offer at the front of the book: {plan:?}"
    );
    assert_eq!(
        r.core.strategy_get("USD").await.unwrap(),
        current,
        "previewing saves nothing"
    );
    // A bad value: a specific message per field, nothing saved.
    let bad = lender::StrategySettings {
        tranches: 0,
        reserve: rust_decimal::Decimal::from(-5),
        ..current.clone()
    };
    let e = r.core.strategy_set("USD", bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let fields: Vec<_> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["reserve", "tranches"]);
    assert_eq!(r.core.strategy_get("USD").await.unwrap(), current);
    // A good value is saved and survives a restart.
    r.core
        .strategy_set("USD", conservative.clone())
        .await
        .unwrap();
    assert_eq!(r.core.strategy_get("USD").await.unwrap(), conservative);
    r.core.shutdown().await; // the app quit
    let again = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    again.resume().await.unwrap();
    assert_eq!(again.strategy_get("USD").await.unwrap(), conservative);
}

#[tokio::test]
async fn local_data_can_be_exported_to_csv_before_it_is_deleted() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    r.core.engine_start().await.unwrap();
    status_where(&r.core, |s| {
        s.currencies.first().is_some_and(|c| !c.offers.is_empty())
    })
    .await;
    let out = tempfile::tempdir().unwrap();
    let files = r.core.export_data(out.path()).unwrap();
    assert_eq!(files.len(), 3);
    let actions = std::fs::read_to_string(
        files
            .iter()
            .find(|f| f.to_string_lossy().contains("actions"))
            .unwrap(),
    )
    .unwrap();
    assert!(actions.starts_with("utc_time,currency,action,"));
    assert!(
        actions.lines().count() > 1,
        "the offers the engine placed are in the log"
    );
    assert!(!actions.contains(&s));
    r.core.delete_all_data().await.unwrap();
    assert!(
        files.iter().all(|f| f.exists()),
        "the export is outside the data folder"
    );
}

/// Lends account 1's funding wallet directly on the exchange for `days` simulated days, so
/// the account has a history of fills and interest payments before the app connects.
fn lend_history(r: &Rig, days: i64) {
    use bfx_sim::world::OfferKind;
    let start = r.sim.now();
    for h in 1..=days * 24 {
        r.sim.advance_to(start + h * 3_600_000);
        r.sim.with_world(|w| {
            let avail = w.available(1, "funding", "USD");
            if avail >= rust_decimal::Decimal::from(200) {
                let rate = w.markets["fUSD"].market_rate;
                w.submit_offer(1, "fUSD", OfferKind::Limit, avail, rate, 2, false)
                    .unwrap();
            }
        });
    }
}

async fn sync_where(core: &Core, pred: impl Fn(&api::SyncStatus) -> bool) -> api::SyncStatus {
    watch_until(core.sync_subscribe(), 30, pred).await
}

#[tokio::test]
async fn connecting_backfills_the_history_and_the_figures_equal_the_exchange_ledger() {
    let r = rig(MemoryStore::new()).await;
    lend_history(&r, 10);
    let (k, s) = key(&r, LENDING);
    assert_eq!(r.core.sync_status().phase, api::SyncPhase::Idle);
    let rx = r.core.sync_subscribe();
    r.core.save_key(&k, &s, "").await.unwrap();
    // The first pass is the backfill, with progress.
    let running = sync_where(&r.core, |s| s.phase == api::SyncPhase::Running).await;
    assert!(running.backfill);
    let done = sync_where(&r.core, |s| s.phase == api::SyncPhase::Done).await;
    assert_eq!(done.percent, 100);
    assert!(done.last_done_mts.is_some());
    assert!(rx.has_changed().unwrap());
    let ledger: Vec<rust_decimal::Decimal> = r.sim.with_world(|w| {
        w.accounts[&1]
            .ledger
            .iter()
            .filter(|l| l.category == 28)
            .map(|l| l.amount)
            .collect()
    });
    assert!(
        ledger.len() >= 8,
        "ten days of daily payments: {}",
        ledger.len()
    );
    let report = r.core.earnings_report().await.unwrap();
    let usd = &report.currencies[0];
    assert_eq!(usd.currency, "USD");
    assert_eq!(
        usd.windows.all.earned,
        ledger.iter().copied().sum::<rust_decimal::Decimal>(),
        "the total equals the exchange's ledger rows exactly"
    );
    assert_eq!(usd.windows.all.payments as usize, ledger.len());
    assert!(usd.windows.all.avg_rate.is_some(), "fills were synced");
    assert_eq!(report.total_usd.unwrap().all.earned, usd.windows.all.earned);
    let days = r.core.earnings_daily("USD", 400).await.unwrap();
    assert!(days.len() >= 10, "{}", days.len());
    assert_eq!(days.last().unwrap().cumulative, usd.windows.all.earned);
    assert_eq!(
        r.core.earnings_daily("USD", 0).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    // CSV through the export path (what the save dialog calls).
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("payments.csv");
    r.core
        .export_earnings(api::CsvKind::Payments, &path)
        .await
        .unwrap();
    let csv = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        csv.lines().count(),
        ledger.len() + 1,
        "a header and every payment"
    );
    let e = r
        .core
        .export_earnings(api::CsvKind::Daily, &out.path().join("missing/dir/x.csv"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    // Syncing again adds nothing.
    r.core.sync_now();
    sync_where(&r.core, |s| s.phase == api::SyncPhase::Running).await;
    let again = sync_where(&r.core, |s| s.phase == api::SyncPhase::Done).await;
    assert!(!again.backfill);
    assert_eq!(again.new_rows, 0);
    // The tray line once the engine has reported.
    status_where(&r.core, |s| !s.currencies.is_empty()).await;
    let line = r.core.tray_summary().await.unwrap();
    assert!(
        line.starts_with("Lending ") && line.contains("USD · today +"),
        "{line}"
    );
}

#[tokio::test]
async fn earnings_need_a_session_and_an_unreachable_exchange_is_a_clear_failed_sync() {
    let r = rig(MemoryStore::new()).await;
    assert_eq!(
        r.core.earnings_report().await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert!(r.core.tray_summary().await.is_none());
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    sync_where(&r.core, |s| s.phase == api::SyncPhase::Done).await;
    // Bitfinex goes away: the next pass fails with a sentence, and is retried later.
    r.h.stop().await;
    r.core.sync_now();
    let failed = sync_where(&r.core, |s| s.phase == api::SyncPhase::Failed).await;
    let msg = failed.message.unwrap();
    assert!(
        msg.starts_with("Could not read the earnings history"),
        "{msg}"
    );
    assert!(
        failed.last_done_mts.is_some(),
        "the last good sync is remembered"
    );
    // The stored figures still show.
    assert!(r.core.earnings_report().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strategy_page_backtests_settings_against_the_baselines() {
    let r = rig(MemoryStore::new()).await;
    let mut rx = r.core.backtest_subscribe();
    let settings = lender::StrategySettings::preset(lender::Preset::Balanced);
    let report = r
        .core
        .backtest(settings.clone(), 1, SEED_7, "5000")
        .await
        .unwrap();
    assert_eq!(report.outcomes[0].name, "Your settings");
    assert!(report.outcomes.len() >= 7);
    assert_eq!(report.balance, rust_decimal::Decimal::from(5000));
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 100);
    // Bad input is refused before anything runs.
    let mut bad = settings.clone();
    bad.tranches = 0;
    let e = r.core.backtest(bad, 1, SEED_7, "5000").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(e.fields[0].field, "tranches");
    for (days, balance) in [(0, "5000"), (31, "5000"), (1, "100"), (1, "lots")] {
        assert_eq!(
            r.core
                .backtest(settings.clone(), days, SEED_7, balance)
                .await
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
    }
}

const SEED_7: api::BacktestMarket = api::BacktestMarket::Synthetic { seed: 7 };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_strategy_page_backtests_on_the_real_market_downloaded_from_bitfinex() {
    const HOUR: i64 = 3_600_000;
    let r = rig(MemoryStore::new()).await;
    // Three days of market on the emulator: its public candles and funding statistics are
    // "Bitfinex's history" here.
    r.sim.advance(3 * 24 * HOUR + 30 * 60_000);
    let end = r.sim.now();
    let real = api::BacktestMarket::Real { end_mts: Some(end) };
    let settings = lender::StrategySettings::preset(lender::Preset::Balanced);
    let before = r.sim.api_calls();
    let mut rx = r.core.backtest_subscribe();
    let report = r
        .core
        .backtest(settings.clone(), 2, real, "5000")
        .await
        .unwrap();
    let downloads = r.sim.api_calls() - before;
    assert!(downloads >= 2, "candles and statistics: {downloads} calls");
    assert_eq!(*rx.borrow_and_update(), 100);
    let window_end = end.div_euclid(HOUR) * HOUR;
    assert_eq!(report.start_mts, window_end - 2 * 24 * HOUR);
    assert!(report.market.starts_with("real fUSD"), "{}", report.market);
    let coverage = report
        .coverage
        .clone()
        .expect("real data says what it covered");
    let recorded: f64 = coverage.split(" %").next().unwrap().parse().unwrap();
    assert!(
        recorded > 50.0,
        "the emulator trades most minutes: {coverage}"
    );
    assert!(report.outcomes[0].earned > rust_decimal::Decimal::ZERO);
    // Other settings on the same days: nothing is downloaded again.
    let before = r.sim.api_calls();
    let mut steady = settings.clone();
    steady.tranches = 1;
    r.core.backtest(steady, 2, real, "5000").await.unwrap();
    assert_eq!(r.sim.api_calls(), before, "the window is cached");

    // Data that does not add up is never replayed: a candle whose high is below zero.
    let test = |m: api::BacktestMarket| r.core.backtest(settings.clone(), 2, m, "5000");
    let later = api::BacktestMarket::Real {
        end_mts: Some(end - HOUR),
    };
    let fault = |endpoint: &str, f: bfx_sim::faults::Fault| {
        r.sim.clear_faults();
        r.sim.set_fault(endpoint, f);
    };
    fault(
        "candles",
        bfx_sim::faults::Fault {
            patch: Some([(3, serde_json::json!(-0.5))].into()),
            ..Default::default()
        },
    );
    let e = test(later).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Network);
    assert!(
        e.message.starts_with("Bitfinex sent a candle for") && e.message.contains("did not run"),
        "{}",
        e.message
    );
    // Bitfinex unreachable: a sentence; once it answers, the next try downloads the window.
    fault(
        "funding/stats",
        bfx_sim::faults::Fault {
            error_rate: 1.0,
            ..Default::default()
        },
    );
    let e = test(later).await.unwrap_err();
    assert!(
        e.message
            .starts_with("Could not download the market data from Bitfinex"),
        "{}",
        e.message
    );
    r.sim.clear_faults();
    let before = r.sim.api_calls();
    test(later).await.unwrap();
    assert!(
        r.sim.api_calls() > before,
        "a failed download is not cached"
    );
    // Days the exchange has no history for: said plainly.
    let empty = api::BacktestMarket::Real {
        end_mts: Some(end - 10 * 24 * HOUR),
    };
    let e = test(empty).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("no fUSD trades"), "{}", e.message);
}

fn auto_renew(r: &Rig) -> Option<bfx_sim::world::AutoRenew> {
    r.sim
        .with_world(|w| w.accounts[&1].auto_renew.get("USD").cloned())
}

fn auto_renew_log(dir: &std::path::Path) -> Vec<(store::ActionKind, store::Outcome)> {
    // The action log is the active key's.
    let fp = store::Store::open_in_dir(dir)
        .unwrap()
        .active_key()
        .unwrap()
        .unwrap()
        .fingerprint;
    let s = store::Store::open_for_key(dir, &fp).unwrap();
    let mut rows: Vec<_> = s
        .recent_actions(1000)
        .unwrap()
        .into_iter()
        .filter(|a| {
            matches!(
                a.new.kind,
                store::ActionKind::AutoRenewOn | store::ActionKind::AutoRenewOff
            )
        })
        .map(|a| (a.id, a.new.kind, a.outcome))
        .collect();
    rows.sort_by_key(|r| r.0);
    rows.into_iter().map(|(_, k, o)| (k, o)).collect()
}

#[tokio::test]
async fn the_hand_off_turns_auto_renew_on_at_quit_and_off_at_the_next_start() {
    use rust_decimal::Decimal;
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    // Off unless the user switched it on: quitting leaves Auto-Renew alone.
    assert!(r.core.hand_off().await.unwrap().is_empty());
    assert_eq!(auto_renew(&r), None);

    let mut d = r.core.desktop_settings();
    d.handoff = api::Handoff {
        enabled: true,
        rate: Some(Decimal::new(2, 4)),
        period: 30,
        amount: Some(Decimal::from(5000)),
    };
    r.core.set_desktop_settings(d).unwrap();
    assert_eq!(r.core.hand_off().await.unwrap(), vec!["USD".to_owned()]);
    let on = auto_renew(&r).expect("Auto-Renew is on at Bitfinex");
    assert_eq!(
        (on.period, on.rate, on.threshold),
        (30, Decimal::new(2, 4), Decimal::from(5000))
    );
    assert_eq!(
        api::ShellPrefs::load(r.dir.path()).handed_off,
        vec!["USD".to_owned()]
    );

    // The next start: a new core over the same data folder and keychain.
    r.core.shutdown().await;
    let next = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    next.resume().await.unwrap();
    assert_eq!(auto_renew(&r), None, "Auto-Renew is off again");
    assert!(api::ShellPrefs::load(r.dir.path()).handed_off.is_empty());
    assert_eq!(
        auto_renew_log(r.dir.path()),
        vec![
            (store::ActionKind::AutoRenewOn, store::Outcome::Ok),
            (store::ActionKind::AutoRenewOff, store::Outcome::Ok)
        ],
        "both moves are in the action log"
    );
    // Nothing handed off: the start after that leaves the user's own Auto-Renew alone.
    r.sim.with_world(|w| {
        w.set_auto_renew(
            1,
            "USD",
            Some(bfx_sim::world::AutoRenew {
                period: 2,
                rate: Decimal::ZERO,
                threshold: Decimal::ZERO,
            }),
        )
        .unwrap()
    });
    next.shutdown().await;
    let third = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    third.resume().await.unwrap();
    assert!(
        auto_renew(&r).is_some(),
        "the user's own Auto-Renew is kept"
    );
}

#[tokio::test]
async fn a_refused_hand_off_says_so_logs_it_and_is_not_undone_at_start() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    let mut d = r.core.desktop_settings();
    d.handoff.enabled = true;
    r.core.set_desktop_settings(d).unwrap();
    r.sim.set_fault(
        "auth/w/funding/auto",
        bfx_sim::Fault {
            error_rate: 1.0,
            ..bfx_sim::Fault::default()
        },
    );
    let err = r.core.hand_off().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Rejected);
    assert!(
        err.message.contains("Auto-Renew") && err.message.contains("USD"),
        "{err:?}"
    );
    assert_eq!(auto_renew(&r), None);
    assert!(api::ShellPrefs::load(r.dir.path()).handed_off.is_empty());
    assert_eq!(
        auto_renew_log(r.dir.path()),
        vec![(store::ActionKind::AutoRenewOn, store::Outcome::Rejected)]
    );
}

#[tokio::test]
async fn bad_hand_off_settings_are_refused_and_the_saved_ones_kept() {
    let r = rig(MemoryStore::new()).await;
    let mut d = r.core.desktop_settings();
    d.handoff.enabled = true;
    d.handoff.period = 150;
    let err = r.core.set_desktop_settings(d).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        !r.core.desktop_settings().handoff.enabled,
        "nothing was saved"
    );
}

#[tokio::test]
async fn diagnostics_say_what_runs_and_never_the_key_or_its_secret() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "my main account").await.unwrap();
    let text = r
        .core
        .diagnostics(&[("WebKitGTK", "2.48".to_owned())])
        .await;
    assert!(
        text.contains("Yieldsforge ") && text.contains("Mode: Live"),
        "{text}"
    );
    assert!(
        text.contains("WebKitGTK: 2.48") && text.contains("Engine: "),
        "{text}"
    );
    for secret in [k.as_str(), s.as_str(), "my main account"] {
        assert!(!text.contains(secret), "{secret:?} leaked into: {text}");
    }
}

#[tokio::test]
async fn the_hand_off_keeps_the_reserve_idle_and_skips_a_switched_off_currency() {
    use rust_decimal::Decimal;
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    let mut d = r.core.desktop_settings();
    d.handoff.enabled = true;
    r.core.set_desktop_settings(d).unwrap();
    status_where(&r.core, |s| {
        s.currencies.iter().any(|c| c.total > Decimal::ZERO)
    })
    .await;
    let mut strategy = r.core.strategy_get("USD").await.unwrap();
    strategy.reserve = Decimal::from(2500);
    r.core.strategy_set("USD", strategy.clone()).await.unwrap();
    assert_eq!(r.core.hand_off().await.unwrap(), vec!["USD".to_owned()]);
    let total = r.core.engine_status().currencies[0].total;
    assert_eq!(
        auto_renew(&r).unwrap().threshold,
        total - Decimal::from(2500),
        "all of it, less the reserve"
    );
    r.sim
        .with_world(|w| w.set_auto_renew(1, "USD", None).unwrap());
    strategy.enabled = false;
    r.core.strategy_set("USD", strategy).await.unwrap();
    assert!(r.core.hand_off().await.unwrap().is_empty());
    assert_eq!(
        auto_renew(&r),
        None,
        "a currency switched off is not lent while away"
    );
}

#[tokio::test]
async fn the_daily_summary_says_yesterday_once_and_only_when_asked() {
    let r = rig(MemoryStore::new()).await;
    r.core.start_demo().await.unwrap(); // plays a simulated week first
    assert_eq!(r.core.daily_summary_tick().await, None, "off by default");
    let mut d = r.core.desktop_settings();
    d.notify_daily_summary = true;
    r.core.set_desktop_settings(d).unwrap();
    // Not before the earnings sync has read the ledger past yesterday's end.
    let today = r
        .core
        .earnings_daily("USD", 2)
        .await
        .unwrap()
        .last()
        .expect("the demo's week")
        .day_mts;
    watch_until(r.core.sync_subscribe(), 60, |s| {
        s.last_done_mts.is_some_and(|t| t >= today)
    })
    .await;
    let mut alerts = r.core.alerts();
    let a = r
        .core
        .daily_summary_tick()
        .await
        .expect("a summary of yesterday");
    assert_eq!(a.kind, api::AlertKind::DailySummary);
    let re = regex_lite(&a.body);
    assert!(re, "{}", a.body);
    assert_eq!(alerts.recv().await.unwrap(), a, "sent to the notifications");
    assert_eq!(r.core.daily_summary_tick().await, None, "once a day");
    assert!(
        api::ShellPrefs::load(r.dir.path())
            .last_daily_summary
            .is_some()
    );
}

/// "+12.34 USD yesterday, 97% lent"
fn regex_lite(body: &str) -> bool {
    let Some(rest) = body.strip_prefix('+') else {
        return false;
    };
    let mut parts = rest.split(' ');
    let amount_ok = parts
        .next()
        .is_some_and(|a| a.parse::<f64>().is_ok_and(|v| v > 0.0));
    amount_ok
        && parts.next() == Some("USD")
        && parts.next() == Some("yesterday,")
        && parts.next().is_some_and(|p| {
            p.strip_suffix('%')
                .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n <= 100))
        })
        && parts.next() == Some("lent")
}

#[tokio::test]
async fn key_state_changes_are_announced_even_when_the_ui_did_not_ask() {
    let r = rig(MemoryStore::new()).await;
    let mut changes = r.core.key_subscribe();
    r.core.start_demo().await.unwrap();
    assert!(changes.has_changed().unwrap(), "the demo started");
    changes.mark_unchanged();
    assert_eq!(r.core.key_state().await.mode, KeyMode::Demo);
    r.core.leave_demo().await.unwrap();
    assert!(changes.has_changed().unwrap(), "the demo ended");
    assert_eq!(r.core.key_state().await.mode, KeyMode::None);
}

/// Issue 14, item 5: a second engine on the same key (another data folder, as `yf run` with
/// its own folder would be) is refused by name while the first runs, and allowed after it ends.
#[tokio::test]
async fn a_second_engine_on_the_same_key_is_refused_by_name() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = Core::new(other_dir.path(), &r.h.url, Arc::new(MemoryStore::new()))
        .with_key_lock_dir(&r.dir.path().join("locks"));
    let e = other.save_key(&k, &s, "").await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NonceConflict);
    assert!(
        e.message.contains("this API key") && e.message.contains(&std::process::id().to_string()),
        "{}",
        e.message
    );
    r.core.shutdown().await;
    other.save_key(&k, &s, "").await.unwrap();
}

/// Issue 14, item 6: state written for one key in the data folder (as `yf run` with its own
/// key did, writing into the app's folder) never leaks into another key connected there: the
/// new key starts paused, with its own strategy and its own sync positions.
#[tokio::test]
async fn another_keys_state_in_the_data_folder_never_leaks_into_a_new_key() {
    let r = rig(MemoryStore::new()).await;
    // What an earlier engine on another key left in the folder's database.
    {
        let main = store::Store::open_in_dir(r.dir.path()).unwrap();
        main.set_setting("engine.running", &true, 1).unwrap();
        main.set_setting(
            "strategy.USD",
            &lender::StrategySettings::preset(lender::Preset::SpikeHunting),
            1,
        )
        .unwrap();
    }
    let (k, s) = key(&r, LENDING);
    r.core.save_key(&k, &s, "").await.unwrap();
    assert_eq!(
        r.core.engine_status().state,
        lender::engine::EngineState::Paused,
        "a new key starts paused"
    );
    assert_eq!(
        r.core.strategy_get("USD").await.unwrap().preset,
        lender::Preset::Balanced,
        "with the default strategy, not the other key's"
    );
}

/// Issue 14, item 17: the demo cannot be resumed (its market lives in memory), so quitting
/// ends it and deletes its data, and a demo folder a crash left behind is deleted at the next
/// start: no folder is left that looks resumable.
#[tokio::test]
async fn quitting_ends_the_demo_and_deletes_its_data() {
    let r = rig(MemoryStore::new()).await;
    r.core.start_demo().await.unwrap();
    assert!(r.core.demo_dir().exists());
    r.core.quit(std::time::Duration::from_secs(5)).await;
    assert!(!r.core.demo_dir().exists(), "deleted at quit");
    assert_eq!(r.core.key_state().await.mode, KeyMode::None);
    // A crash leaves the folder: the next start deletes it.
    std::fs::create_dir_all(r.core.demo_dir()).unwrap();
    let next = Core::new(r.dir.path(), &r.h.url, r.secrets.clone())
        .with_key_lock_dir(&r.dir.path().join("locks"));
    next.resume().await.unwrap();
    assert!(!next.demo_dir().exists(), "deleted at the next start");
}

/// Issue 14, item 14: "Check permissions now" moves "last checked" (the key state read the
/// time the key was saved, not the check).
#[tokio::test]
async fn a_successful_recheck_moves_last_checked() {
    let r = rig(MemoryStore::new()).await;
    let (k, s) = key(&r, LENDING);
    let before = r
        .core
        .save_key(&k, &s, "")
        .await
        .unwrap()
        .verified_mts
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    r.core.recheck().await.unwrap();
    let after = r.core.key_state().await.verified_mts.unwrap();
    assert!(after > before, "{after} > {before}");
}
