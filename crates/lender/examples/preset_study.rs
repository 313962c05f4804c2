//! Replays markets through bfx-sim with the real engine for each preset and prints what each
//! would have earned (the v1 study; strategy v2 is chosen with the backtest example strategy_study, docs/strategy.md).
//!
//! `cargo run --release -p lender --example preset_study -- ../shared/data`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::driver::Tape;
use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig};
use lender::bfx_exchange::BfxExchange;
use lender::engine::{Engine, EngineConfig};
use lender::exchange::Clock;
use lender::{Preset, StrategySettings};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

struct SimTime(Sim);
impl Clock for SimTime {
    fn now_mts(&self) -> i64 {
        self.0.now()
    }
}

const HOUR: i64 = 3_600_000;

/// Net interest (after the 15 % fee) earned up to `end`, and the time-average utilization.
async fn run(market: MarketSpec, seed: u64, start: i64, hours: i64, preset: Preset) -> (f64, f64) {
    let sim = Sim::new(SimConfig {
        seed,
        start_mts: start,
        clock: ClockMode::Manual,
        market,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("10000");
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let mut cfg = ClientConfig::for_base(&h.url);
    cfg.rate_limits = false;
    cfg.timeout = Duration::from_secs(5);
    let client =
        Arc::new(Client::new(cfg, Some(Credentials::new(&demo.key, &demo.secret))).unwrap());
    let store = Arc::new(store::Store::open_in_memory().unwrap());
    let mut e = Engine::new(
        BfxExchange::new(client),
        store,
        Arc::new(SimTime(sim.clone())),
        EngineConfig::default(),
    )
    .unwrap();
    e.set_settings("USD", StrategySettings::preset(preset))
        .unwrap();
    e.start().unwrap();
    let mut util = 0.0;
    let steps = hours * 12;
    for _ in 0..steps {
        sim.advance(5 * 60_000);
        e.cycle().await.unwrap();
        let s = e.status();
        if let Some(c) = s.currencies.first().filter(|c| !c.total.is_zero()) {
            util += (c.lent / c.total).to_f64().unwrap_or(0.0);
        }
    }
    let end = sim.now();
    let earned = sim.with_world(|w| {
        let a = &w.accounts[&demo.account];
        let m = &w.markets["fUSD"];
        a.credit_hist
            .iter()
            .chain(m.credits.iter().filter(|c| c.account == demo.account))
            .map(|c| {
                let stop = c.ends.min(end).max(c.opened + HOUR);
                c.amount * c.rate * Decimal::from(stop - c.opened) / Decimal::from(24 * HOUR)
                    * Decimal::new(85, 2)
            })
            .sum::<Decimal>()
    });
    h.stop().await;
    (earned.to_f64().unwrap_or(0.0), util / steps as f64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data".into()),
    );
    let presets = Preset::ALL;
    println!(
        "| market | hours | {} |",
        presets
            .iter()
            .map(|p| format!("{p:?} APR / utilization"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|---|{}", "---|".repeat(presets.len()));
    let mut markets: Vec<(String, MarketSpec, u64, i64, i64)> = Vec::new();
    for day in ["trades_fUSD_2026-05-01.csv", "trades_fUSD_2026-06-21.csv"] {
        let tape =
            Tape::from_csv(std::fs::File::open(data.join(day)).expect("tape")).expect("valid tape");
        let (a, b) = tape.span().unwrap();
        let hours = (b - a) / HOUR + 1;
        markets.push((
            format!("real tape {}", &day[12..22]),
            MarketSpec::Replay {
                symbol: "fUSD".into(),
                tape,
            },
            3,
            a - 60_000,
            hours,
        ));
    }
    for seed in 1..=5u64 {
        markets.push((
            format!("synthetic seed {seed}, 7 days"),
            MarketSpec::Synthetic,
            seed,
            1_780_272_000_000,
            7 * 24,
        ));
    }
    for (name, market, seed, start, hours) in markets {
        let mut cells = Vec::new();
        let mut spec = Some(market);
        for p in presets {
            let m = match spec.take() {
                Some(m) => m,
                None => unreachable!(),
            };
            let cloned = match &m {
                MarketSpec::Replay { symbol, tape } => MarketSpec::Replay {
                    symbol: symbol.clone(),
                    tape: tape.clone(),
                },
                MarketSpec::Synthetic => MarketSpec::Synthetic,
                MarketSpec::Idle => MarketSpec::Idle,
                MarketSpec::SyntheticWith(c) => MarketSpec::SyntheticWith(c.clone()),
                MarketSpec::RealData {
                    symbol,
                    data,
                    calibration,
                } => MarketSpec::RealData {
                    symbol: symbol.clone(),
                    data: data.clone(),
                    calibration: calibration.clone(),
                },
            };
            spec = Some(m);
            let (earned, util) = run(cloned, seed, start, hours, p).await;
            let apr = earned / 10_000.0 / (hours as f64 / 24.0) * 365.0 * 100.0;
            cells.push(format!("{apr:.2} % / {:.0} %", util * 100.0));
        }
        println!("| {name} | {hours} | {} |", cells.join(" | "));
    }
}
