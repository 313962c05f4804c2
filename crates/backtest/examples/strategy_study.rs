//! The training study behind the strategy's parameters (docs/strategy.md): runs candidate
//! settings on the **training** markets only — synthetic seeds 1..=N (the walk-forward tests
//! seeds 1001 and up) and the real week of 2026-07-25 (in the walk-forward only ever a training
//! week) — and prints each candidate's net APR per market and its median.
//!
//! `cargo run --release -p backtest --example strategy_study -- ../shared/data [seeds] [days] [candidates]`
//!
//! `candidates` is a comma-separated list of preset names (`steady`, `balanced`,
//! `spike-hunting`), `long:R:P` (everything in the long tranche: P days at R × FRR) or
//! `mix:SHARE:FACTOR:SPIKE` (SHARE long at FACTOR × FRR for 120 days, the rest on the
//! Balanced short ladder holding SPIKE of it for spikes); default all presets.

use backtest::{Kind, MarketSource, Spec};
use lender::{Preset, StrategySettings};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal_macros::dec;

fn candidate(name: &str) -> Option<(String, StrategySettings)> {
    if let Some(rest) = name.strip_prefix("long:") {
        let (ratio, days) = rest.split_once(':')?;
        let ratio: Decimal = ratio.parse().ok()?;
        let days: u32 = days.parse().ok()?;
        let s = StrategySettings {
            preset: Preset::Custom,
            long_share: Decimal::ONE,
            long_frr_factor: ratio,
            long_period: days,
            spike_fraction: Decimal::ZERO,
            ..StrategySettings::preset(Preset::Balanced)
        };
        return Some((name.to_owned(), s));
    }
    if let Some(rest) = name.strip_prefix("mix:") {
        // mix:SHARE:FACTOR:SPIKE — SHARE long at FACTOR × FRR for 120 days, the rest on the
        // Balanced short ladder with SPIKE of it held for spikes.
        let mut it = rest.split(':').map(str::parse::<Decimal>);
        let (Some(Ok(share)), Some(Ok(factor)), Some(Ok(spike))) =
            (it.next(), it.next(), it.next())
        else {
            return None;
        };
        let s = StrategySettings {
            preset: Preset::Custom,
            long_share: share,
            long_frr_factor: factor,
            spike_fraction: spike,
            ..StrategySettings::preset(Preset::Balanced)
        };
        return Some((name.to_owned(), s));
    }
    // `NAME+high`: the preset with `longer_when_high` on.
    let (base, high) = match name.strip_suffix("+high") {
        Some(b) => (b, true),
        None => (name, false),
    };
    let preset = Preset::from_name(base)?;
    let mut s = StrategySettings::preset(preset);
    s.longer_when_high |= high;
    Some((name.to_owned(), s))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .cloned()
        .unwrap_or_else(|| "../shared/data".into());
    let seeds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let days: i64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(14);
    let names = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| "steady,balanced,spike-hunting".into());
    let strategies: Vec<(String, StrategySettings)> = names
        .split(',')
        .map(|n| candidate(n.trim()).unwrap_or_else(|| panic!("unknown candidate {n}")))
        .collect();
    let balance = dec!(10000);
    let mut markets: Vec<(String, MarketSource, i64)> = Vec::new();
    if let Ok(data) = bfx_sim::replay::load_dir(std::path::Path::new(&dir), "fUSD") {
        let from = bfx_sim::replay::parse_day("2026-07-25").expect("date");
        let to = from + 7 * 86_400_000;
        if data.require(from, to).is_ok() {
            let (cal, _) =
                bfx_sim::calibrate::fit(&data, from, to, &bfx_sim::Calibration::default());
            markets.push((
                "real 2026-07-25 (7 days)".into(),
                MarketSource::RealData {
                    name: "2026-07-25".into(),
                    data: data.window(from, to),
                    from,
                    calibration: cal,
                },
                7 * 24,
            ));
        }
    }
    for seed in 1..=seeds {
        markets.push((
            format!("seed {seed} ({days} days)"),
            MarketSource::Synthetic { seed },
            days * 24,
        ));
    }
    let mut table: Vec<Vec<f64>> = vec![Vec::new(); strategies.len() + 2];
    print!("{:<28}", "market");
    for (n, _) in &strategies {
        print!(" {n:>16}");
    }
    println!(" {:>16} {:>16}", "Mika", "hindsight");
    for (label, market, hours) in markets {
        let mut spec = Spec::new(market, hours, balance);
        spec.strategies = strategies.clone();
        let r = backtest::run(&spec, |_, _| {}).await.expect("backtest");
        print!("{label:<28}");
        let apr = |o: &backtest::Outcome| (o.apr * dec!(100)).to_f64().unwrap_or(0.0);
        for (i, (n, _)) in strategies.iter().enumerate() {
            let o = r.outcomes.iter().find(|o| &o.name == n).expect("ran");
            table[i].push(apr(o));
            print!(
                " {:>12.2} %/{:>2.0}",
                apr(o),
                (o.utilization * dec!(100)).to_f64().unwrap_or(0.0)
            );
        }
        for (j, kind) in [Kind::Mika, Kind::HindsightBound].into_iter().enumerate() {
            let o = r.outcomes.iter().find(|o| o.kind == kind).expect("ran");
            table[strategies.len() + j].push(apr(o));
            print!(" {:>14.2} %", apr(o));
        }
        println!();
    }
    print!("{:<28}", "median");
    for col in &mut table {
        col.sort_by(f64::total_cmp);
        let m = col.get(col.len() / 2).copied().unwrap_or(0.0);
        print!(" {m:>14.2} %");
    }
    println!();
}
