//! Earnings sync against bfx-sim over simulated weeks: stored payments equal the exchange's
//! ledger row for row, stored fills equal its funding trades; syncing again adds nothing; a
//! sync stopped halfway resumes without losing or duplicating a row.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::world::OfferKind;
use bfx_sim::{MarketSpec, Sim, SimConfig};
use lender::sync::{SyncError, sync_history};
use rust_decimal::Decimal;
use store::Store;

const HOUR: i64 = 3_600_000;

async fn lend_for_days(days: i64) -> (Sim, bfx_sim::SimHandle, Client, u64, i64) {
    let sim = Sim::new(SimConfig {
        seed: 8,
        market: MarketSpec::Synthetic,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("20000");
    let start = sim.now();
    for h in 1..=days * 24 {
        sim.advance_to(start + h * HOUR);
        sim.with_world(|w| {
            let avail = w.available(demo.account, "funding", "USD");
            if avail >= Decimal::from(200) {
                let rate = w.markets["fUSD"].market_rate;
                w.submit_offer(
                    demo.account,
                    "fUSD",
                    OfferKind::Limit,
                    avail,
                    rate,
                    2,
                    false,
                )
                .unwrap();
            }
        });
    }
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let mut cfg = ClientConfig::for_base(&h.url);
    cfg.rate_limits = false;
    let client = Client::new(cfg, Some(Credentials::new(demo.key, demo.secret))).unwrap();
    (sim, h, client, demo.account, start)
}

/// (ledger id, amount, balance after), compared as numbers: the wire drops trailing zeros.
fn exchange_payments(sim: &Sim, account: u64) -> Vec<(i64, Decimal, Decimal)> {
    sim.with_world(|w| {
        w.accounts[&account]
            .ledger
            .iter()
            .filter(|l| l.category == 28)
            .map(|l| (l.id, l.amount, l.balance))
            .collect()
    })
}

/// (trade id, mts, amount, rate, period) of the account's fills.
fn exchange_trades(sim: &Sim, account: u64) -> Vec<(i64, i64, Decimal, Decimal, u32)> {
    let mut t: Vec<_> = sim.with_world(|w| {
        w.accounts[&account]
            .trades
            .iter()
            .map(|t| (t.id, t.mts, t.amount.abs(), t.rate, t.period))
            .collect()
    });
    t.sort_by_key(|r| (r.1, r.0));
    t
}

fn stored_trades(store: &Store) -> Vec<(i64, i64, Decimal, Decimal, u32)> {
    store
        .funding_trades("USD", i64::MIN, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|t| (t.trade_id, t.mts, t.amount, t.rate, t.period))
        .collect()
}

fn stored(store: &Store) -> Vec<(i64, Decimal, Decimal)> {
    store
        .payments(Some("USD"), i64::MIN, i64::MAX)
        .unwrap()
        .into_iter()
        .map(|p| (p.ledger_id, p.amount, p.balance))
        .collect()
}

#[tokio::test]
async fn stored_payments_equal_the_exchange_ledger_row_for_row() {
    let (sim, _h, client, account, start) = lend_for_days(21).await;
    let store = Store::open_in_memory().unwrap();
    let cancel = AtomicBool::new(false);
    let mut steps = Vec::new();
    let n = sync_history(
        &client,
        &store,
        &["USD"],
        start - 10 * 86_400_000,
        sim.now(),
        &cancel,
        |p| steps.push(p.percent),
    )
    .await
    .unwrap();
    let want = exchange_payments(&sim, account);
    assert!(
        want.len() >= 20,
        "three weeks of daily payments: {}",
        want.len()
    );
    assert_eq!(n.payments, want.len());
    assert_eq!(stored(&store), want, "row for row, to the last decimal");
    let fills = exchange_trades(&sim, account);
    assert!(
        fills.len() >= 10,
        "the account's offers filled: {}",
        fills.len()
    );
    assert_eq!(n.trades, fills.len());
    assert_eq!(stored_trades(&store), fills, "every fill, once");
    assert!(
        steps.len() >= 4,
        "progress per window of each stream: {steps:?}"
    );
    assert!(
        steps.windows(2).all(|w| w[0] <= w[1]),
        "progress only grows: {steps:?}"
    );
    assert_eq!(steps.last(), Some(&100));
    let total: Decimal = store
        .payments(Some("USD"), i64::MIN, i64::MAX)
        .unwrap()
        .iter()
        .map(|p| p.amount)
        .sum();
    let exchange_total: Decimal = sim.with_world(|w| {
        w.accounts[&account]
            .ledger
            .iter()
            .filter(|l| l.category == 28)
            .map(|l| l.amount)
            .sum()
    });
    assert_eq!(total, exchange_total);
    // Again: nothing new, nothing duplicated.
    assert_eq!(
        sync_history(&client, &store, &["USD"], 0, sim.now(), &cancel, |_| {})
            .await
            .unwrap(),
        lender::sync::SyncCount::default()
    );
    assert_eq!(stored(&store), want);
    assert_eq!(stored_trades(&store), fills);
}

#[tokio::test]
async fn a_sync_stopped_halfway_resumes_without_loss_or_duplicates() {
    let (sim, _h, client, account, start) = lend_for_days(40).await;
    let dir = tempfile::tempdir().unwrap();
    let first = start - 86_400_000;
    {
        let store = Store::open_in_dir(dir.path()).unwrap();
        let cancel = Arc::new(AtomicBool::new(false));
        let c2 = cancel.clone();
        let r = sync_history(
            &client,
            &store,
            &["USD"],
            first,
            sim.now(),
            &cancel,
            move |_| c2.store(true, Ordering::Relaxed),
        )
        .await;
        assert!(matches!(r, Err(SyncError::Cancelled)), "{r:?}");
        let partial = stored(&store).len();
        assert!(
            partial > 0 && partial < exchange_payments(&sim, account).len(),
            "stopped after the first window"
        );
    }
    // The app restarts and syncs again.
    let store = Store::open_in_dir(dir.path()).unwrap();
    sync_history(
        &client,
        &store,
        &["USD"],
        first,
        sim.now(),
        &AtomicBool::new(false),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(stored(&store), exchange_payments(&sim, account));
    assert_eq!(stored_trades(&store), exchange_trades(&sim, account));
}
