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
//! - the **market-average lender**: Auto-Renew at FRR (2 days, Bitfinex's default) under the
//!   calibrated FRR rule — FRR offers wait behind the line of other lenders' FRR offers (the
//!   headline baseline);
//! - **Auto-Renew at FRR** at the two edges of the sensitivity band: *filled whenever the
//!   market reaches FRR* (nobody in front) and *if every FRR offer filled* (taken first);
//! - a **fixed offer at the market ask** (everything in one offer at the lowest ask, 2 days);
//! - **MikaLendingBot's default** configuration ([`mika_default`]);
//! - **idle** money (zero);
//! - the **hindsight bound**: the most any lender could have earned knowing every borrower in
//!   advance, with the same fills, loan lives and balance (an exact min-cost flow,
//!   `yardstick::hindsight_bound`); it bounds every line except the upper Auto-Renew edge.
//!
//! What it is not: a second implementation of the strategy. The engine and planner are the
//! live ones (and, over HTTP, the exchange client too); only the clock is stepped.

mod chart;
mod run;
mod sim_exchange;
pub mod walk;

pub use chart::{chart_png, chart_svg};
pub use run::{BacktestError, run};
pub use sim_exchange::SimExchange;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which market to replay.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one per backtest
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
    /// Real market data (candles, funding statistics, tapes where present) from `from`, the
    /// holes bridged by the calibrated model.
    RealData {
        /// A name for reports (the window).
        name: String,
        /// The data.
        data: bfx_sim::ReplayData,
        /// Window start (UTC ms).
        from: i64,
        /// The model's calibration for what the data does not show.
        calibration: bfx_sim::Calibration,
    },
}

impl MarketSource {
    /// A label for reports.
    pub fn label(&self) -> String {
        match self {
            Self::Tape { name, .. } => format!("tape {name}"),
            Self::Synthetic { seed } => format!("synthetic seed {seed}"),
            Self::RealData { name, .. } => format!("real fUSD {name}"),
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
    /// The market-average lender: Bitfinex Auto-Renew at FRR (2 days) under the calibrated FRR
    /// rule (FRR offers wait behind the line of other lenders' FRR offers).
    MarketAverage,
    /// Auto-Renew at FRR, lower edge of the band: FRR offers fill whenever a bid or trade
    /// reaches FRR, with nobody in front.
    AutoRenewConservative,
    /// Auto-Renew at FRR, upper edge of the band: FRR offers are taken first by any bid.
    AutoRenewOptimistic,
    /// Everything in one offer at the lowest ask.
    FixedAtAsk,
    /// MikaLendingBot's default configuration.
    Mika,
    /// Not lent.
    Idle,
    /// The best any lender could have earned knowing the future, under the same fill model.
    HindsightBound,
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
    /// For real data: how much of the window was recorded and how the holes were bridged.
    pub coverage: Option<String>,
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
            "{:<60} {:>12} {:>8} {:>8} {:>9} {:>16} {:>7} {:>7} {:>8} {:>10}",
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
                "{:<60} {:>12} {:>8} {:>8} {:>9} {:>16} {:>7} {:>7} {:>8} {:>10}",
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
            "The hindsight bound is the most any lender could have earned knowing every borrower in advance (when each came, how much it took, at what rate at most, when it repaid), with the same fills and the same balance: an exact optimum, so \"share of the bound\" is the share of what was achievable. It bounds every line except the upper Auto-Renew edge, which assumes FRR offers are taken before cheaper ones."
        );
        s
    }
}

/// The settings of the fixed-offer baseline: one offer of everything at the lowest ask, 2 days,
/// left there until it fills (a naive bot; money that comes back is offered at the ask of the
/// moment).
pub fn fixed_at_ask() -> lender::StrategySettings {
    let mut s = lender::StrategySettings::preset(lender::Preset::Steady);
    s.preset = lender::Preset::Custom;
    s.long_share = Decimal::ZERO;
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

/// MikaLendingBot's default configuration (`default.cfg.example`) for a balance of `balance`:
/// `spreadlend = 3` offers between `gapbottom = 10` and `gaptop = 200` per cent of the
/// lendable balance of book depth, `mindailyrate = 0.005` % (5e-5), 2 days (its
/// `xdaythreshold` of 0.2 %/day is never reached in 2026), offers cancelled and placed again on
/// every loop (here: every engine cycle, 5 minutes, instead of every 60 s).
pub fn mika_default(balance: Decimal) -> lender::StrategySettings {
    let mut s = fixed_at_ask();
    s.tranches = 3;
    s.gap_bottom_usd = (balance * Decimal::new(10, 2)).round_dp(2);
    s.gap_top_usd = (balance * Decimal::from(2)).round_dp(2);
    s.min_daily_rate = Decimal::new(5, 5);
    s.reprice_after_minutes = 5;
    s
}
