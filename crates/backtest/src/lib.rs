//! Backtests: "what would I have earned with these settings, compared with Auto-Renew and with
//! doing nothing?"
//!
//! A backtest replays a funding market (a recorded tape of real trades, or the seeded synthetic
//! market) through `bfx-sim` at full speed and runs the **real engine and planner** against it,
//! in process through [`SimExchange`] (the same answers the HTTP API gives, without sockets,
//! JSON or signing) or, with [`Transport::Http`], over HTTP exactly as live. Every contender
//! gets its own fresh exchange with the same market and the same starting balance:
//!
//! - the strategies asked for (presets or a settings file);
//! - **Auto-Renew at FRR**, under two assumptions about whether an FRR offer fills:
//!   *conservative* (only when trades print at or above FRR — the headline) and *optimistic*
//!   (like a market offer);
//! - a **fixed offer at the market ask** (everything in one offer at the lowest ask, 2 days);
//! - a **spread ladder** in the style of MarginBot/MikaLendingBot (5 offers spread between a
//!   bottom and a top gap in the book, always 2 days, no repricing);
//! - **idle** money (zero);
//! - **perfect foresight**: the whole balance lent all the time at each hour's highest traded
//!   rate — an upper bound for every contender under the conservative fill model (it does not
//!   bound optimistic Auto-Renew, whose FRR offers are assumed to fill at FRR even when no trade
//!   printed that high).
//!
//! What it is not: a second implementation of the strategy. The engine and planner are the
//! live ones (and, over HTTP, the exchange client too); only the clock is stepped.

mod chart;
mod run;
mod sim_exchange;

pub use chart::{chart_png, chart_svg};
pub use run::{BacktestError, run};
pub use sim_exchange::SimExchange;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which market to replay.
#[derive(Debug, Clone)]
pub enum MarketSource {
    /// A recorded tape of public funding trades (`id,mts,amount,rate,period`).
    Tape {
        /// A name for reports (the file name).
        name: String,
        /// The trades.
        tape: bfx_sim::Tape,
    },
    /// The seeded synthetic market.
    Synthetic {
        /// Seed: the same seed gives the same market.
        seed: u64,
    },
}

impl MarketSource {
    /// A label for reports.
    pub fn label(&self) -> String {
        match self {
            Self::Tape { name, .. } => format!("tape {name}"),
            Self::Synthetic { seed } => format!("synthetic seed {seed}"),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The market.
    pub market: MarketSource,
    /// How long (a tape is cut to its own span).
    pub hours: i64,
    /// Currency lent (the tapes are `fUSD`).
    pub currency: String,
    /// Starting funding balance.
    pub balance: Decimal,
    /// Our strategies to compare: `(name, settings)`.
    pub strategies: Vec<(String, lender::StrategySettings)>,
    /// The engine cycles every this many simulated minutes (live, it polls at least this often).
    pub step_minutes: i64,
    /// Most of one tape trade our offers may take (0–1): the replay's fill model.
    pub participation: Decimal,
    /// How the engine reaches the emulator: in process (the default, fast) or over HTTP as
    /// live (the reference the in-process path is checked against).
    pub transport: Transport,
}

/// How the engine reaches each contender's emulated exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Directly on the simulator ([`SimExchange`]): no sockets, JSON or signing. The same
    /// answers as over HTTP; faults and maintenance are not simulated on this path.
    #[default]
    InProcess,
    /// bfx-sim served on 127.0.0.1 and read through the real `bfx::Client`, as live.
    Http,
}

impl Spec {
    /// A spec with the defaults: 5-minute steps, half of each tape trade.
    pub fn new(market: MarketSource, hours: i64, balance: Decimal) -> Self {
        Self {
            market,
            hours,
            currency: "USD".into(),
            balance,
            strategies: Vec::new(),
            step_minutes: 5,
            participation: Decimal::new(5, 1),
            transport: Transport::default(),
        }
    }
}

/// What a contender is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Kind {
    /// One of our strategies, run by the real engine.
    Strategy,
    /// Bitfinex Auto-Renew at FRR; FRR offers fill only when trades print at or above FRR.
    AutoRenewConservative,
    /// Bitfinex Auto-Renew at FRR; FRR offers fill like market offers.
    AutoRenewOptimistic,
    /// Everything in one offer at the lowest ask.
    FixedAtAsk,
    /// Five offers spread over the book (MarginBot/MikaLendingBot style).
    SpreadLadder,
    /// Not lent.
    Idle,
    /// The whole balance at each hour's highest traded rate: an upper bound.
    PerfectForesight,
}

/// One contender's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Outcome {
    /// Name shown in the table.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Interest earned, net of Bitfinex's 15 % fee (accrued per second, as Bitfinex pays it).
    #[ts(type = "string")]
    pub earned: Decimal,
    /// Simple annual rate over the whole starting balance, idle time included.
    #[ts(type = "string")]
    pub apr: Decimal,
    /// Annual yield with daily compounding of the same daily return.
    #[ts(type = "string")]
    pub apy: Decimal,
    /// Lent ÷ balance, time-weighted (0–1).
    #[ts(type = "string")]
    pub utilization: Decimal,
    /// Daily rate of its loans, weighted by amount.
    #[ts(type = "string | null")]
    pub avg_rate: Option<Decimal>,
    /// Length of its loans in days, weighted by amount.
    #[ts(type = "string | null")]
    pub avg_period: Option<Decimal>,
    /// Offers placed.
    pub offers: u64,
    /// Offers cancelled.
    pub cancels: u64,
    /// API requests per hour of simulated time.
    #[ts(type = "string")]
    pub api_calls_per_hour: Decimal,
    /// Cumulative earnings, hourly: `(UTC ms, amount)`.
    #[ts(type = "Array<[number, string]>")]
    pub cumulative: Vec<(i64, Decimal)>,
}

/// A backtest's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Report {
    /// The market replayed.
    pub market: String,
    /// Start (UTC ms).
    #[ts(type = "number")]
    pub start_mts: i64,
    /// End (UTC ms).
    #[ts(type = "number")]
    pub end_mts: i64,
    /// Currency.
    pub currency: String,
    /// Starting balance.
    #[ts(type = "string")]
    pub balance: Decimal,
    /// The fill model: most of one tape trade our offers may take.
    #[ts(type = "string")]
    pub participation: Decimal,
    /// Every contender, in the order run.
    pub outcomes: Vec<Outcome>,
    /// Which Auto-Renew figure the headline compares with, and why.
    pub headline_baseline: String,
}

impl Report {
    /// The outcome of a kind (the first, for strategies).
    pub fn of(&self, kind: Kind) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.kind == kind)
    }

    /// The table for a terminal.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let days = Decimal::from(self.end_mts - self.start_mts) / Decimal::from(86_400_000);
        let mut s = format!(
            "{} · {} days · {} {} · fill model: our offers take at most {} % of each trade\n\n",
            self.market,
            days.round_dp(2),
            self.balance,
            self.currency,
            (self.participation * Decimal::from(100)).normalize()
        );
        let _ = writeln!(
            s,
            "{:<34} {:>12} {:>8} {:>8} {:>9} {:>16} {:>7} {:>7} {:>8} {:>10}",
            "",
            "earned",
            "APR",
            "APY",
            "lent",
            "avg rate/day",
            "days",
            "offers",
            "cancels",
            "calls/h"
        );
        let pct = |d: Decimal| format!("{:.2} %", d * Decimal::from(100));
        for o in &self.outcomes {
            let _ = writeln!(
                s,
                "{:<34} {:>12} {:>8} {:>8} {:>9} {:>16} {:>7} {:>7} {:>8} {:>10}",
                o.name,
                o.earned.round_dp(4).to_string(),
                pct(o.apr),
                pct(o.apy),
                pct(o.utilization),
                o.avg_rate
                    .map_or("—".into(), |r| format!("{:.4} %", r * Decimal::from(100))),
                o.avg_period
                    .map_or("—".into(), |p| p.round_dp(1).to_string()),
                o.offers,
                o.cancels,
                o.api_calls_per_hour.round_dp(0).to_string()
            );
        }
        let _ = writeln!(s, "\n{}", self.headline_baseline);
        let _ = writeln!(
            s,
            "Perfect foresight lends everything at each hour's highest traded rate: no line can beat it under the conservative fill model (optimistic Auto-Renew assumes fills at FRR that no trade printed)."
        );
        s
    }
}

/// The settings of the fixed-offer baseline: one offer of everything at the lowest ask, 2 days,
/// left there until it fills (a naive bot; money that comes back is offered at the ask of the
/// moment).
pub fn fixed_at_ask() -> lender::StrategySettings {
    let mut s = lender::StrategySettings::preset(lender::Preset::Conservative);
    s.preset = lender::Preset::Custom;
    s.tranches = 1;
    s.gap_bottom_usd = Decimal::ZERO;
    s.gap_top_usd = Decimal::ZERO;
    s.spike_fraction = Decimal::ZERO;
    s.period_thresholds = Vec::new();
    s.min_daily_rate = Decimal::new(1, 8);
    s.min_rate_frr_factor = None;
    s.reprice_after_minutes = 0;
    s
}

/// The settings of the spread-ladder baseline, as MarginBot and MikaLendingBot configure it:
/// five offers ("spread 5") between a bottom and a top gap of the book, 2 days; offers that
/// sat an hour are placed again lower (those bots cancel and re-place on every loop).
pub fn spread_ladder() -> lender::StrategySettings {
    let mut s = fixed_at_ask();
    s.tranches = 5;
    s.gap_bottom_usd = Decimal::from(50_000);
    s.gap_top_usd = Decimal::from(1_000_000);
    s.reprice_after_minutes = 60;
    s
}
