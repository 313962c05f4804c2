//! The fault probes of issue 14, as tests: the engine against bfx-sim answering with empty,
//! odd, impossible or corrupted data, a hand-placed copy of a lost submit, and a second
//! engine on the same key. Each failed before the engine checked what it acts on.

use std::collections::{BTreeMap, HashSet};

use bfx_sim::Fault;
use lender::engine::{Engine, EngineState};
use lender::model::Halt;
use lender::planner::IdleReason;
use lender::problems::ProblemKind;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use store::Outcome;

mod common;

use common::*;

fn owned(r: &Rig) -> HashSet<i64> {
    r.store
        .owned_open_offers("USD")
        .unwrap()
        .into_iter()
        .collect()
}

fn patch(fields: &[(usize, Value)]) -> Option<BTreeMap<usize, Value>> {
    Some(fields.iter().cloned().collect())
}

/// An engine that has lent for a while: some offers on the book, some credits.
async fn lending(r: &Rig) -> Engine<lender::bfx_exchange::BfxExchange> {
    let mut e = engine(r);
    e.start().unwrap();
    for _ in 0..3 {
        r.sim.advance(10 * 60_000);
        e.cycle().await.unwrap();
    }
    assert!(!owned(r).is_empty(), "the engine has offers on the book");
    e
}

/// The offers the engine asked to cancel.
fn cancelled(r: &Rig) -> Vec<i64> {
    r.store
        .recent_actions(10_000)
        .unwrap()
        .iter()
        .filter(|a| a.new.kind == store::ActionKind::Cancel)
        .filter_map(|a| a.new.offer_id)
        .collect()
}

fn submits_and_cancels(r: &Rig) -> usize {
    r.store.recent_actions(10_000).unwrap().len()
}

fn has_problem(e: &Engine<lender::bfx_exchange::BfxExchange>, kind: ProblemKind) -> bool {
    e.status().problems.iter().any(|p| p.kind == kind)
}

#[tokio::test]
async fn one_empty_or_odd_offer_list_never_disowns_our_offers() {
    let r = rig().await;
    let mut e = lending(&r).await;
    let before = owned(&r);
    for bad in [
        Fault {
            body: Some(json!([])),
            ..Fault::default()
        },
        Fault {
            body: Some(Value::Null),
            ..Fault::default()
        },
        Fault {
            patch: patch(&[(10, json!("EXECUTED at 0.02% (1000.0)"))]),
            ..Fault::default()
        },
    ] {
        // Only the list of active offers lies; the history tells the truth.
        r.sim.set_fault(
            "auth/r/funding/offers",
            Fault {
                count: Some(1),
                ..bad.clone()
            },
        );
        let actions = submits_and_cancels(&r);
        let rep = e.cycle().await.unwrap();
        assert!(rep.incomplete, "{bad:?}: the cycle says it could not act");
        assert_eq!(owned(&r), before, "{bad:?}: our offers are still ours");
        assert_eq!(
            submits_and_cancels(&r),
            actions,
            "{bad:?}: nothing was sent"
        );
        assert!(
            has_problem(&e, ProblemKind::BadData),
            "{bad:?}: and says why"
        );
        let c = &e.status().currencies[0];
        assert!(c.plan.idle.iter().any(|i| i.reason == IdleReason::BadData));
    }
    // With the list healthy again, lending goes on with the same offers.
    e.cycle().await.unwrap();
    assert!(e.status().problems.is_empty(), "{:?}", e.status().problems);
    assert!(before.is_subset(&(&owned(&r) | &before)));

    // "Stop and cancel my offers" cancels them even while the list answers [].
    r.sim.set_fault(
        "auth/r/funding/offers",
        Fault {
            body: Some(json!([])),
            ..Fault::default()
        },
    );
    let ours = owned(&r);
    e.stop_and_cancel().await.unwrap();
    r.sim.clear_faults();
    let (active, _) = exchange_offers(&r);
    assert!(
        active.iter().all(|id| !ours.contains(id)),
        "none of the app's offers is left on the book: {active:?} ∩ {ours:?}"
    );
}

#[tokio::test]
async fn an_offer_that_really_ended_is_forgotten() {
    let r = rig().await;
    let mut e = lending(&r).await;
    // One of ours is cancelled on Bitfinex's website: the history says so.
    let id = *owned(&r).iter().next().unwrap();
    r.sim.with_world(|w| w.cancel_offer(r.account, id).unwrap());
    r.sim.advance(60_000);
    e.cycle().await.unwrap();
    assert!(!owned(&r).contains(&id), "closed once the history shows it");
    assert!(e.status().problems.is_empty());
}

#[tokio::test]
async fn a_hand_placed_copy_of_a_timed_out_submit_is_never_adopted() {
    let r = rig().await;
    let mut e = engine(&r);
    e.start().unwrap();
    // The first submit never answers (and is not applied).
    r.sim.set_fault(
        "auth/w/funding/offer/submit",
        Fault {
            timeout: true,
            count: Some(1),
            ..Fault::default()
        },
    );
    let planned = {
        e.cycle().await.unwrap();
        e.status().currencies[0].plan.submit[0].clone()
    };
    let lost = r
        .store
        .open_actions()
        .unwrap()
        .into_iter()
        .find(|a| a.outcome == Outcome::Unknown)
        .expect("the timed-out submit is waiting to be reconciled");
    // The user places the same offer by hand, with the figures the preview showed.
    let copy = place_by_hand(&r, planned.amount, planned.rate, planned.period);
    // And, after the submit was given up on, one with the very amount that was sent.
    r.sim.advance(2 * 60_000);
    let late_copy = place_by_hand(&r, lost.new.amount.unwrap(), planned.rate, planned.period);
    for _ in 0..12 {
        r.sim.advance(10 * 60_000);
        e.cycle().await.unwrap();
    }
    let a = r.store.action(lost.id).unwrap().unwrap();
    assert_eq!(a.outcome, Outcome::ReconciledNotDone, "{:?}", a.detail);
    let cancelled = cancelled(&r);
    for id in [copy, late_copy] {
        assert!(!r.store.is_owned(id).unwrap(), "{id} was adopted");
        assert!(
            !cancelled.contains(&id),
            "{id} was cancelled: the engine touched an offer placed by hand"
        );
    }
}

#[tokio::test]
async fn two_identical_candidates_are_both_left_alone() {
    let r = rig().await;
    // A submit left pending by a crash, and two offers that match it exactly.
    let now = r.sim.now();
    let amount = Decimal::new(100_000_000_042, 8);
    let pending = r
        .store
        .begin_action(
            &store::NewAction {
                mts: now,
                currency: "USD".into(),
                kind: store::ActionKind::Submit,
                offer_id: None,
                amount: Some(amount),
                rate: Some(Decimal::new(3, 3)),
                period: Some(2),
                offer_kind: Some("Limit".into()),
                hidden: Some(false),
                reason: "{}".into(),
            },
            false,
        )
        .unwrap();
    let ids: Vec<i64> = (0..2)
        .map(|_| place_by_hand(&r, amount, Decimal::new(3, 3), 2))
        .collect();
    let mut e = engine(&r);
    e.start().unwrap();
    r.sim.advance(60_000);
    e.cycle().await.unwrap();
    let a = r.store.action(pending).unwrap().unwrap();
    assert_eq!(a.outcome, Outcome::ReconciledNotDone);
    assert!(ids.iter().all(|id| !r.store.is_owned(*id).unwrap()));
    assert!(has_problem(&e, ProblemKind::UnprovenOffer));
}

#[tokio::test]
async fn impossible_wallet_numbers_are_never_acted_on() {
    let huge = json!("100000000000000000000");
    for (name, fields) in [
        (
            "1e20 balance and available",
            vec![(2, huge.clone()), (4, huge)],
        ),
        ("available above the balance", vec![(4, json!("100000"))]),
    ] {
        let r = rig().await;
        let mut e = engine(&r);
        e.start().unwrap();
        r.sim.set_fault(
            "auth/r/wallets",
            Fault {
                patch: patch(&fields),
                ..Fault::default()
            },
        );
        for _ in 0..3 {
            r.sim.advance(10 * 60_000);
            let rep = e.cycle().await.unwrap();
            assert_eq!(rep.submitted + rep.rejected + rep.unknown, 0, "{name}");
        }
        assert!(exchange_offers(&r).0.is_empty(), "{name}: nothing offered");
        let s = e.status();
        assert!(has_problem(&e, ProblemKind::BadData), "{name}");
        assert!(
            s.currencies[0]
                .plan
                .idle
                .iter()
                .any(|i| i.reason == IdleReason::BadData),
            "{name}: the idle money says why"
        );
    }
}

#[tokio::test]
async fn a_wallet_without_its_available_balance_lends_only_what_is_free() {
    let r = rig().await;
    let mut e = lending(&r).await;
    r.sim.set_fault(
        "auth/r/wallets",
        Fault {
            patch: patch(&[(4, Value::Null)]),
            ..Fault::default()
        },
    );
    for _ in 0..6 {
        r.sim.advance(10 * 60_000);
        let rep = e.cycle().await.unwrap();
        assert_eq!(rep.rejected, 0, "no submit beyond what is free");
    }
    let s = e.status();
    let c = &s.currencies[0];
    assert!(c.on_offer + c.lent <= c.total);
}

#[tokio::test]
async fn garbage_book_rates_never_become_offers() {
    let r = rig().await;
    let mut e = engine(&r);
    e.start().unwrap();
    r.sim.set_fault(
        "book/fUSD",
        Fault {
            patch: patch(&[(2, json!(5.0))]),
            ..Fault::default()
        },
    );
    for _ in 0..3 {
        r.sim.advance(10 * 60_000);
        let rep = e.cycle().await.unwrap();
        assert_eq!(rep.submitted, 0);
    }
    assert!(exchange_offers(&r).0.is_empty());
    let p = e.status().problems;
    assert!(
        p.iter()
            .any(|p| p.kind == ProblemKind::BadData && p.message.contains("500 %/day")),
        "{p:?}"
    );
    // Once the book is sane again, offers go out, none of them for long at an unconfirmed rate.
    r.sim.clear_faults();
    r.sim.advance(10 * 60_000);
    e.cycle().await.unwrap();
    assert!(!exchange_offers(&r).0.is_empty());
}

#[tokio::test]
async fn an_own_offer_listed_without_rate_or_period_is_not_churned() {
    let r = rig().await;
    let mut e = lending(&r).await;
    let before = owned(&r);
    r.sim.set_fault(
        "auth/r/funding/offers",
        Fault {
            patch: patch(&[(14, Value::Null), (15, Value::Null)]),
            ..Fault::default()
        },
    );
    let cancels_before = cancelled(&r).len();
    for _ in 0..3 {
        r.sim.advance(60_000);
        e.cycle().await.unwrap();
    }
    let cancels = cancelled(&r).len();
    assert_eq!(cancels, cancels_before, "no cancel on unreadable rows");
    assert!(before.is_subset(&owned(&r)) || owned(&r).len() >= before.len());
    assert!(has_problem(&e, ProblemKind::BadData));
}

#[tokio::test]
async fn a_second_engine_on_the_same_key_is_detected_and_stops() {
    let r = rig().await;
    // A second engine, with a data folder of its own, on the same key.
    let dir2 = tempfile::tempdir().unwrap();
    let store2 = std::sync::Arc::new(store::Store::open_in_dir(dir2.path()).unwrap());
    let mut e1 = engine(&r);
    let mut e2 = engine_on(&r, store2);
    e1.start().unwrap();
    e2.start().unwrap();
    let mut stopped = false;
    for _ in 0..12 {
        r.sim.advance(60_000);
        e1.cycle().await.unwrap();
        e2.cycle().await.unwrap();
        let halted = |s: EngineState| {
            matches!(
                s,
                EngineState::Halted {
                    reason: Halt::AnotherEngine,
                    ..
                }
            )
        };
        if halted(e1.status().state) || halted(e2.status().state) {
            stopped = true;
            break;
        }
    }
    assert!(stopped, "one of them noticed the other and stopped");
}

/// Issue 14, item 9: when one public request keeps failing, the status still carries the
/// wallet, offers and loans that did load, and says which request failed; nothing is sent for
/// that currency.
#[tokio::test]
async fn a_failing_order_book_keeps_the_rest_of_the_status_and_names_the_request() {
    let r = rig().await;
    // An offer placed by hand, so there is something on the book to show.
    place_by_hand(&r, Decimal::from(500), Decimal::new(5, 3), 30);
    // From the very first cycle, the order book answers HTTP 500.
    r.sim.set_fault(
        "book/fUSD",
        Fault {
            error_rate: 1.0,
            ..Fault::default()
        },
    );
    let mut e = engine(&r);
    e.start().unwrap();
    let rep = e.cycle().await.unwrap();
    assert!(rep.incomplete);
    assert_eq!(submits_and_cancels(&r), 0, "nothing sent");
    let s = e.status();
    let c = s
        .currencies
        .first()
        .expect("the wallet that did load is shown");
    assert!(c.total > Decimal::ZERO && !c.offers.is_empty(), "{c:?}");
    assert!(
        c.plan
            .idle
            .iter()
            .any(|i| i.reason == IdleReason::MarketUnavailable)
    );
    let p = s
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::RequestFailed)
        .expect("the failed request is named");
    assert!(
        p.request
            .as_deref()
            .is_some_and(|q| q.contains("order book"))
            && !p.message.contains("10000"),
        "{p:?}"
    );
}

/// An offer of ours that ended while hundreds of others ended after it is still found in
/// Bitfinex's history (read page by page), so the currency does not wait on it forever.
#[tokio::test]
async fn an_offer_that_ended_before_hundreds_of_others_is_still_found() {
    let r = rig().await;
    let mut e = lending(&r).await;
    let id = *owned(&r).iter().next().unwrap();
    r.sim.with_world(|w| w.cancel_offer(r.account, id).unwrap());
    for _ in 0..600 {
        r.sim.advance(1_000);
        let other = place_by_hand(&r, Decimal::from(200), Decimal::new(5, 3), 2);
        r.sim
            .with_world(|w| w.cancel_offer(r.account, other).unwrap());
    }
    r.sim.advance(60_000);
    e.cycle().await.unwrap();
    assert!(!owned(&r).contains(&id), "found in the history and closed");
    assert!(e.status().problems.is_empty(), "{:?}", e.status().problems);
}

/// When the history does not reach back (the app was away longer than Bitfinex keeps it), an
/// offer that really ended is still let go once the wallet accounts for the whole balance; the
/// same history with offers still on the book (a list that lies) lets nothing go.
#[tokio::test]
async fn the_wallet_witnesses_an_end_the_history_no_longer_shows() {
    let r = rig().await;
    let mut e = lending(&r).await;
    let ours = owned(&r);
    // The history answers nothing from now on.
    r.sim.set_fault(
        "auth/r/funding/offers/fUSD/hist",
        Fault {
            body: Some(json!([])),
            ..Fault::default()
        },
    );
    // A lying list while our offers are on the book: nothing is let go.
    r.sim.set_fault(
        "auth/r/funding/offers",
        Fault {
            body: Some(json!([])),
            count: Some(1),
            ..Fault::default()
        },
    );
    e.cycle().await.unwrap();
    assert_eq!(
        owned(&r),
        ours,
        "the wallet shows money on offer: nothing is let go"
    );
    // Our offers really end (cancelled on the website): the wallet shows them back.
    for id in &ours {
        r.sim
            .with_world(|w| w.cancel_offer(r.account, *id).unwrap());
    }
    e.pause().unwrap();
    r.sim.advance(60_000);
    e.cycle().await.unwrap();
    assert!(owned(&r).is_empty(), "{:?}", owned(&r));
    assert!(e.status().problems.is_empty(), "{:?}", e.status().problems);
}
