//! Prints the calibration table: the market model next to the real fUSD data of 2026.
//! `cargo run --release -p bfx-sim --example calibrate -- ../shared/data [seeds] [days]`
//! (`yf calibrate` prints the same table.)

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "../shared/data".into()));
    let seeds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let days: i64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let real = match bfx_sim::calibrate::real_figures(&dir) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("real data not read ({e}); showing the pinned figures");
            None
        }
    };
    let seeds: Vec<u64> = (1..=seeds).collect();
    let model = bfx_sim::calibrate::model_figures_over(&seeds, days);
    let (table, ok) = bfx_sim::calibrate::table(&model, real.as_ref());
    println!("{table}");
    if !ok {
        std::process::exit(1);
    }
}
