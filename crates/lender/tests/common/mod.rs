//! The engine against bfx-sim with a stepped clock, shared by the engine's test binaries.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::world::OfferKind as SimKind;
use bfx_sim::{MarketSpec, Sim, SimConfig, SimHandle};
use lender::bfx_exchange::{BfxExchange, StoreNonces};
use lender::engine::{Engine, EngineConfig};
use lender::exchange::Clock;
use rust_decimal::Decimal;
use store::Store;

pub struct SimTime(pub Sim);

impl Clock for SimTime {
    fn now_mts(&self) -> i64 {
        self.0.now()
    }
}

pub struct Rig {
    pub sim: Sim,
    pub _h: SimHandle,
    pub store: Arc<Store>,
    pub key: String,
    pub secret: String,
    pub url: String,
    pub account: u64,
    pub _dir: tempfile::TempDir,
}

pub async fn rig() -> Rig {
    let sim = Sim::new(SimConfig {
        seed: 21,
        market: MarketSpec::Synthetic,
        ..SimConfig::default()
    });
    let demo = sim.demo_account("10000");
    let h = sim.serve("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open_in_dir(dir.path()).unwrap());
    Rig {
        url: h.url.clone(),
        sim,
        _h: h,
        store,
        key: demo.key,
        secret: demo.secret,
        account: demo.account,
        _dir: dir,
    }
}

pub fn engine(r: &Rig) -> Engine<BfxExchange> {
    engine_with(r, EngineConfig::default())
}

pub fn engine_with(r: &Rig, engine_cfg: EngineConfig) -> Engine<BfxExchange> {
    engine_on_with(r, r.store.clone(), engine_cfg)
}

/// An engine on the rig's key with a database of its own (another data folder).
pub fn engine_on(r: &Rig, store: Arc<Store>) -> Engine<BfxExchange> {
    engine_on_with(r, store, EngineConfig::default())
}

fn engine_on_with(r: &Rig, store: Arc<Store>, engine_cfg: EngineConfig) -> Engine<BfxExchange> {
    let mut cfg = ClientConfig::for_base(&r.url);
    cfg.rate_limits = false;
    cfg.timeout = Duration::from_secs(1);
    cfg.nonce_store = Some(Arc::new(StoreNonces(store.clone())));
    let client = Arc::new(Client::new(cfg, Some(Credentials::new(&r.key, &r.secret))).unwrap());
    Engine::new(
        BfxExchange::new(client),
        store,
        Arc::new(SimTime(r.sim.clone())),
        engine_cfg,
    )
    .unwrap()
}

pub fn exchange_offers(r: &Rig) -> (Vec<i64>, Vec<i64>) {
    r.sim.with_world(|w| {
        let active: Vec<i64> = w.markets["fUSD"]
            .offers
            .iter()
            .filter(|o| o.account == Some(r.account))
            .map(|o| o.id)
            .collect();
        let mut all = active.clone();
        all.extend(w.accounts[&r.account].offer_hist.iter().map(|o| o.id));
        (active, all)
    })
}

/// An fUSD limit offer placed on the account as a person would on the website; its id.
pub fn place_by_hand(r: &Rig, amount: Decimal, rate: Decimal, period: u32) -> i64 {
    r.sim.with_world(|w| {
        w.submit_offer(
            r.account,
            "fUSD",
            SimKind::Limit,
            amount,
            rate,
            period,
            false,
        )
        .unwrap()
        .id
    })
}
