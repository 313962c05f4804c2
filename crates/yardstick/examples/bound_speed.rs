//! Times [`yardstick::hindsight_bound`] on 100 000 random opportunities (fixed seeds), K = 200,
//! for a few balances (a larger balance makes most opportunities a single unit, so more paths).
//!
//! `cargo run --release -p yardstick --example bound_speed`

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use yardstick::{DEFAULT_UNITS, Opportunity, hindsight_bound};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const N: usize = 100_000;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let (u, v): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

fn dec(v: f64, dp: u32) -> Decimal {
    Decimal::try_from(v).unwrap().round_dp(dp)
}

/// Like bfx-sim's fUSD market: 120 borrowers an hour, mostly 2-day loans repaid within hours,
/// a few long ones; sizes log-normal around $500; rates around a drifting level.
fn market_like(rng: &mut ChaCha8Rng) -> (Vec<Opportunity>, i64) {
    let mut t = 0i64;
    let mut level: f64 = 2.0e-4;
    let opps = (0..N)
        .map(|_| {
            t += (-(rng.random_range(f64::EPSILON..1.0f64)).ln() * HOUR as f64 / 120.0) as i64;
            // Mean-reverting log level around 2e-4.
            let x = level.ln();
            level = (x - (x - 2.0e-4f64.ln()) / 3_000.0 + 0.01 * normal(rng)).exp();
            let life = if rng.random::<f64>() < 0.97 {
                (lognormal(rng, 2.4 * HOUR as f64, 1.6) as i64).clamp(MINUTE, 2 * DAY)
            } else {
                (rng.random_range(0.25..1.0) * 30.0 * DAY as f64) as i64
            };
            Opportunity {
                start_mts: t,
                end_mts: t + life,
                daily_rate: dec(level * lognormal(rng, 1.0, 0.15), 8),
                max_amount: dec(lognormal(rng, 500.0, 2.38), 2),
            }
        })
        .collect();
    (opps, t + HOUR)
}

/// Start times uniform over 30 days, lives uniform up to 5 days, amounts up to the balance.
fn uniform(rng: &mut ChaCha8Rng) -> (Vec<Opportunity>, i64) {
    let opps = (0..N)
        .map(|_| {
            let start = rng.random_range(0..30 * DAY);
            Opportunity {
                start_mts: start,
                end_mts: start + rng.random_range(MINUTE..5 * DAY),
                daily_rate: dec(rng.random_range(1e-4..1e-3), 8),
                max_amount: dec(rng.random_range(1.0..50_000.0), 2),
            }
        })
        .collect();
    (opps, 30 * DAY)
}

fn main() {
    let fee = Decimal::new(15, 2);
    for (name, make) in [
        ("market-like", market_like as fn(&mut ChaCha8Rng) -> _),
        ("uniform", uniform),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let (opps, to) = make(&mut rng);
        println!(
            "{name}: {} opportunities over {:.1} days, K = {DEFAULT_UNITS}",
            opps.len(),
            to as f64 / DAY as f64
        );
        for balance in [10_000, 50_000, 1_000_000] {
            let clock = Instant::now();
            let b = hindsight_bound(&opps, Decimal::from(balance), 0, to, fee, DEFAULT_UNITS);
            let took = clock.elapsed();
            println!(
                "  balance {balance:>9}: {:>7.1} ms  earned {}, utilization {}, avg rate {}, {} used",
                took.as_secs_f64() * 1e3,
                b.earned.round_dp(2),
                b.utilization.round_dp(4),
                b.avg_rate.map_or("-".into(), |r| r.round_dp(6).to_string()),
                b.chosen,
            );
        }
    }
}
