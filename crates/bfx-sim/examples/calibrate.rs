//! Prints the statistics of the real fUSD data that the synthetic market is calibrated to.
//! `cargo run -p bfx-sim --example calibrate -- ../shared/data`

use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "../shared/data".into()),
    );
    for day in ["trades_fUSD_2026-05-01.csv", "trades_fUSD_2026-06-21.csv"] {
        let mut rdr = csv::Reader::from_path(dir.join(day)).expect("tape file");
        let rows: Vec<(i64, f64, f64, u32)> = rdr
            .records()
            .map(|r| {
                let r = r.expect("row");
                (
                    r[1].parse().unwrap(),
                    r[2].parse::<f64>().unwrap().abs(),
                    r[3].parse().unwrap(),
                    r[4].parse().unwrap(),
                )
            })
            .collect();
        let minutes: std::collections::BTreeSet<i64> = rows.iter().map(|r| r.0 / 60_000).collect();
        let mut sizes: Vec<f64> = rows.iter().map(|r| r.1).collect();
        sizes.sort_by(f64::total_cmp);
        let mut rates: Vec<f64> = rows.iter().map(|r| r.2).collect();
        rates.sort_by(f64::total_cmp);
        let logs: Vec<f64> = sizes.iter().map(|s| s.max(1.0).ln()).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
        let mut periods: BTreeMap<u32, usize> = BTreeMap::new();
        for r in &rows {
            *periods.entry(r.3).or_default() += 1;
        }
        let total: f64 = sizes.iter().sum();
        println!(
            "{day}: {} trades in {} active minutes ({:.1} trades per active minute)",
            rows.len(),
            minutes.len(),
            rows.len() as f64 / minutes.len() as f64
        );
        println!(
            "  volume {:.1} M USD; size median {:.0}, p90 {:.0}, max {:.0}; log-size sd {:.2}",
            total / 1e6,
            sizes[sizes.len() / 2],
            sizes[sizes.len() * 9 / 10],
            sizes[sizes.len() - 1],
            sd
        );
        println!(
            "  rate median {:.2e}, p10 {:.2e}, p90 {:.2e}",
            rates[rates.len() / 2],
            rates[rates.len() / 10],
            rates[rates.len() * 9 / 10]
        );
        let shares: Vec<String> = periods
            .iter()
            .rev()
            .take(8)
            .map(|(p, n)| format!("{p}d {:.1}%", 100.0 * *n as f64 / rows.len() as f64))
            .collect();
        println!("  periods: {}", shares.join(", "));
    }
    let mut rdr =
        csv::Reader::from_path(dir.join("funding_stats_fUSD_hourly.csv")).expect("stats file");
    let frr: Vec<f64> = rdr
        .records()
        .map(|r| r.expect("row")[1].parse::<f64>().unwrap() * 365.0)
        .collect();
    let mean = frr.iter().sum::<f64>() / frr.len() as f64;
    println!(
        "FRR (daily, from stats ×365): mean {mean:.2e}, min {:.2e}, max {:.2e}",
        frr.iter().cloned().fold(f64::MAX, f64::min),
        frr.iter().cloned().fold(0.0, f64::max)
    );
}
