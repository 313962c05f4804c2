//! The in-process exchange answers what the HTTP path answers: call by call on one world, and
//! as whole backtests (every contender's figures identical, API calls included), on the
//! synthetic market and on a tape written here.

use std::sync::Arc;
use std::time::Duration;

use backtest::{MarketSource, Report, SimExchange, Spec, Transport, run};
use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::{ClockMode, Sim, SimConfig};
use lender::bfx_exchange::BfxExchange;
use lender::exchange::{Exchange, ExchangeError};
use lender::model::OfferKind;
use lender::planner::{DesiredOffer, OfferReason};
use lender::{Preset, StrategySettings};
use rust_decimal::Decimal;

fn spec(market: MarketSource, hours: i64, transport: Transport) -> Spec {
    let mut s = Spec::new(market, hours, Decimal::from(10_000));
    s.strategies = vec![(
        "Balanced".into(),
        StrategySettings::preset(Preset::Balanced),
    )];
    s.transport = transport;
    s
}

/// Both transports, the same figures: compared as values and as JSON (which also shows each
/// decimal's scale).
async fn same_report(market: MarketSource, hours: i64) -> Report {
    let fast = run(
        &spec(market.clone(), hours, Transport::InProcess),
        |_, _| {},
    )
    .await
    .unwrap();
    let http = run(&spec(market, hours, Transport::Http), |_, _| {})
        .await
        .unwrap();
    assert_eq!(fast.outcomes.len(), http.outcomes.len());
    for (a, b) in fast.outcomes.iter().zip(&http.outcomes) {
        assert_eq!(a, b, "{}", a.name);
        assert_eq!(
            serde_json::to_string(a).unwrap(),
            serde_json::to_string(b).unwrap(),
            "{}",
            a.name
        );
    }
    assert_eq!(fast, http);
    fast
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synthetic_day_gives_the_same_figures_in_process_and_over_http() {
    let r = same_report(MarketSource::Synthetic { seed: 4 }, 24).await;
    let ours = r.of(backtest::Kind::Strategy).unwrap();
    assert!(ours.offers > 0 && ours.cancels > 0, "the engine traded");
    assert!(ours.api_calls_per_hour > Decimal::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tape_gives_the_same_figures_in_process_and_over_http() {
    // Six hours of trades: 2-day loans at 0.0001–0.0003 every 20 seconds, a few longer ones.
    let start: i64 = 1_780_272_000_000;
    let mut csv = String::from("id,mts,amount,rate,period\n");
    for i in 0..1080i64 {
        let rate = Decimal::new(10_000 + (i * 37) % 20_000, 8);
        let period = if i % 50 == 7 { 30 } else { 2 };
        csv.push_str(&format!(
            "{},{},-{},{},{period}\n",
            i + 1,
            start + i * 20_000,
            500 + i % 7 * 300,
            rate
        ));
    }
    let tape = bfx_sim::Tape::from_csv(csv.as_bytes()).unwrap();
    let r = same_report(
        MarketSource::Tape {
            name: "test".into(),
            tape,
        },
        48,
    )
    .await;
    assert!(r.of(backtest::Kind::Strategy).unwrap().earned > Decimal::ZERO);
}

/// On a single-threaded runtime too (the contenders run on threads of their own).
#[tokio::test]
async fn runs_on_a_current_thread_runtime() {
    let r = run(
        &spec(MarketSource::Synthetic { seed: 2 }, 3, Transport::InProcess),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r.outcomes.len(), 8);
}

fn offer(amount: &str, rate: &str, period: u32, kind: OfferKind) -> DesiredOffer {
    DesiredOffer {
        amount: amount.parse().unwrap(),
        rate: rate.parse().unwrap(),
        period,
        kind,
        hidden: false,
        reason: OfferReason::Ladder {
            step: 1,
            of: 1,
            ahead_usd: None,
            top_from: None,
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_answers_and_counts_as_over_http() {
    let sim = Sim::new(SimConfig {
        seed: 7,
        clock: ClockMode::Manual,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("20000");
    sim.with_world(|w| w.fund(demo.account, "funding", "BTC", Decimal::new(5, 1)));
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let mut cfg = ClientConfig::for_base(&h.url);
    cfg.rate_limits = false;
    cfg.timeout = Duration::from_secs(30);
    let client = Client::new(cfg, Some(Credentials::new(&demo.key, &demo.secret))).unwrap();
    let http = BfxExchange::new(Arc::new(client));
    let fast = SimExchange::new(sim.clone(), demo.account);

    // Reads: the same answer, and one request each way.
    macro_rules! same {
        ($call:ident $(, $arg:expr)*) => {{
            let (calls, mine) = (sim.api_calls(), fast.api_calls());
            let a = fast.$call($($arg),*).await;
            let b = http.$call($($arg),*).await;
            assert_eq!(a, b, stringify!($call));
            assert_eq!(
                fast.api_calls() - mine,
                sim.api_calls() - calls,
                "requests of {}",
                stringify!($call)
            );
            a
        }};
    }
    same!(funding_wallets).unwrap();
    same!(active_offers).unwrap();
    same!(credits).unwrap();
    let m = same!(market, "USD").unwrap();
    assert!(m.asks.len() >= 40 && m.frr.is_some() && m.last_rate.is_some());
    let btc = same!(market, "BTC").unwrap();
    assert_eq!(btc.usd_price, Decimal::from(60_000));
    same!(market, "XYZ").unwrap_err();
    same!(market, "U/SD").unwrap_err();
    same!(offer_history, "USD", 0).unwrap();

    // Writes: each way once, the same shape back and the same refusals.
    let submits = [
        offer("500.12345678", "0.00025", 2, OfferKind::Limit),
        offer("300", "0", 2, OfferKind::FrrDeltaVar),
        offer("700.5", "0.0009", 30, OfferKind::Limit),
        offer("100", "0.0002", 2, OfferKind::Limit), // below the minimum
        offer("500", "0.08", 2, OfferKind::Limit),   // rate out of range
        offer("500", "0.0002", 1, OfferKind::Limit), // refused by the client, never sent
        offer("-500", "0.0002", 2, OfferKind::Limit), // borrowing: refused by the client
        offer("99000", "0.0002", 2, OfferKind::Limit), // not enough balance
        offer("0.01", "0.0002", 2, OfferKind::Limit), // a BTC-sized amount in USD
    ];
    for d in &submits {
        let (calls, mine) = (sim.api_calls(), fast.api_calls());
        let a = fast.submit_offer("USD", d).await;
        let http_calls = sim.api_calls();
        let b = http.submit_offer("USD", d).await;
        assert_eq!(
            fast.api_calls() - mine,
            sim.api_calls() - http_calls,
            "{d:?}"
        );
        assert_eq!(http_calls, calls, "the in-process path made no request");
        match (a, b) {
            (Ok(mut a), Ok(b)) => {
                assert_ne!(a.id, b.id);
                a.id = b.id;
                assert_eq!(a, b);
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "{d:?}"),
            (a, b) => panic!("{d:?}: {a:?} / {b:?}"),
        }
    }
    let btc_offer = offer("0.01", "0.0002", 2, OfferKind::Limit);
    let a = fast.submit_offer("BTC", &btc_offer).await.unwrap();
    let b = http.submit_offer("BTC", &btc_offer).await.unwrap();
    assert_eq!(
        (a.currency.as_str(), a.amount),
        (b.currency.as_str(), b.amount)
    );
    same!(active_offers).unwrap();
    same!(funding_wallets).unwrap();
    same!(market, "USD").unwrap();
    assert_eq!(
        same!(cancel_offer, 42).unwrap_err(),
        ExchangeError::Rejected("Offer not found.".into())
    );
    let first = fast.active_offers().await.unwrap()[0].id;
    fast.cancel_offer(first).await.unwrap();
    same!(cancel_offer, first).unwrap_err();

    // The market moves: fills, loans, repayments, interest.
    let mut lent = 0;
    for _ in 0..48 {
        sim.advance(30 * 60_000);
        same!(funding_wallets).unwrap();
        same!(active_offers).unwrap();
        lent += same!(credits).unwrap().len();
        same!(market, "USD").unwrap();
    }
    assert!(lent > 0, "some offers filled");

    // More closed offers than one page of history holds, some closed in the same
    // millisecond: read back page by page the same way.
    let since = sim.now();
    for i in 0..620 {
        let d = offer("150", "0.0069", 2, OfferKind::Limit);
        let o = if i % 2 == 0 {
            fast.submit_offer("USD", &d).await
        } else {
            http.submit_offer("USD", &d).await
        }
        .unwrap();
        fast.cancel_offer(o.id).await.unwrap();
        if i % 3 == 0 {
            sim.advance(1);
        }
    }
    let hist = same!(offer_history, "USD", since).unwrap();
    assert!(hist.len() > 500, "{}", hist.len());
    same!(offer_history, "USD", since + 100).unwrap();
    same!(offer_history, "BTC", 0).unwrap();
    h.stop().await;
}
