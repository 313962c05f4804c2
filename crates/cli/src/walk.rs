//! `yf walk-forward`: the model fitted on each training week, every contender tested on the
//! week after it, rolled across all the real data; plus synthetic seeds never used for tuning.

use std::path::PathBuf;

use backtest::walk::{WalkSpec, walk_forward};
use clap::Args;
use rust_decimal::Decimal;

use crate::common::{Failure, Global, Result};

#[derive(Args, Debug)]
pub struct WalkArgs {
    /// Real market data (read there, never copied); `none` for synthetic seeds only.
    #[arg(long, default_value = "../shared/data")]
    data: String,
    /// Days of each training window.
    #[arg(long, default_value = "7")]
    train_days: i64,
    /// Days of each test window (the windows roll by this much).
    #[arg(long, default_value = "7")]
    test_days: i64,
    /// Synthetic seeds: 1001 ..= 1000 + N (never used to tune anything).
    #[arg(long, default_value = "24")]
    seeds: u64,
    /// Days of each synthetic run.
    #[arg(long, default_value = "14")]
    synthetic_days: i64,
    /// Starting balance.
    #[arg(long, default_value = "10000")]
    balance: Decimal,
    /// Where to write walk-forward.json and walk-forward.md.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

pub async fn run(g: &Global, args: WalkArgs) -> Result<i32> {
    let data = if args.data == "none" {
        None
    } else {
        Some(
            bfx_sim::replay::load_dir(std::path::Path::new(&args.data), "fUSD")
                .map_err(|e| Failure::new("InvalidInput", e.to_string()))?,
        )
    };
    if !(1..=60).contains(&args.train_days) || !(1..=60).contains(&args.test_days) {
        return Err(Failure::new(
            "InvalidInput",
            "Training and test windows are 1 to 60 days.",
        ));
    }
    let preset = |p: lender::Preset| {
        (
            format!("{} preset", p.label()),
            lender::StrategySettings::preset(p),
        )
    };
    let spec = WalkSpec {
        data,
        train_days: args.train_days,
        test_days: args.test_days,
        seeds: (1001..=1000 + args.seeds.min(500)).collect(),
        synthetic_days: args.synthetic_days.clamp(1, 120),
        balance: args.balance,
        strategies: lender::Preset::ALL.into_iter().map(preset).collect(),
        step_minutes: 5,
    };
    let json = g.json;
    let report = walk_forward(&spec, |w| {
        if !json {
            eprintln!("walk-forward: {w}");
        }
    })
    .await
    .map_err(|e| Failure::new("InvalidInput", e.to_string()))?;
    let md = report.markdown();
    std::fs::create_dir_all(&args.out)
        .and_then(|()| {
            std::fs::write(
                args.out.join("walk-forward.json"),
                serde_json::to_vec_pretty(&report).unwrap_or_default(),
            )
        })
        .and_then(|()| std::fs::write(args.out.join("walk-forward.md"), &md))
        .map_err(|e| {
            Failure::new(
                "Storage",
                format!("Could not write to {}: {e}.", args.out.display()),
            )
        })?;
    if json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| Failure::new("Internal", e.to_string()))?
        );
    } else {
        println!("{md}");
        println!(
            "written: {}",
            args.out.join("walk-forward.{json,md}").display()
        );
    }
    Ok(0)
}
