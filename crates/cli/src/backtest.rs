//! `yf backtest`: replays a market through bfx-sim with the real engine and compares the
//! strategies with Auto-Renew, a fixed offer, a spread ladder, idle money and perfect foresight.

use std::path::PathBuf;

use backtest::{MarketSource, Spec};
use clap::Args;
use lender::{Preset, StrategySettings};
use rust_decimal::Decimal;

use crate::common::{Failure, Global, Result};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("market").required(true).args(["tape", "synthetic", "real"])))]
pub struct BacktestArgs {
    /// A tape of public funding trades (CSV: id,mts,amount,rate,period), e.g. from ../shared/data.
    #[arg(long)]
    tape: Option<PathBuf>,
    /// The seeded synthetic market instead of a tape.
    #[arg(long)]
    synthetic: Option<u64>,
    /// Real market data: a folder of Bitfinex candles, funding statistics and trade tapes
    /// (e.g. ../shared/data; read there, never copied). Holes are bridged by the calibrated
    /// model, and the report says how much of the window is recorded.
    #[arg(long, value_name = "DIR")]
    real: Option<PathBuf>,
    /// With --real: the first day (UTC, YYYY-MM-DD); default: the first day of the data.
    #[arg(long, value_name = "DATE", requires = "real")]
    from: Option<String>,
    /// Days to run (a tape is cut to its own span).
    #[arg(long, default_value = "7")]
    days: Decimal,
    /// Currency lent (tapes are fUSD).
    #[arg(long, default_value = "USD")]
    currency: String,
    /// Starting funding balance.
    #[arg(long, default_value = "10000")]
    balance: Decimal,
    /// `conservative`, `balanced`, `aggressive`, `presets` (all three), or a JSON file of
    /// strategy settings (as the app's Strategy page saves them).
    #[arg(long, default_value = "presets")]
    strategy: String,
    /// The engine cycles every this many simulated minutes.
    #[arg(long, default_value = "5")]
    step_minutes: i64,
    /// Write the chart to PATH.svg and PATH.png (default: yf-backtest in this directory).
    #[arg(long, default_value = "yf-backtest")]
    chart: PathBuf,
    /// Do not write the chart.
    #[arg(long)]
    no_chart: bool,
}

fn strategies(arg: &str) -> Result<Vec<(String, StrategySettings)>> {
    let preset = |p: Preset| (format!("{} preset", p.label()), StrategySettings::preset(p));
    if arg.eq_ignore_ascii_case("presets") {
        return Ok(Preset::ALL.into_iter().map(preset).collect());
    }
    Ok(match Preset::from_name(arg) {
        Some(p) => vec![preset(p)],
        None => {
            let path = PathBuf::from(arg);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::new(
                    "InvalidInput",
                    format!("--strategy {arg:?} is not a preset, and reading it as a settings file failed: {e}."),
                )
            })?;
            let s: StrategySettings = serde_json::from_str(&text).map_err(|e| {
                Failure::new(
                    "InvalidInput",
                    format!("{} is not a strategy settings file: {e}.", path.display()),
                )
            })?;
            let name = path
                .file_stem()
                .map_or_else(|| "settings".into(), |n| n.to_string_lossy().into_owned());
            vec![(name, s)]
        }
    })
}

pub async fn run(g: &Global, args: BacktestArgs) -> Result<i32> {
    let market = match (&args.tape, args.synthetic) {
        _ if args.real.is_some() => {
            let dir = args.real.clone().unwrap_or_default();
            let data = bfx_sim::replay::load_dir(
                &dir,
                &format!("f{}", args.currency.to_ascii_uppercase()),
            )
            .map_err(|e| Failure::new("InvalidInput", e.to_string()))?;
            let from = match &args.from {
                Some(d) => bfx_sim::replay::parse_day(d).ok_or_else(|| {
                    Failure::new(
                        "InvalidInput",
                        format!("--from {d:?} is not a date (YYYY-MM-DD)."),
                    )
                })?,
                None => data.day_runs().first().map(|r| r.0).ok_or_else(|| {
                    Failure::new(
                        "InvalidInput",
                        format!("{} holds no market data.", dir.display()),
                    )
                })?,
            };
            let days: i64 = args.days.round().try_into().unwrap_or(0);
            let to = from + days.max(1) * 86_400_000;
            let name = format!(
                "{} → {}",
                &bfx_sim::replay::day_label(from)[..10],
                &bfx_sim::replay::day_label(to - 1)[..10]
            );
            MarketSource::RealData {
                name,
                data: data.window(from, to),
                from,
                calibration: bfx_sim::Calibration::default(),
            }
        }
        (Some(path), _) => {
            let file = std::fs::File::open(path).map_err(|e| {
                Failure::new(
                    "InvalidInput",
                    format!("Cannot open the tape {}: {e}.", path.display()),
                )
            })?;
            let tape = bfx_sim::Tape::from_csv(file).map_err(|e| {
                Failure::new(
                    "InvalidInput",
                    format!("{} is not a trades tape: {e}.", path.display()),
                )
            })?;
            MarketSource::Tape {
                name: path
                    .file_name()
                    .map_or_else(|| "tape".into(), |n| n.to_string_lossy().into_owned()),
                tape,
            }
        }
        (None, Some(seed)) => MarketSource::Synthetic { seed },
        (None, None) => unreachable!("clap requires one"),
    };
    let hours = (args.days * Decimal::from(24))
        .round()
        .try_into()
        .unwrap_or(0i64);
    let mut spec = Spec::new(market, hours, args.balance);
    spec.currency = args.currency.to_ascii_uppercase();
    spec.strategies = strategies(&args.strategy)?;
    spec.step_minutes = args.step_minutes;
    let bar = (!g.json).then(|| {
        let b = indicatif::ProgressBar::new(1);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "replaying {bar:40.cyan/blue} {percent:>3} % · {elapsed} elapsed, about {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let report = backtest::run(&spec, |done, total| {
        if let Some(b) = &bar {
            b.set_length(total.max(1));
            b.set_position(done);
        }
    })
    .await
    .map_err(|e| Failure::new("InvalidInput", e.to_string()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut written = Vec::new();
    if !args.no_chart {
        let svg = args.chart.with_extension("svg");
        let png = args.chart.with_extension("png");
        let write = |p: &PathBuf, bytes: &[u8]| {
            std::fs::write(p, bytes).map_err(|e| {
                Failure::new("Storage", format!("Could not write {}: {e}.", p.display()))
            })
        };
        write(&svg, backtest::chart_svg(&report).as_bytes())?;
        let png_bytes = backtest::chart_png(&report)
            .map_err(|e| Failure::new("Internal", format!("Could not draw the chart: {e}.")))?;
        write(&png, &png_bytes)?;
        written = vec![svg, png];
    }
    if g.json {
        println!(
            "{}",
            serde_json::to_string(&report).map_err(|e| Failure::new("Internal", e.to_string()))?
        );
    } else {
        print!("{}", report.table());
        if let Some(c) = &report.coverage {
            println!("Real data: {c}.");
        }
        for p in written {
            println!("chart: {}", p.display());
        }
    }
    Ok(0)
}
