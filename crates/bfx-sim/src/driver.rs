//! What moves the market: the calibrated synthetic generator, or a replay of real data (trade
//! tapes, 1-minute candles and hourly funding statistics) with the holes bridged by the same
//! generator. Both are deterministic for a given input and seed.
//!
//! # The market model (every assumption, with its source: `docs/market-model.md`)
//! - **FRR** is a level of its own, not a trade average: it moves in small quantised steps
//!   (1e-8 of FRR/365, Bitfinex's resolution) a few times a week. In replays it is read from
//!   `funding/stats` × 365.
//! - **The short market** (2–7-day loans, ~98 % of traded volume) trades around a level that is
//!   a fraction of FRR (`short_ratio`), following a mean-reverting process on its logarithm with
//!   occasional spikes. Borrowers arrive as a Poisson process, each wanting a log-normally
//!   distributed amount, and sweep the book's cheapest offers up to a rate a little above the
//!   level. In replays the level follows the real candles and tapes.
//! - **The long market** (10–120-day loans): borrowers bid near `long_bid_ratio` × FRR (the
//!   standing 120-day bid seen on the real book); a bid sweeps what is on offer at or below it
//!   and the rest *rests* for a while, so that an offer placed under it fills at the bid's rate,
//!   until other lenders take it. A share of long bids reaches FRR.
//! - **FRR offers** sit at the FRR price level behind a deep pool of other lenders' FRR offers
//!   (60.6 M USD was seen waiting at FRR); a bid that reaches FRR takes the pool in time order,
//!   and an FRR offer fills only when the line in front of it has been taken.
//! - **Loans** are repaid when the borrower's position closes: each borrower carries its loan's
//!   life (log-normal, median by period from a real account; most long loans run for weeks),
//!   capped at maturity.

use std::collections::{BTreeSet, VecDeque};
use std::io::Read;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use rust_decimal::prelude::*;

use crate::world::{DAY_MS, HOUR_MS, SYMBOLS};

/// A market event.
#[derive(Debug, Clone, PartialEq)]
pub enum Demand {
    /// The short market's level moved: rebuild the other lenders' book around it.
    SetRate {
        /// Symbol.
        symbol: String,
        /// New level (daily).
        rate: Decimal,
    },
    /// FRR changed.
    SetFrr {
        /// Symbol.
        symbol: String,
        /// New FRR (daily).
        frr: Decimal,
    },
    /// A borrower takes funding: sweeps the book's cheapest offers up to `max_rate`.
    Borrow {
        /// Symbol.
        symbol: String,
        /// Amount wanted.
        amount: Decimal,
        /// Period wanted (days).
        period: u32,
        /// Highest rate accepted.
        max_rate: Decimal,
        /// How long the borrower keeps the money (before the maturity cap).
        life_ms: i64,
    },
    /// A long-period bid: sweeps what is on offer at or below `rate`, then rests on the book
    /// for `rest_ms` (offers placed under it fill at its rate) before other lenders take the
    /// rest.
    LongBid {
        /// Symbol.
        symbol: String,
        /// Amount wanted.
        amount: Decimal,
        /// Period (days).
        period: u32,
        /// The bid's rate.
        rate: Decimal,
        /// How long the rest stays on the book.
        rest_ms: i64,
        /// How long the borrower keeps the money.
        life_ms: i64,
    },
    /// A recorded trade (replay), or one of the pseudo-trades a recorded 1-minute candle is
    /// split into.
    TapeTrade {
        /// Symbol.
        symbol: String,
        /// Trade id.
        id: i64,
        /// Amount (negative: a borrower took offers).
        amount: Decimal,
        /// Rate.
        rate: Decimal,
        /// Period.
        period: u32,
        /// How long the borrower keeps the money.
        life_ms: i64,
    },
}

impl Demand {
    /// The symbol it is for.
    pub fn symbol(&self) -> &str {
        match self {
            Self::SetRate { symbol, .. }
            | Self::SetFrr { symbol, .. }
            | Self::Borrow { symbol, .. }
            | Self::LongBid { symbol, .. }
            | Self::TapeTrade { symbol, .. } => symbol,
        }
    }
}

/// One row of a funding-trades tape (`id,mts,amount,rate,period`).
#[derive(Debug, Clone, PartialEq)]
pub struct TapeRow {
    /// Trade id.
    pub id: i64,
    /// When (UTC ms).
    pub mts: i64,
    /// Amount.
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period (days).
    pub period: u32,
}

/// A recorded tape, sorted by time.
#[derive(Debug, Clone, Default)]
pub struct Tape {
    /// The rows.
    pub rows: Vec<TapeRow>,
}

/// Errors reading recorded data.
#[derive(Debug, thiserror::Error)]
pub enum TapeError {
    /// CSV problem.
    #[error("cannot read the file: {0}")]
    Csv(#[from] csv::Error),
    /// A row that does not parse.
    #[error("row {row}: {message}")]
    Row {
        /// 1-based data row.
        row: usize,
        /// What is wrong.
        message: String,
    },
}

impl Tape {
    /// Reads a CSV with a header containing `id,mts,amount,rate,period` (extra columns ignored).
    pub fn from_csv(reader: impl Read) -> Result<Self, TapeError> {
        let mut rdr = csv::Reader::from_reader(reader);
        let headers = rdr.headers()?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(ci), Some(cm), Some(ca), Some(cr), Some(cp)) = (
            col("id"),
            col("mts"),
            col("amount"),
            col("rate"),
            col("period"),
        ) else {
            return Err(TapeError::Row {
                row: 0,
                message: "the header needs id,mts,amount,rate,period".into(),
            });
        };
        let mut rows = Vec::new();
        for (n, rec) in rdr.records().enumerate() {
            let rec = rec?;
            let get = |i: usize| rec.get(i).unwrap_or("").trim().to_owned();
            let bad = |what: &str| TapeError::Row {
                row: n + 1,
                message: format!("bad {what}"),
            };
            rows.push(TapeRow {
                id: get(ci).parse().map_err(|_| bad("id"))?,
                mts: get(cm).parse().map_err(|_| bad("mts"))?,
                amount: dec(&get(ca)).ok_or_else(|| bad("amount"))?,
                rate: dec(&get(cr)).ok_or_else(|| bad("rate"))?,
                period: get(cp).parse().map_err(|_| bad("period"))?,
            });
        }
        rows.sort_by_key(|r| (r.mts, r.id));
        Ok(Self { rows })
    }

    /// A synthetic tape of `n` trades from the synthetic generator's fUSD process (for
    /// benchmarks and tests that need a big tape).
    pub fn synthetic(n: usize, seed: u64, start_mts: i64) -> Self {
        let mut g = Synthetic::new(seed, start_mts);
        let mut rows = Vec::with_capacity(n);
        let mut id = 1;
        while rows.len() < n {
            for d in g.pop() {
                let (symbol, amount, period, rate) = match d {
                    Demand::Borrow {
                        symbol,
                        amount,
                        period,
                        max_rate,
                        ..
                    } => (symbol, -amount, period, max_rate),
                    Demand::LongBid {
                        symbol,
                        amount,
                        period,
                        rate,
                        ..
                    } => (symbol, amount, period, rate),
                    _ => continue,
                };
                if symbol == "fUSD" {
                    rows.push(TapeRow {
                        id,
                        mts: g.last_time,
                        amount,
                        rate,
                        period,
                    });
                    id += 1;
                }
            }
        }
        Self { rows }
    }

    /// First and last timestamps.
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((self.rows.first()?.mts, self.rows.last()?.mts))
    }
}
fn dec(s: &str) -> Option<Decimal> {
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .ok()
}

/// One 1-minute funding candle (`trade:1m:fUSD:a30:p2:p30`: periods 2–30 days only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candle {
    /// Minute start (UTC ms).
    pub mts: i64,
    /// First rate.
    pub open: f64,
    /// Last rate.
    pub close: f64,
    /// Highest rate.
    pub high: f64,
    /// Lowest rate.
    pub low: f64,
    /// Volume (currency units).
    pub volume: f64,
}

/// One `funding/stats` point, FRR already × 365 (a daily rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FundingStat {
    /// When (UTC ms).
    pub mts: i64,
    /// FRR (daily).
    pub frr: f64,
    /// Average period of the outstanding funding (days).
    pub avg_period: f64,
    /// Funding provided.
    pub amount: f64,
    /// Funding used.
    pub used: f64,
}

fn csv_columns(rdr: &mut csv::Reader<impl Read>, names: &[&str]) -> Result<Vec<usize>, TapeError> {
    let headers = rdr.headers()?.clone();
    names
        .iter()
        .map(|n| {
            headers
                .iter()
                .position(|h| h.trim() == *n)
                .ok_or_else(|| TapeError::Row {
                    row: 0,
                    message: format!("the header needs {}", names.join(",")),
                })
        })
        .collect()
}

fn parse_rows<T>(
    reader: impl Read,
    names: &[&str],
    make: impl Fn(&[f64]) -> Option<T>,
) -> Result<Vec<T>, TapeError> {
    let mut rdr = csv::Reader::from_reader(reader);
    let cols = csv_columns(&mut rdr, names)?;
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let vals: Option<Vec<f64>> = cols
            .iter()
            .map(|&c| rec.get(c).and_then(|v| v.trim().parse::<f64>().ok()))
            .collect();
        let bad = || TapeError::Row {
            row: n + 1,
            message: format!("a value of {} is not a number", names.join(",")),
        };
        let vals = vals
            .filter(|v| v.iter().all(|x| x.is_finite()))
            .ok_or_else(bad)?;
        out.push(make(&vals).ok_or_else(bad)?);
    }
    Ok(out)
}

impl Candle {
    /// Reads `mts,open,close,high,low,volume` (extra columns ignored), sorted by time, one
    /// row per minute (the last of duplicates wins).
    pub fn from_csv(reader: impl Read) -> Result<Vec<Self>, TapeError> {
        let mut rows = parse_rows(
            reader,
            &["mts", "open", "close", "high", "low", "volume"],
            |v| {
                (v[0] >= 0.0 && v[1..5].iter().all(|r| *r >= 0.0) && v[5] >= 0.0).then_some(
                    Candle {
                        mts: v[0] as i64,
                        open: v[1],
                        close: v[2],
                        high: v[3],
                        low: v[4],
                        volume: v[5],
                    },
                )
            },
        )?;
        rows.sort_by_key(|c| c.mts);
        rows.dedup_by(|b, a| {
            if a.mts == b.mts {
                *a = *b;
                true
            } else {
                false
            }
        });
        Ok(rows)
    }
}

impl FundingStat {
    /// Reads `mts,frr,avg_period,funding_amount,funding_amount_used` where `frr` is FRR/365 as
    /// Bitfinex reports it; returns daily FRR. Sorted by time, duplicates removed.
    pub fn from_csv(reader: impl Read) -> Result<Vec<Self>, TapeError> {
        let mut rows = parse_rows(
            reader,
            &[
                "mts",
                "frr",
                "avg_period",
                "funding_amount",
                "funding_amount_used",
            ],
            |v| {
                (v[1] > 0.0 && v[1] < 1.0).then_some(FundingStat {
                    mts: v[0] as i64,
                    frr: v[1] * 365.0,
                    avg_period: v[2],
                    amount: v[3],
                    used: v[4],
                })
            },
        )?;
        rows.sort_by_key(|s| s.mts);
        rows.dedup_by_key(|s| s.mts);
        Ok(rows)
    }
}

/// Calibration of the market model (defaults: fitted to the real fUSD data of 2026, see the
/// crate README's calibration table and `docs/market-model.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Long-run FRR (daily) per symbol.
    pub base_frr: [(&'static str, f64); 4],
    /// How often FRR moves, per day.
    pub frr_moves_per_day: f64,
    /// Size of one FRR move (σ of the log step).
    pub frr_step_sigma: f64,
    /// Pull of FRR back to its long-run level, per day.
    pub frr_reversion_per_day: f64,
    /// The short market's level as a share of FRR.
    pub short_ratio: f64,
    /// Mean reversion speed of the short level's log, per day.
    pub theta_per_day: f64,
    /// Volatility of the short level's log, per √day.
    pub sigma_per_sqrt_day: f64,
    /// Chance per day that the short level's mean shifts.
    pub regime_shift_per_day: f64,
    /// σ of a shift (log).
    pub regime_sigma: f64,
    /// Spikes per hour.
    pub spike_per_hour: f64,
    /// Spike size: the level is multiplied by a factor drawn in this range.
    pub spike_factor: (f64, f64),
    /// Spike length in minutes, drawn in this range.
    pub spike_minutes: (i64, i64),
    /// Short borrowers per hour, per symbol.
    pub arrivals_per_hour: [(&'static str, f64); 4],
    /// Median short borrow in USD.
    pub size_median_usd: f64,
    /// Log-normal σ of short borrows.
    pub size_sigma: f64,
    /// Short period mix: (days, probability).
    pub short_periods: [(u32, f64); 5],
    /// How far above the level a short borrower accepts (σ of a half-normal, in log).
    pub over_sigma: f64,
    /// Long bids per hour (fUSD; other symbols in proportion to their short arrivals).
    pub long_bids_per_hour: f64,
    /// Median long bid in USD.
    pub long_size_median_usd: f64,
    /// Log-normal σ of long bids.
    pub long_size_sigma: f64,
    /// Long period mix: (days, probability).
    pub long_periods: [(u32, f64); 4],
    /// Where long bids sit, as a share of FRR.
    pub long_bid_ratio: f64,
    /// Spread of long bids around it (σ, log).
    pub long_bid_sigma: f64,
    /// Share of long bids at or just above FRR.
    pub long_at_frr_share: f64,
    /// Mean time a long bid's rest stays on the book, in minutes.
    pub long_rest_minutes: f64,
    /// Median life of short loans in hours: (up to this period, hours).
    pub short_life_hours: [(u32, f64); 2],
    /// Log-normal σ of loan lives.
    pub life_sigma: f64,
    /// Share of long loans repaid early (within hours); the others run for weeks.
    pub long_early_share: f64,
    /// Median life of long loans repaid early: (up to this period, hours).
    pub long_early_hours: [(u32, f64); 2],
    /// Other lenders' FRR offers in front of a new FRR offer, in USD: for bids of up to 7
    /// days, and for longer bids.
    pub frr_pool_usd: (f64, f64),
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            base_frr: [
                ("fUSD", 3.7e-4),
                ("fUST", 3.0e-4),
                ("fBTC", 4.0e-5),
                ("fETH", 6.0e-5),
            ],
            frr_moves_per_day: 0.55,
            frr_step_sigma: 0.012,
            frr_reversion_per_day: 1.0 / 60.0,
            short_ratio: 0.40,
            theta_per_day: 1.0,
            sigma_per_sqrt_day: 0.35,
            regime_shift_per_day: 1.0 / 7.0,
            regime_sigma: 0.25,
            spike_per_hour: 0.25,
            spike_factor: (1.4, 2.0),
            spike_minutes: (3, 15),
            arrivals_per_hour: [
                ("fUSD", 120.0),
                ("fUST", 60.0),
                ("fBTC", 15.0),
                ("fETH", 15.0),
            ],
            size_median_usd: 500.0,
            size_sigma: 2.38,
            short_periods: [(2, 0.96), (3, 0.005), (4, 0.01), (5, 0.01), (7, 0.015)],
            over_sigma: 0.15,
            long_bids_per_hour: 1.5,
            long_size_median_usd: 1_500.0,
            long_size_sigma: 1.5,
            long_periods: [(10, 0.05), (30, 0.2), (60, 0.05), (120, 0.7)],
            long_bid_ratio: 0.79,
            long_bid_sigma: 0.03,
            long_at_frr_share: 0.08,
            long_rest_minutes: 20.0,
            short_life_hours: [(2, 2.4), (7, 3.0)],
            life_sigma: 1.6,
            long_early_share: 0.2,
            long_early_hours: [(30, 1.35), (120, 24.0)],
            frr_pool_usd: (55.0e6, 5.0e6),
        }
    }
}

impl Calibration {
    /// How long a borrower of `period` days keeps the money (before the maturity cap).
    pub fn life_ms(&self, rng: &mut ChaCha8Rng, period: u32) -> i64 {
        let median_h = if period <= 7 {
            self.short_life_hours
                .iter()
                .find(|(p, _)| period <= *p)
                .map_or(3.0, |(_, h)| *h)
        } else if rng.random::<f64>() < self.long_early_share {
            self.long_early_hours
                .iter()
                .find(|(p, _)| period <= *p)
                .map_or(6.3, |(_, h)| *h)
        } else {
            // Runs for weeks: 60 % of the term up to maturity.
            let days = f64::from(period) * rng.random_range(0.6..=1.0);
            return ((days * DAY_MS as f64) as i64).min(i64::from(period) * DAY_MS);
        };
        let life: f64 = LogNormal::new((median_h * HOUR_MS as f64).ln(), self.life_sigma)
            .expect("valid")
            .sample(rng);
        (life as i64).clamp(60_000, i64::from(period) * DAY_MS)
    }

    fn lookup(table: &[(&'static str, f64)], symbol: &str, default: f64) -> f64 {
        table
            .iter()
            .find(|(n, _)| *n == symbol)
            .map_or(default, |(_, v)| *v)
    }
}

const PRICES: [(&str, f64); 4] = [
    ("fUSD", 1.0),
    ("fUST", 1.0),
    ("fBTC", 60_000.0),
    ("fETH", 3_000.0),
];

const RATE_STEP_MS: i64 = 5 * 60_000;
const MINUTE_MS: i64 = 60_000;

/// Real data a replay follows, for one symbol.
#[derive(Debug, Clone, Default)]
pub struct ReplayData {
    /// Recorded trades (all periods), where present.
    pub tape: Tape,
    /// 1-minute candles (periods 2–30), where present.
    pub candles: Vec<Candle>,
    /// Hourly funding statistics (FRR).
    pub stats: Vec<FundingStat>,
}

impl ReplayData {
    /// First and last time covered by any of the data.
    pub fn span(&self) -> Option<(i64, i64)> {
        let firsts = [
            self.tape.rows.first().map(|r| r.mts),
            self.candles.first().map(|c| c.mts),
        ];
        let lasts = [
            self.tape.rows.last().map(|r| r.mts),
            self.candles.last().map(|c| c.mts + MINUTE_MS),
        ];
        Some((
            firsts.into_iter().flatten().min()?,
            lasts.into_iter().flatten().max()?,
        ))
    }

    /// Minutes with recorded market data (tape trades or candles) in `[from, to)`.
    pub fn recorded_minutes(&self, from: i64, to: i64) -> BTreeSet<i64> {
        self.tape
            .rows
            .iter()
            .map(|r| r.mts)
            .chain(self.candles.iter().map(|c| c.mts))
            .filter(|t| *t >= from && *t < to)
            .map(|t| t.div_euclid(MINUTE_MS))
            .collect()
    }
}

/// Where a replay's short-market level and FRR come from, hour by hour.
#[derive(Debug, Clone, Default)]
struct Anchors {
    /// FRR points (mts, daily), in time order.
    frr: Vec<(i64, f64)>,
    /// Short level per hour (mts of the hour, daily), interpolated over hours without data.
    level: Vec<(i64, f64)>,
    /// Minutes whose short demand is recorded (no synthetic short borrowers there).
    recorded: BTreeSet<i64>,
}

impl Anchors {
    fn level_at(&self, t: i64) -> Option<f64> {
        let i = self.level.partition_point(|(m, _)| *m <= t);
        match (i.checked_sub(1).map(|j| self.level[j]), self.level.get(i)) {
            (Some((t0, a)), Some((t1, b))) => {
                let w = (t - t0) as f64 / (t1 - t0).max(1) as f64;
                Some((a.ln() * (1.0 - w) + b.ln() * w).exp())
            }
            (Some((_, a)), None) => Some(a),
            (None, Some((_, b))) => Some(*b),
            (None, None) => None,
        }
    }
}

struct SymbolState {
    symbol: &'static str,
    price: f64,
    frr: f64,
    base_frr: f64,
    /// Log of the short level's deviation from its anchor (synthetic: from `short_ratio` × FRR).
    dev: f64,
    /// Log of the regime shift of the short level's mean.
    regime: f64,
    spike_until: i64,
    spike_factor: f64,
    next_borrow: i64,
    next_long: i64,
    next_rate: i64,
    next_frr: i64,
    arrivals: f64,
    long_arrivals: f64,
}

/// The market generator: the calibrated synthetic market, optionally anchored to real data.
pub struct Synthetic {
    rng: ChaCha8Rng,
    lives: ChaCha8Rng,
    cal: Calibration,
    symbols: Vec<SymbolState>,
    last_time: i64,
    anchors: Option<Anchors>,
    /// Recorded events (replay), in time order.
    recorded: VecDeque<(i64, Demand)>,
}

/// Log-normal sample with a median and σ.
fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.ln(), sigma)
        .expect("valid")
        .sample(rng)
}

fn pick<const N: usize>(rng: &mut ChaCha8Rng, mix: &[(u32, f64); N]) -> u32 {
    let u: f64 = rng.random::<f64>() * mix.iter().map(|m| m.1).sum::<f64>();
    let mut acc = 0.0;
    for (p, w) in mix {
        acc += w;
        if u <= acc {
            return *p;
        }
    }
    mix[N - 1].0
}

fn quantise_frr(symbol: &str, frr: f64) -> f64 {
    if matches!(symbol, "fUSD" | "fUST") {
        // FRR/365 is published to 1e-8.
        ((frr / 365.0 / 1e-8).round().max(1.0)) * 1e-8 * 365.0
    } else {
        frr
    }
}

impl Synthetic {
    /// A generator with the default calibration.
    pub fn new(seed: u64, start_mts: i64) -> Self {
        Self::with_calibration(seed, start_mts, Calibration::default())
    }

    /// A generator with a given calibration.
    pub fn with_calibration(seed: u64, start_mts: i64, cal: Calibration) -> Self {
        Self::build(seed, start_mts, cal, &SYMBOLS, None, VecDeque::new())
    }

    fn build(
        seed: u64,
        start_mts: i64,
        cal: Calibration,
        symbols: &[&'static str],
        anchors: Option<Anchors>,
        recorded: VecDeque<(i64, Demand)>,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5eed);
        let lives = ChaCha8Rng::seed_from_u64(seed ^ 0x11fe_5eed);
        let usd_arrivals = Calibration::lookup(&cal.arrivals_per_hour, "fUSD", 120.0);
        let symbols = symbols
            .iter()
            .map(|s| {
                let base_frr = Calibration::lookup(&cal.base_frr, s, 1e-4);
                let arrivals = Calibration::lookup(&cal.arrivals_per_hour, s, 10.0);
                let long_arrivals = cal.long_bids_per_hour * arrivals / usd_arrivals;
                let price = PRICES.iter().find(|(n, _)| n == s).map_or(1.0, |(_, p)| *p);
                let frr = anchors
                    .as_ref()
                    .and_then(|a| a.frr.first().map(|f| f.1))
                    .unwrap_or(base_frr);
                let first = start_mts + exp_ms(&mut rng, arrivals);
                let first_long = start_mts + exp_ms(&mut rng, long_arrivals.max(1e-6));
                SymbolState {
                    symbol: s,
                    price,
                    frr: quantise_frr(s, frr),
                    base_frr,
                    dev: 0.0,
                    regime: 0.0,
                    spike_until: 0,
                    spike_factor: 1.0,
                    next_borrow: first,
                    next_long: first_long,
                    next_rate: start_mts + RATE_STEP_MS,
                    next_frr: start_mts + RATE_STEP_MS,
                    arrivals,
                    long_arrivals,
                }
            })
            .collect();
        Self {
            rng,
            lives,
            cal,
            symbols,
            last_time: start_mts,
            anchors,
            recorded,
        }
    }

    /// The time of the last event popped.
    pub fn last_time(&self) -> i64 {
        self.last_time
    }

    /// The calibration in use.
    pub fn calibration(&self) -> &Calibration {
        &self.cal
    }

    fn level(&self, s: &SymbolState, t: i64) -> f64 {
        let anchor = self
            .anchors
            .as_ref()
            .and_then(|a| a.level_at(t))
            .unwrap_or(s.frr * self.cal.short_ratio * s.regime.exp());
        let spike = if t < s.spike_until {
            s.spike_factor
        } else {
            1.0
        };
        (anchor * s.dev.exp() * spike).clamp(1e-7, 0.02)
    }

    fn peek(&self) -> Option<i64> {
        let own = self
            .symbols
            .iter()
            .map(|s| {
                s.next_borrow
                    .min(s.next_rate)
                    .min(s.next_long)
                    .min(s.next_frr)
            })
            .min();
        let rec = self.recorded.front().map(|r| r.0);
        match (own, rec) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The events at the next time.
    pub fn pop(&mut self) -> Vec<Demand> {
        let Some(t) = self.peek() else {
            return Vec::new();
        };
        self.last_time = t;
        let mut out = Vec::new();
        while self.recorded.front().is_some_and(|r| r.0 == t) {
            out.push(self.recorded.pop_front().expect("checked").1);
        }
        let cal = self.cal.clone();
        let anchored = self.anchors.is_some();
        for i in 0..self.symbols.len() {
            let s = &self.symbols[i];
            if s.next_frr == t {
                let s = &mut self.symbols[i];
                s.next_frr = t + RATE_STEP_MS;
                if !anchored {
                    let dt = RATE_STEP_MS as f64 / DAY_MS as f64;
                    if self.rng.random::<f64>() < cal.frr_moves_per_day * dt {
                        let step: f64 = Normal::new(0.0, cal.frr_step_sigma)
                            .expect("valid")
                            .sample(&mut self.rng);
                        let pull = cal.frr_reversion_per_day / cal.frr_moves_per_day
                            * (s.base_frr.ln() - s.frr.ln());
                        let next = quantise_frr(s.symbol, (s.frr.ln() + pull + step).exp());
                        if next != s.frr {
                            s.frr = next;
                            out.push(Demand::SetFrr {
                                symbol: s.symbol.into(),
                                frr: to_dec(next, 10),
                            });
                        }
                    }
                }
            }
            let s = &self.symbols[i];
            if s.next_rate == t {
                let dt = RATE_STEP_MS as f64 / DAY_MS as f64;
                let noise: f64 = Normal::new(0.0, 1.0).expect("valid").sample(&mut self.rng);
                let shift = self.rng.random::<f64>() < cal.regime_shift_per_day * dt;
                let shift_to: f64 = Normal::new(0.0, cal.regime_sigma)
                    .expect("valid")
                    .sample(&mut self.rng);
                let spike_roll = self.rng.random::<f64>();
                let factor = self
                    .rng
                    .random_range(cal.spike_factor.0..cal.spike_factor.1);
                let minutes = self
                    .rng
                    .random_range(cal.spike_minutes.0..=cal.spike_minutes.1);
                let s = &mut self.symbols[i];
                if shift && !anchored {
                    s.regime = shift_to;
                }
                s.dev +=
                    -cal.theta_per_day * s.dev * dt + cal.sigma_per_sqrt_day * dt.sqrt() * noise;
                if t >= s.spike_until
                    && spike_roll < cal.spike_per_hour * RATE_STEP_MS as f64 / HOUR_MS as f64
                {
                    s.spike_factor = factor;
                    s.spike_until = t + minutes * MINUTE_MS;
                }
                s.next_rate = t + RATE_STEP_MS;
                let s = &self.symbols[i];
                out.push(Demand::SetRate {
                    symbol: s.symbol.into(),
                    rate: to_dec(self.level(s, t), 10),
                });
            }
            let s = &self.symbols[i];
            if s.next_borrow == t {
                let suppressed = self
                    .anchors
                    .as_ref()
                    .is_some_and(|a| a.recorded.contains(&t.div_euclid(MINUTE_MS)));
                let usd = lognormal(&mut self.rng, cal.size_median_usd, cal.size_sigma)
                    .clamp(50.0, 3_000_000.0);
                let period = pick(&mut self.rng, &cal.short_periods);
                let over: f64 = Normal::new(0.0, cal.over_sigma)
                    .expect("valid")
                    .sample(&mut self.rng);
                let max_rate = (self.level(s, t) * over.abs().exp()).clamp(1e-7, 0.02);
                let life_ms = cal.life_ms(&mut self.lives, period);
                let next = t + exp_ms(&mut self.rng, s.arrivals);
                let s = &mut self.symbols[i];
                s.next_borrow = next;
                if !suppressed {
                    out.push(Demand::Borrow {
                        symbol: s.symbol.into(),
                        amount: to_dec(usd / s.price, 8),
                        period,
                        max_rate: to_dec(max_rate, 10),
                        life_ms,
                    });
                }
            }
            let s = &self.symbols[i];
            if s.next_long == t {
                let usd = lognormal(&mut self.rng, cal.long_size_median_usd, cal.long_size_sigma)
                    .clamp(150.0, 5_000_000.0);
                let period = pick(&mut self.rng, &cal.long_periods);
                let at_frr = self.rng.random::<f64>() < cal.long_at_frr_share;
                let ratio = if at_frr {
                    self.rng.random_range(1.0..1.02)
                } else {
                    let n: f64 = Normal::new(0.0, cal.long_bid_sigma)
                        .expect("valid")
                        .sample(&mut self.rng);
                    (cal.long_bid_ratio * n.exp()).min(0.99)
                };
                let rest: f64 = Exp::new(1.0 / cal.long_rest_minutes.max(0.1))
                    .expect("positive")
                    .sample(&mut self.rng);
                let life_ms = cal.life_ms(&mut self.lives, period);
                let next = t + exp_ms(&mut self.rng, s.long_arrivals.max(1e-6));
                let s = &mut self.symbols[i];
                s.next_long = next;
                out.push(Demand::LongBid {
                    symbol: s.symbol.into(),
                    amount: to_dec(usd / s.price, 8),
                    period,
                    rate: to_dec(s.frr * ratio, 10),
                    rest_ms: ((rest * MINUTE_MS as f64) as i64).max(MINUTE_MS),
                    life_ms,
                });
            }
        }
        out
    }

    /// A replay of real data for one symbol from `start_mts`: recorded trades and candles
    /// where present, FRR from the funding statistics, and the calibrated model for what the
    /// data does not show (the long market, and the short market in the holes, anchored to
    /// the real level of the nearest recorded hours).
    pub fn replay(
        symbol: &str,
        data: &ReplayData,
        seed: u64,
        start_mts: i64,
        cal: Calibration,
    ) -> Self {
        let sym: &'static str = SYMBOLS
            .iter()
            .find(|s| **s == symbol)
            .copied()
            .unwrap_or("fUSD");
        let mut lives = ChaCha8Rng::seed_from_u64(seed ^ 0x7a9e);
        let mut events: Vec<(i64, Demand)> = Vec::new();
        // Trades where the tape has them; candles for the other recorded minutes.
        let tape_minutes: BTreeSet<i64> = data
            .tape
            .rows
            .iter()
            .map(|r| r.mts.div_euclid(MINUTE_MS))
            .collect();
        for r in data.tape.rows.iter().filter(|r| r.mts >= start_mts) {
            events.push((
                r.mts,
                Demand::TapeTrade {
                    symbol: sym.into(),
                    id: r.id,
                    amount: r.amount,
                    rate: r.rate,
                    period: r.period,
                    life_ms: cal.life_ms(&mut lives, r.period),
                },
            ));
        }
        let mut next_id = 9_000_000_000_000i64;
        for c in data
            .candles
            .iter()
            .filter(|c| c.mts >= start_mts && !tape_minutes.contains(&c.mts.div_euclid(MINUTE_MS)))
        {
            // A minute's volume, split over its open, high, low and close (the high carries
            // a tenth: a candle's extreme is usually one small print).
            for (k, (rate, share)) in [(c.open, 0.3), (c.high, 0.1), (c.low, 0.3), (c.close, 0.3)]
                .into_iter()
                .enumerate()
            {
                let amount = c.volume * share;
                if amount <= 0.0 || rate <= 0.0 {
                    continue;
                }
                next_id += 1;
                events.push((
                    c.mts + k as i64 * 15_000,
                    Demand::TapeTrade {
                        symbol: sym.into(),
                        id: next_id,
                        amount: -to_dec(amount, 8),
                        rate: to_dec(rate, 10),
                        period: 2,
                        life_ms: cal.life_ms(&mut lives, 2),
                    },
                ));
            }
        }
        // FRR from the statistics.
        let frr: Vec<(i64, f64)> = data
            .stats
            .iter()
            .map(|s| (s.mts, quantise_frr(sym, s.frr)))
            .collect();
        let start_frr = frr
            .iter()
            .rev()
            .find(|f| f.0 <= start_mts)
            .or(frr.first())
            .map(|f| f.1);
        for (t, f) in frr.iter().filter(|f| f.0 > start_mts) {
            events.push((
                *t,
                Demand::SetFrr {
                    symbol: sym.into(),
                    frr: to_dec(*f, 10),
                },
            ));
        }
        events.sort_by_key(|e| e.0);
        // The short level, hour by hour: volume-weighted rate of the 2–30-day data.
        let mut hours: std::collections::BTreeMap<i64, (f64, f64)> = Default::default();
        for r in data.tape.rows.iter().filter(|r| r.period <= 30) {
            let a = r.amount.abs().to_f64().unwrap_or(0.0);
            let e = hours
                .entry(r.mts.div_euclid(HOUR_MS) * HOUR_MS)
                .or_default();
            e.0 += a * r.rate.to_f64().unwrap_or(0.0);
            e.1 += a;
        }
        for c in data
            .candles
            .iter()
            .filter(|c| !tape_minutes.contains(&c.mts.div_euclid(MINUTE_MS)))
        {
            // Extreme prints (1e-8) are not a level: use the close, bounded by the open.
            if c.close <= 0.0 || c.volume <= 0.0 {
                continue;
            }
            let e = hours
                .entry(c.mts.div_euclid(HOUR_MS) * HOUR_MS)
                .or_default();
            e.0 += c.volume * c.close;
            e.1 += c.volume;
        }
        let level: Vec<(i64, f64)> = hours
            .into_iter()
            .filter(|(_, (_, v))| *v > 0.0)
            .map(|(h, (n, v))| (h + HOUR_MS / 2, n / v))
            .collect();
        let anchors = Anchors {
            frr: start_frr.map(|f| vec![(start_mts, f)]).unwrap_or_default(),
            level,
            recorded: data.recorded_minutes(start_mts, i64::MAX),
        };
        let mut g = Self::build(seed, start_mts, cal, &[sym], Some(anchors), events.into());
        if start_frr.is_none() {
            // No statistics: FRR moves as in the synthetic market.
            g.anchors.as_mut().expect("set").frr.clear();
        }
        g
    }
}

fn exp_ms(rng: &mut ChaCha8Rng, per_hour: f64) -> i64 {
    let e: f64 = Exp::new(per_hour / HOUR_MS as f64)
        .expect("positive rate")
        .sample(rng);
    (e as i64).max(1)
}

fn to_dec(x: f64, dp: u32) -> Decimal {
    Decimal::from_f64(x).unwrap_or_default().round_dp(dp)
}

/// The market driver.
pub enum Driver {
    /// No demand (only calls move things).
    Idle,
    /// The calibrated market: synthetic, or a replay of real data.
    Market(Box<Synthetic>),
}

impl Driver {
    /// A synthetic driver with the default calibration.
    pub fn synthetic(seed: u64, start_mts: i64) -> Self {
        Self::Market(Box::new(Synthetic::new(seed, start_mts)))
    }

    /// A replay of a trade tape for `symbol` (FRR and the long market from the model).
    pub fn replay(symbol: &str, tape: Tape, seed: u64) -> Self {
        let start = tape.rows.first().map_or(0, |r| r.mts);
        Self::replay_data(
            symbol,
            &ReplayData {
                tape,
                ..ReplayData::default()
            },
            seed,
            start,
        )
    }

    /// A replay of real data for `symbol` from `start_mts`.
    pub fn replay_data(symbol: &str, data: &ReplayData, seed: u64, start_mts: i64) -> Self {
        Self::Market(Box::new(Synthetic::replay(
            symbol,
            data,
            seed,
            start_mts,
            Calibration::default(),
        )))
    }

    /// The short market's level a symbol starts at.
    pub fn initial_rate(&self, symbol: &str) -> Decimal {
        match self {
            Self::Market(g) => g
                .symbols
                .iter()
                .find(|x| x.symbol == symbol)
                .map_or(Decimal::new(1, 4), |s| to_dec(g.level(s, g.last_time), 10)),
            Self::Idle => {
                let cal = Calibration::default();
                to_dec(
                    Calibration::lookup(&cal.base_frr, symbol, 2e-4) * cal.short_ratio,
                    10,
                )
            }
        }
    }

    /// The FRR a symbol starts at.
    pub fn initial_frr(&self, symbol: &str) -> Decimal {
        match self {
            Self::Market(g) => g
                .symbols
                .iter()
                .find(|x| x.symbol == symbol)
                .map_or(Decimal::new(2, 4), |s| to_dec(s.frr, 10)),
            Self::Idle => to_dec(
                Calibration::lookup(&Calibration::default().base_frr, symbol, 2e-4),
                10,
            ),
        }
    }

    /// The calibration in use (the default for an idle market).
    pub fn calibration(&self) -> Calibration {
        match self {
            Self::Market(g) => g.cal.clone(),
            Self::Idle => Calibration::default(),
        }
    }

    /// When the next event happens.
    pub fn peek_time(&self) -> Option<i64> {
        match self {
            Self::Idle => None,
            Self::Market(g) => g.peek(),
        }
    }

    /// The events at the next time.
    pub fn pop(&mut self) -> Vec<Demand> {
        match self {
            Self::Idle => Vec::new(),
            Self::Market(g) => g.pop(),
        }
    }

    /// Recorded events still to play (replay).
    pub fn remaining(&self) -> usize {
        match self {
            Self::Market(g) => g.recorded.len(),
            Self::Idle => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tape_format_and_sorts_it() {
        let csv = "id,mts,amount,rate,period,src\n2,2000,184.23,0.0002884,120,x\n1,1000,500,0.00029452,2,x\n3,2000,-10,3.5e-5,2,x\n";
        let t = Tape::from_csv(csv.as_bytes()).unwrap();
        assert_eq!(
            t.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(t.rows[2].rate, Decimal::from_str("0.000035").unwrap());
        assert_eq!(t.span(), Some((1000, 2000)));
        assert!(Tape::from_csv("a,b\n1,2\n".as_bytes()).is_err());
        assert!(matches!(
            Tape::from_csv("id,mts,amount,rate,period\nx,1,1,1,2\n".as_bytes()),
            Err(TapeError::Row { row: 1, .. })
        ));
    }

    #[test]
    fn the_synthetic_market_is_deterministic() {
        let run = |seed| {
            let mut g = Synthetic::new(seed, 0);
            (0..2000).flat_map(|_| g.pop()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn the_period_mix_is_mostly_two_days() {
        let t = Tape::synthetic(5000, 1, 0);
        let two = t.rows.iter().filter(|r| r.period == 2).count() as f64 / 5000.0;
        assert!((0.87..0.95).contains(&two), "{two}");
        assert!(t.rows.iter().any(|r| r.period == 120));
    }
}
