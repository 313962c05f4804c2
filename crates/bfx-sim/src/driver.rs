//! What moves the market: a recorded tape of funding trades, or a seeded synthetic generator.
//! Both are deterministic for a given input.
//!
//! # Synthetic market (defaults calibrated to `../shared/data`, see the crate README)
//! - The market's daily rate follows a mean-reverting (Ornstein–Uhlenbeck) process on its
//!   logarithm, updated every 5 simulated minutes, with regime shifts of its mean and short
//!   spikes.
//! - Borrowers arrive as a Poisson process; each wants a log-normally distributed amount
//!   (heavy right tail) for a period drawn from the tape's mix (mostly 2 days), and takes the
//!   book's cheapest offers up to a rate a little above the market rate.
//! - Other lenders' offers are a 40-step ladder from 0.97× the market rate upwards, rebuilt
//!   every 5 minutes.
//! - Loans are repaid early: their life is log-normal with the median seen on a real account
//!   for that period, capped at maturity.

use std::collections::VecDeque;
use std::io::Read;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal};
use rust_decimal::prelude::*;

use crate::world::{DAY_MS, HOUR_MS, SYMBOLS};

/// A market event.
#[derive(Debug, Clone, PartialEq)]
pub enum Demand {
    /// The market rate moved: rebuild the other lenders' book around it.
    SetRate {
        /// Symbol.
        symbol: String,
        /// New market rate.
        rate: Decimal,
    },
    /// A borrower takes funding (synthetic).
    Borrow {
        /// Symbol.
        symbol: String,
        /// Amount wanted.
        amount: Decimal,
        /// Period wanted (days).
        period: u32,
        /// Highest rate accepted.
        max_rate: Decimal,
    },
    /// A recorded trade (replay).
    TapeTrade {
        /// Symbol.
        symbol: String,
        /// Trade id from the tape.
        id: i64,
        /// Amount.
        amount: Decimal,
        /// Rate.
        rate: Decimal,
        /// Period.
        period: u32,
    },
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

/// Errors reading a tape.
#[derive(Debug, thiserror::Error)]
pub enum TapeError {
    /// CSV problem.
    #[error("cannot read the tape: {0}")]
    Csv(#[from] csv::Error),
    /// A row that does not parse.
    #[error("tape row {row}: {message}")]
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
                if let Demand::Borrow {
                    symbol,
                    amount,
                    period,
                    max_rate,
                } = d
                    && symbol == "fUSD"
                {
                    rows.push(TapeRow {
                        id,
                        mts: g.last_time,
                        amount,
                        rate: max_rate,
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

/// Calibration of the synthetic generator.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Long-run median daily rate per symbol.
    pub base_rate: [(&'static str, f64); 4],
    /// Mean reversion speed of the log-rate, per day.
    pub theta_per_day: f64,
    /// Volatility of the log-rate, per √day.
    pub sigma_per_sqrt_day: f64,
    /// Chance per day that the long-run mean shifts.
    pub regime_shift_per_day: f64,
    /// Chance per hour of a spike.
    pub spike_per_hour: f64,
    /// Borrowers per hour, per symbol.
    pub arrivals_per_hour: [(&'static str, f64); 4],
    /// Median borrow size in USD, and the log-normal sigma.
    pub size_median_usd: f64,
    /// Log-normal sigma of sizes.
    pub size_sigma: f64,
    /// Period mix: (days, probability).
    pub periods: [(u32, f64); 6],
}

impl Default for Calibration {
    fn default() -> Self {
        Self {
            base_rate: [
                ("fUSD", 1.5e-4),
                ("fUST", 1.2e-4),
                ("fBTC", 2.0e-5),
                ("fETH", 3.0e-5),
            ],
            theta_per_day: 1.0,
            sigma_per_sqrt_day: 0.35,
            regime_shift_per_day: 1.0 / 7.0,
            spike_per_hour: 1.0 / 48.0,
            arrivals_per_hour: [
                ("fUSD", 120.0),
                ("fUST", 60.0),
                ("fBTC", 15.0),
                ("fETH", 15.0),
            ],
            size_median_usd: 500.0,
            size_sigma: 2.38,
            periods: [
                (2, 0.91),
                (4, 0.025),
                (5, 0.011),
                (7, 0.020),
                (30, 0.010),
                (120, 0.024),
            ],
        }
    }
}

const PRICES: [(&str, f64); 4] = [
    ("fUSD", 1.0),
    ("fUST", 1.0),
    ("fBTC", 60_000.0),
    ("fETH", 3_000.0),
];

struct SymbolState {
    symbol: &'static str,
    log_rate: f64,
    mean: f64,
    base: f64,
    spike_until: i64,
    spike_factor: f64,
    next_borrow: i64,
    next_rate: i64,
    arrivals: f64,
    price: f64,
}

/// The seeded synthetic generator.
pub struct Synthetic {
    rng: ChaCha8Rng,
    cal: Calibration,
    symbols: Vec<SymbolState>,
    last_time: i64,
}

const RATE_STEP_MS: i64 = 5 * 60_000;

impl Synthetic {
    /// A generator with the default calibration.
    pub fn new(seed: u64, start_mts: i64) -> Self {
        Self::with_calibration(seed, start_mts, Calibration::default())
    }

    /// A generator with a given calibration.
    pub fn with_calibration(seed: u64, start_mts: i64, cal: Calibration) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5eed);
        let symbols = SYMBOLS
            .iter()
            .map(|s| {
                let base = cal
                    .base_rate
                    .iter()
                    .find(|(n, _)| n == s)
                    .map_or(1e-4, |(_, r)| *r);
                let arrivals = cal
                    .arrivals_per_hour
                    .iter()
                    .find(|(n, _)| n == s)
                    .map_or(10.0, |(_, a)| *a);
                let price = PRICES.iter().find(|(n, _)| n == s).map_or(1.0, |(_, p)| *p);
                let first = start_mts + exp_ms(&mut rng, arrivals);
                SymbolState {
                    symbol: s,
                    log_rate: base.ln(),
                    mean: base.ln(),
                    base,
                    spike_until: 0,
                    spike_factor: 1.0,
                    next_borrow: first,
                    next_rate: start_mts + RATE_STEP_MS,
                    arrivals,
                    price,
                }
            })
            .collect();
        Self {
            rng,
            cal,
            symbols,
            last_time: start_mts,
        }
    }

    fn peek(&self) -> Option<i64> {
        self.symbols
            .iter()
            .map(|s| s.next_borrow.min(s.next_rate))
            .min()
    }

    fn pop(&mut self) -> Vec<Demand> {
        let Some(t) = self.peek() else {
            return Vec::new();
        };
        self.last_time = t;
        let mut out = Vec::new();
        let cal = self.cal.clone();
        for s in &mut self.symbols {
            if s.next_rate == t {
                let dt = RATE_STEP_MS as f64 / DAY_MS as f64;
                if self.rng.random::<f64>() < cal.regime_shift_per_day * dt {
                    let shift: f64 = Normal::new(0.0, 0.35).expect("valid").sample(&mut self.rng);
                    s.mean = s.base.ln() + shift;
                }
                let noise: f64 = Normal::new(0.0, 1.0).expect("valid").sample(&mut self.rng);
                s.log_rate += cal.theta_per_day * (s.mean - s.log_rate) * dt
                    + cal.sigma_per_sqrt_day * dt.sqrt() * noise;
                if t >= s.spike_until
                    && self.rng.random::<f64>()
                        < cal.spike_per_hour * RATE_STEP_MS as f64 / HOUR_MS as f64
                {
                    s.spike_factor = self.rng.random_range(1.5..3.0);
                    s.spike_until = t + self.rng.random_range(30..120) * 60_000;
                }
                let factor = if t < s.spike_until {
                    s.spike_factor
                } else {
                    1.0
                };
                let rate = (s.log_rate.exp() * factor).clamp(1e-6, 0.02);
                out.push(Demand::SetRate {
                    symbol: s.symbol.into(),
                    rate: to_dec(rate, 9),
                });
                s.next_rate = t + RATE_STEP_MS;
            }
            if s.next_borrow == t {
                let usd: f64 = LogNormal::new(cal.size_median_usd.ln(), cal.size_sigma)
                    .expect("valid")
                    .sample(&mut self.rng);
                let usd = usd.clamp(50.0, 3_000_000.0);
                let u: f64 = self.rng.random();
                let mut acc = 0.0;
                let mut period = 2;
                for (p, w) in cal.periods {
                    acc += w;
                    if u <= acc {
                        period = p;
                        break;
                    }
                }
                let spike = if t < s.spike_until {
                    s.spike_factor
                } else {
                    1.0
                };
                let over: f64 = Normal::new(0.0, 0.15).expect("valid").sample(&mut self.rng);
                let long = if period >= 30 { 1.6 } else { 1.0 };
                let max_rate =
                    (s.log_rate.exp() * spike * long * over.abs().exp()).clamp(1e-6, 0.02);
                out.push(Demand::Borrow {
                    symbol: s.symbol.into(),
                    amount: to_dec(usd / s.price, 8),
                    period,
                    max_rate: to_dec(max_rate, 9),
                });
                s.next_borrow = t + exp_ms(&mut self.rng, s.arrivals);
            }
        }
        out
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

/// Median life of a loan by period, from a real account's closed loans (reference data).
fn median_life_ms(period: u32) -> f64 {
    let hours = match period {
        0..=2 => 2.4,
        3..=7 => 3.0,
        8..=30 => 1.35,
        _ => 6.3,
    };
    hours * HOUR_MS as f64
}

/// The market driver.
#[allow(clippy::large_enum_variant)] // one per simulator
pub enum Driver {
    /// No demand (only calls move things).
    Idle,
    /// A seeded synthetic market.
    Synthetic(Box<Synthetic>),
    /// A recorded tape for one symbol.
    Replay {
        /// Symbol the tape is for.
        symbol: String,
        /// Rows still to play.
        rows: VecDeque<TapeRow>,
        /// Loan lives.
        rng: ChaCha8Rng,
        /// Starting market rate.
        start_rate: Decimal,
    },
}

impl Driver {
    /// A synthetic driver.
    pub fn synthetic(seed: u64, start_mts: i64) -> Self {
        Self::Synthetic(Box::new(Synthetic::new(seed, start_mts)))
    }

    /// A replay of `tape` for `symbol`.
    pub fn replay(symbol: &str, tape: Tape, seed: u64) -> Self {
        let start_rate = tape.rows.first().map_or(Decimal::new(1, 4), |r| r.rate);
        Self::Replay {
            symbol: symbol.into(),
            rows: tape.rows.into(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7a9e),
            start_rate,
        }
    }

    /// The rate a symbol starts at.
    pub fn initial_rate(&self, symbol: &str) -> Decimal {
        match self {
            Self::Synthetic(s) => s
                .symbols
                .iter()
                .find(|x| x.symbol == symbol)
                .map_or(Decimal::new(1, 4), |x| to_dec(x.base, 9)),
            Self::Replay {
                symbol: s,
                start_rate,
                ..
            } if s == symbol => *start_rate,
            _ => Calibration::default()
                .base_rate
                .iter()
                .find(|(n, _)| *n == symbol)
                .map_or(Decimal::new(1, 4), |(_, r)| to_dec(*r, 9)),
        }
    }

    /// When the next event happens.
    pub fn peek_time(&self) -> Option<i64> {
        match self {
            Self::Idle => None,
            Self::Synthetic(s) => s.peek(),
            Self::Replay { rows, .. } => rows.front().map(|r| r.mts),
        }
    }

    /// The events at the next time.
    pub fn pop(&mut self, _world_rng: &mut ChaCha8Rng) -> Vec<Demand> {
        match self {
            Self::Idle => Vec::new(),
            Self::Synthetic(s) => s.pop(),
            Self::Replay { symbol, rows, .. } => {
                let Some(t) = rows.front().map(|r| r.mts) else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                while rows.front().is_some_and(|r| r.mts == t) {
                    let r = rows.pop_front().expect("checked");
                    out.push(Demand::TapeTrade {
                        symbol: symbol.clone(),
                        id: r.id,
                        amount: r.amount,
                        rate: r.rate,
                        period: r.period,
                    });
                }
                out
            }
        }
    }

    /// How long a new loan of `period` days stays out (before the maturity cap).
    pub fn loan_life_ms(&mut self, world_rng: &mut ChaCha8Rng, period: u32) -> i64 {
        let rng = match self {
            Self::Synthetic(s) => &mut s.rng,
            Self::Replay { rng, .. } => rng,
            Self::Idle => world_rng,
        };
        let life: f64 = LogNormal::new(median_life_ms(period).ln(), 1.6)
            .expect("valid")
            .sample(rng);
        life as i64
    }

    /// Tape rows left to play (replay).
    pub fn remaining(&self) -> usize {
        match self {
            Self::Replay { rows, .. } => rows.len(),
            _ => 0,
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
