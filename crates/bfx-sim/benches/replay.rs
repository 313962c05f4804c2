//! Replay speed: market events processed per second while replaying a busy tape with a
//! lending account's offers on the book (`cargo bench -p bfx-sim --bench replay`).

use std::time::Instant;

use bfx_sim::driver::Tape;
use bfx_sim::world::{DAY_MS, OfferKind};
use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;

const START: i64 = 1_780_272_000_000;

fn replay(tape: &Tape) -> u64 {
    let (_, end) = tape.span().expect("non-empty");
    let sim = Sim::new(SimConfig {
        seed: 3,
        start_mts: START,
        clock: ClockMode::Manual,
        market: MarketSpec::Replay {
            symbol: "fUSD".into(),
            tape: tape.clone(),
        },
        ..SimConfig::default()
    });
    let demo = sim.demo_account("100000");
    // Keep a ladder of offers on the book, re-placed every simulated hour, as a lender would.
    let mut t = START;
    while t < end {
        t += 3_600_000;
        sim.advance_to(t);
        sim.with_world(|w| {
            let avail = w.available(demo.account, "funding", "USD");
            let mut left = avail;
            for k in 0..5 {
                let amount = (avail / Decimal::from(5)).round_dp(2).min(left);
                if amount < Decimal::from(200) {
                    break;
                }
                let rate = Decimal::new(9 + k, 5);
                if w.submit_offer(
                    demo.account,
                    "fUSD",
                    OfferKind::Limit,
                    amount,
                    rate,
                    2,
                    false,
                )
                .is_ok()
                {
                    left -= amount;
                }
            }
        });
    }
    sim.with_world(|w| w.markets["fUSD"].trade_count)
}

fn bench(c: &mut Criterion) {
    // ~30 days of a busy tape: 1.2 M trades.
    let n = 1_200_000;
    let mut tape = Tape::synthetic(n, 42, START);
    // Squeeze it into 30 days: a busy tape (40 000 trades a day).
    let (a, b) = tape.span().unwrap();
    for r in &mut tape.rows {
        r.mts =
            START + ((r.mts - a) as i128 * (30 * DAY_MS) as i128 / (b - a).max(1) as i128) as i64;
    }
    let (a, b) = tape.span().unwrap();
    eprintln!(
        "tape: {} trades over {:.1} days",
        tape.rows.len(),
        (b - a) as f64 / DAY_MS as f64
    );
    let started = Instant::now();
    let trades = replay(&tape);
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "full replay: {trades} trades in {secs:.2} s = {:.0} trades/s",
        trades as f64 / secs
    );
    let small = Tape {
        rows: tape.rows[..100_000].to_vec(),
    };
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(small.rows.len() as u64));
    g.bench_function("100k_trades_with_a_lender", |b| b.iter(|| replay(&small)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
