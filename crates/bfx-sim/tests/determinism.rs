//! Same seed or same tape → identical ledger.

mod common;

use bfx_sim::driver::Tape;
use bfx_sim::world::OfferKind;
use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig};
use common::{DAY, HOUR, START};
use rust_decimal::Decimal;

/// Runs a lender for `days` through `market`, placing offers every hour; returns its ledger.
fn run(market: MarketSpec, days: i64) -> Vec<(i64, i64, String, String)> {
    let sim = Sim::new(SimConfig {
        seed: 5,
        start_mts: START,
        clock: ClockMode::Manual,
        market,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("20000");
    for h in 1..=days * 24 {
        sim.advance_to(START + h * HOUR);
        sim.with_world(|w| {
            let avail = w.available(demo.account, "funding", "USD");
            if avail >= Decimal::from(300) {
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
                .expect("valid offer");
            }
        });
    }
    sim.with_world(|w| {
        w.accounts[&demo.account]
            .ledger
            .iter()
            .map(|l| (l.id, l.mts, l.amount.to_string(), l.description.clone()))
            .collect()
    })
}

#[test]
fn the_synthetic_market_gives_identical_ledgers_for_a_seed() {
    let a = run(MarketSpec::Synthetic, 4);
    let b = run(MarketSpec::Synthetic, 4);
    assert!(
        a.iter()
            .filter(|r| r.3.starts_with("Margin Funding Payment"))
            .count()
            >= 3,
        "{a:?}"
    );
    assert_eq!(a, b);
}

#[test]
fn a_tape_gives_identical_ledgers_and_fills_per_the_fill_model() {
    let tape = Tape::synthetic(20_000, 9, START);
    let a = run(
        MarketSpec::Replay {
            symbol: "fUSD".into(),
            tape: tape.clone(),
        },
        3,
    );
    let b = run(
        MarketSpec::Replay {
            symbol: "fUSD".into(),
            tape,
        },
        3,
    );
    assert!(
        a.iter().any(|r| r.3.starts_with("Margin Funding Payment")),
        "{a:?}"
    );
    assert_eq!(a, b);
}

#[test]
fn in_replay_our_offer_fills_only_against_trades_at_or_above_its_rate() {
    let csv = "id,mts,amount,rate,period\n1,START1,1000,0.0001,2\n2,START2,1000,0.0003,2\n"
        .replace("START1", &(START + HOUR).to_string())
        .replace("START2", &(START + 2 * HOUR).to_string());
    let tape = Tape::from_csv(csv.as_bytes()).unwrap();
    let sim = Sim::new(SimConfig {
        seed: 1,
        start_mts: START,
        clock: ClockMode::Manual,
        market: MarketSpec::Replay {
            symbol: "fUSD".into(),
            tape,
        },
        ..SimConfig::default()
    });
    let demo = sim.demo_account("5000");
    sim.with_world(|w| {
        w.submit_offer(
            demo.account,
            "fUSD",
            OfferKind::Limit,
            Decimal::from(2000),
            Decimal::new(2, 4),
            2,
            false,
        )
        .unwrap()
    });
    sim.advance_to(START + HOUR + 1);
    assert_eq!(
        sim.with_world(|w| w.accounts[&1].trades.len()),
        0,
        "a trade at 0.0001 does not reach an offer at 0.0002"
    );
    sim.advance_to(START + 2 * HOUR + 1);
    let filled = sim.with_world(|w| {
        w.accounts[&1]
            .trades
            .iter()
            .map(|t| t.amount)
            .sum::<Decimal>()
    });
    assert_eq!(
        filled,
        Decimal::from(500),
        "at most half (the participation cap) of a 1000 trade"
    );
    sim.advance_to(START + 3 * DAY);
    assert!(sim.with_world(|w| w.accounts[&1].ledger.iter().any(|l| l.category == 28)));
}

#[test]
fn in_replay_the_other_lenders_book_follows_the_tape() {
    // An hour at 1e-4, then two at 3e-4.
    let mut csv = String::from("id,mts,amount,rate,period\n");
    for i in 0..180 {
        let rate = if i < 60 { "0.0001" } else { "0.0003" };
        csv.push_str(&format!("{},{},-100,{rate},2\n", i + 1, START + i * 60_000));
    }
    let tape = Tape::from_csv(csv.as_bytes()).unwrap();
    let sim = Sim::new(SimConfig {
        seed: 1,
        start_mts: START,
        clock: ClockMode::Manual,
        market: MarketSpec::Replay {
            symbol: "fUSD".into(),
            tape,
        },
        ..SimConfig::default()
    });
    let best = |sim: &Sim| {
        sim.with_world(|w| {
            w.markets["fUSD"]
                .offers
                .iter()
                .filter(|o| o.account.is_none() && o.period <= 7)
                .map(|o| o.rate)
                .min()
                .unwrap()
        })
    };
    sim.advance_to(START + 20 * 60_000);
    let before = best(&sim);
    sim.advance_to(START + 150 * 60_000);
    let after = best(&sim);
    assert!(
        before < Decimal::new(16, 5) && after > Decimal::new(2, 4),
        "the book moved from {before} (tape at 0.0001) toward the tape's 0.0003: {after}"
    );
}
