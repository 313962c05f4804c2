//! `yf calibrate`: the market model's figures next to the real 2026 fUSD figures, with each
//! tolerance and where the real figure comes from.

use std::path::PathBuf;

use clap::Args;

use crate::common::{Global, Result};

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// The real data (read from there, never copied): its figures are measured again and
    /// compared with the pinned ones. Without it, the pinned figures are shown.
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Synthetic runs to measure the model on (seeds 1..=N; the median is shown).
    #[arg(long, default_value = "5")]
    seeds: u64,
    /// Days per run.
    #[arg(long, default_value = "20")]
    days: i64,
}

pub fn run(g: &Global, args: CalibrateArgs) -> Result<i32> {
    let real = match bfx_sim::calibrate::real_figures(&args.data) {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("yf: the real data was not read ({e}); the pinned 2026 figures are shown.");
            None
        }
    };
    let seeds: Vec<u64> = (1..=args.seeds.clamp(1, 100)).collect();
    let model = bfx_sim::calibrate::model_figures_over(&seeds, args.days.clamp(2, 120));
    let (table, ok) = bfx_sim::calibrate::table(&model, real.as_ref());
    if g.json {
        let targets: Vec<serde_json::Value> = bfx_sim::calibrate::REAL_2026
            .iter()
            .map(|t| {
                let m = model.get(t.key).copied();
                serde_json::json!({
                    "key": t.key,
                    "what": t.what,
                    "model": m,
                    "real": t.real,
                    "measuredNow": real.as_ref().and_then(|r| r.get(t.key)),
                    "tolerance": t.tolerance.describe(),
                    "holds": m.is_some_and(|m| t.tolerance.holds(m, t.real)),
                    "source": t.source,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"allHold": ok, "targets": targets, "model": model})
        );
    } else {
        println!(
            "Market model vs real fUSD 2026 ({} synthetic runs of {} days, median):\n",
            seeds.len(),
            args.days
        );
        println!("{table}");
        println!(
            "{}",
            if ok {
                "Every figure is within its tolerance."
            } else {
                "Some figures are outside their tolerance (marked **no**)."
            }
        );
    }
    Ok(if ok { 0 } else { 1 })
}
