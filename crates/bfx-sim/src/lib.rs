//! `bfx-sim`: a local emulator of Bitfinex's funding (margin lending) market.
//!
//! It serves the same REST v2 paths, array layouts, notification envelopes and error bodies
//! as Bitfinex on 127.0.0.1, with accounts and API keys of any permission set, wallets,
//! a funding book per symbol (`fUSD`, `fUST`, `fBTC`, `fETH`) where simulated borrowers take
//! the cheapest offers, credits that are repaid early or at maturity, interest paid daily into
//! the funding wallet as Bitfinex does, and a clock that runs in real time, faster, or only
//! when told. Faults (errors, latency, timeouts, dropped connections, rate limits, maintenance,
//! lost responses) are switched on through an admin API.
//!
//! The tests, the desktop app's demo and every backtest run against it.
//!
//! It is not Bitfinex: no trading, margin positions, WebSockets or transfers to other users,
//! and the market is a model (see the crate README for the fill model and its calibration).
//!
//! # In-process use
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use bfx_sim::{ClockMode, Sim, SimConfig};
//! let sim = Sim::new(SimConfig { clock: ClockMode::Accelerated { speed: 60.0 }, ..SimConfig::default() });
//! let demo = sim.demo_account("10000");
//! let handle = sim.serve("127.0.0.1:0").await?;
//! println!("{} key={} (admin {})", handle.url, demo.key, handle.admin_url);
//! # Ok(()) }
//! ```

mod admin;
pub mod calibrate;
pub mod clock;
pub mod driver;
pub mod faults;
pub mod replay;
mod server;
pub mod world;

use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde_json::{Value, json};

pub use clock::{ClockMode, SimClock};
pub use driver::{Calibration, Candle, Driver, FundingStat, ReplayData, Tape, TapeError, TapeRow};
pub use faults::{Fault, RateLimitForm};
pub use world::{FillModel, FrrRule, Opportunity, World};

/// How to build a simulator.
pub struct SimConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Simulated start time (UTC ms).
    pub start_mts: i64,
    /// How time moves.
    pub clock: ClockMode,
    /// What moves the market.
    pub market: MarketSpec,
    /// How our offers compete.
    pub fill: FillModel,
}

/// The market driver to use.
pub enum MarketSpec {
    /// No demand.
    Idle,
    /// The seeded synthetic market.
    Synthetic,
    /// A recorded tape for a symbol.
    Replay {
        /// Symbol (`fUSD`).
        symbol: String,
        /// The tape.
        tape: Tape,
    },
    /// The calibrated synthetic market with a given calibration.
    SyntheticWith(Calibration),
    /// A replay of real data (tapes, candles, funding statistics) from the start time, the
    /// holes bridged by the model with this calibration.
    RealData {
        /// Symbol (`fUSD`).
        symbol: String,
        /// The data.
        data: ReplayData,
        /// The model's calibration for what the data does not show.
        calibration: Calibration,
    },
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            // 2026-06-01T00:00:00Z
            start_mts: 1_780_272_000_000,
            clock: ClockMode::Manual,
            market: MarketSpec::Synthetic,
            fill: FillModel::default(),
        }
    }
}

pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) clock: Mutex<SimClock>,
    pub(crate) faults: Mutex<faults::Faults>,
    pub(crate) fault_rng: Mutex<ChaCha8Rng>,
    /// API requests answered (`/v2/...`), for "API calls per hour" in backtests.
    pub(crate) requests: std::sync::atomic::AtomicU64,
}

/// A simulator. Clone it freely: clones share the same exchange.
#[derive(Clone)]
pub struct Sim {
    shared: Arc<Shared>,
}

/// The demo account created by [`Sim::demo_account`].
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Account id.
    pub account: u64,
    /// API key (lending permissions, no withdraw).
    pub key: String,
    /// Its secret.
    pub secret: String,
}

/// A running server.
pub struct SimHandle {
    /// Base URL for clients (`http://127.0.0.1:PORT`; they append `/v2/...`).
    pub url: String,
    /// Admin base URL (`http://127.0.0.1:PORT/admin`).
    pub admin_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Sim {
    /// Builds a simulator.
    pub fn new(cfg: SimConfig) -> Self {
        let driver = match cfg.market {
            MarketSpec::Idle => Driver::Idle,
            MarketSpec::Synthetic => Driver::synthetic(cfg.seed, cfg.start_mts),
            MarketSpec::Replay { symbol, tape } => Driver::replay(&symbol, tape, cfg.seed),
            MarketSpec::SyntheticWith(cal) => Driver::Market(Box::new(
                driver::Synthetic::with_calibration(cfg.seed, cfg.start_mts, cal),
            )),
            MarketSpec::RealData {
                symbol,
                data,
                calibration,
            } => Driver::Market(Box::new(driver::Synthetic::replay(
                &symbol,
                &data,
                cfg.seed,
                cfg.start_mts,
                calibration,
            ))),
        };
        let mut world = World::new(cfg.seed, cfg.start_mts, driver);
        world.fill = cfg.fill;
        Self {
            shared: Arc::new(Shared {
                world: Mutex::new(world),
                clock: Mutex::new(SimClock::new(cfg.clock, cfg.start_mts)),
                faults: Mutex::new(faults::Faults::default()),
                fault_rng: Mutex::new(ChaCha8Rng::seed_from_u64(cfg.seed ^ 0xfa17)),
                requests: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Runs `f` on the exchange's state (brought up to the clock first).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let now = self.shared.clock.lock().now();
        let mut w = self.shared.world.lock();
        w.advance_to(now);
        f(&mut w)
    }

    /// Simulated now.
    pub fn now(&self) -> i64 {
        self.shared.clock.lock().now()
    }

    /// Moves the clock forward by `ms` and processes the market up to then.
    pub fn advance(&self, ms: i64) {
        let now = {
            let mut c = self.shared.clock.lock();
            c.advance(ms);
            c.now()
        };
        self.shared.world.lock().advance_to(now);
    }

    /// Moves the clock to `mts` (never backwards) and processes the market up to then.
    pub fn advance_to(&self, mts: i64) {
        let now = {
            let mut c = self.shared.clock.lock();
            c.set(mts);
            c.now()
        };
        self.shared.world.lock().advance_to(now);
    }

    /// How many API requests (`/v2/...`, public and authenticated) the server has received.
    pub fn api_calls(&self) -> u64 {
        self.shared
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Switches how the clock moves from now on (e.g. a history played in manual steps, then
    /// accelerated), keeping the current time.
    pub fn set_clock_mode(&self, mode: ClockMode) {
        self.shared.clock.lock().set_mode(mode);
    }

    /// Creates an account with `usd` in its funding wallet and a lending key (no withdraw).
    pub fn demo_account(&self, usd: &str) -> DemoAccount {
        self.with_world(|w| {
            let account = w.create_account();
            w.fund(
                account,
                "funding",
                "USD",
                usd.parse().unwrap_or(Decimal::from(10_000)),
            );
            w.fund(account, "exchange", "USD", Decimal::from(2_000));
            let (key, secret) = w.create_key(account, World::lending_permissions());
            DemoAccount {
                account,
                key,
                secret,
            }
        })
    }

    /// Sets a fault on an endpoint (path after `/v2/`, prefix match).
    pub fn set_fault(&self, endpoint: &str, fault: Fault) {
        self.shared
            .faults
            .lock()
            .by_endpoint
            .insert(endpoint.into(), fault);
    }

    /// Clears every fault and maintenance.
    pub fn clear_faults(&self) {
        let mut f = self.shared.faults.lock();
        f.by_endpoint.clear();
        f.blocked.clear();
        f.maintenance = false;
    }

    /// Switches maintenance on or off.
    pub fn set_maintenance(&self, on: bool) {
        self.shared.faults.lock().maintenance = on;
    }

    /// Serves on `addr` (use `127.0.0.1:0` for a free port).
    pub async fn serve(&self, addr: &str) -> std::io::Result<SimHandle> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = server::router(self.shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(SimHandle {
            url: format!("http://{addr}"),
            admin_url: format!("http://{addr}/admin"),
            addr,
            shutdown: Some(tx),
            task,
        })
    }
}

/// The whole state as JSON (the admin API's `GET /admin/state`), for test assertions.
pub fn state_json(w: &World) -> Value {
    let markets: Value = w
        .markets
        .values()
        .map(|m| {
            (
                m.symbol.clone(),
                json!({
                    "frr": m.frr.to_string(),
                    "market_rate": m.market_rate.to_string(),
                    "offers": m.offers.iter().filter(|o| o.account.is_some()).collect::<Vec<_>>(),
                    "other_offers": m.offers.iter().filter(|o| o.account.is_none()).count(),
                    "credits": m.credits,
                    "trades": m.trade_count,
                }),
            )
        })
        .collect::<serde_json::Map<String, Value>>()
        .into();
    let accounts: Value = w
        .accounts
        .values()
        .map(|a| {
            let wallets: serde_json::Map<String, Value> = a
                .wallets
                .iter()
                .map(|((t, c), b)| (format!("{t}:{c}"), json!(b.to_string())))
                .collect();
            (
                a.id.to_string(),
                json!({
                    "wallets": wallets,
                    "ledger": a.ledger,
                    "trades": a.trades,
                    "offer_hist": a.offer_hist,
                    "credit_hist": a.credit_hist,
                    "auto_renew": a.auto_renew,
                }),
            )
        })
        .collect::<serde_json::Map<String, Value>>()
        .into();
    json!({ "now": w.now, "markets": markets, "accounts": accounts })
}
