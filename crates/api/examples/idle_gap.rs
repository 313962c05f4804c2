//! Idle gap in the demo: how long money that comes back to the funding wallet (a loan repaid,
//! early or at maturity) waits before the engine offers it again. Runs the demo's set-up — an
//! in-process bfx-sim at the demo's speed, the real engine loop with its adaptive polling —
//! and watches the exchange. Prints JSON with the median, 90th percentile and maximum in real
//! seconds. `cargo run --release -p api --example idle_gap -- [MINUTES]` (default 5).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig};
use lender::bfx_exchange::BfxExchange;
use lender::engine::{self, Engine, EngineCommand, EngineConfig};
use lender::exchange::Clock;

struct SimTime(Sim);

impl Clock for SimTime {
    fn now_mts(&self) -> i64 {
        self.0.now()
    }
}

#[tokio::main]
async fn main() {
    let minutes: u64 = std::env::args()
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(5);
    let speed = api::DEMO_SPEED;
    let sim = Sim::new(SimConfig {
        seed: 11,
        clock: ClockMode::Accelerated { speed },
        market: MarketSpec::Synthetic,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("10000");
    let h = sim.serve("127.0.0.1:0").await.expect("serve");
    let mut cfg = ClientConfig::for_base(&h.url);
    cfg.rate_limits = false;
    let client = Arc::new(
        Client::new(cfg, Some(Credentials::new(&demo.key, &demo.secret))).expect("client"),
    );
    let store = Arc::new(store::Store::open_in_memory().expect("store"));
    let e = Engine::new(
        BfxExchange::new(client),
        store,
        Arc::new(SimTime(sim.clone())),
        EngineConfig::default(),
    )
    .expect("engine");
    let (handle, _task) = engine::spawn(e);
    handle.send(EngineCommand::Start).await.expect("start");
    // Every credit that closed, and the first offer the account placed after it.
    let deadline = Instant::now() + Duration::from_secs(minutes * 60);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let gaps_sim: Vec<i64> = sim.with_world(|w| {
        let a = &w.accounts[&demo.account];
        let mut created: Vec<i64> = a
            .offer_hist
            .iter()
            .map(|o| o.created)
            .chain(
                w.markets["fUSD"]
                    .offers
                    .iter()
                    .filter(|o| o.account == Some(demo.account))
                    .map(|o| o.created),
            )
            .collect();
        created.sort_unstable();
        a.credit_hist
            .iter()
            .filter_map(|c| c.closed)
            .filter_map(|closed| created.iter().find(|t| **t >= closed).map(|t| t - closed))
            .collect()
    });
    let mut real: Vec<f64> = gaps_sim
        .iter()
        .map(|g| *g as f64 / 1000.0 / speed)
        .collect();
    real.sort_by(f64::total_cmp);
    let q = |p: f64| {
        real.get(((real.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "{}",
        serde_json::json!({
            "minutes": minutes,
            "demo_speed": speed,
            "returns": real.len(),
            "median_s": q(0.5),
            "p90_s": q(0.9),
            "max_s": real.last().copied().unwrap_or(f64::NAN),
        })
    );
}
