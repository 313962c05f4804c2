//! `yf`: the Yieldsforge command line — headless lending, key verification, status, and the
//! local Bitfinex emulator. See `yf --help`.

/// `dec!(0.0123)`: a Decimal literal in tests (without a macro crate).
#[cfg(test)]
macro_rules! dec {
    ($x:literal) => {
        stringify!($x)
            .parse::<rust_decimal::Decimal>()
            .expect("a decimal literal")
    };
}

mod activity;
mod backtest;
mod calibrate;
mod common;
mod earnings;
mod human;
mod outcome;
mod run;
mod sim;
mod verify;
mod walk;

use std::io::IsTerminal;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use common::Global;

/// Yieldsforge command line.
#[derive(Parser, Debug)]
#[command(
    name = "yf",
    version,
    about = "Lend your Bitfinex funding wallet from the command line."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The local Bitfinex emulator.
    Sim {
        #[command(subcommand)]
        command: sim::SimCommand,
    },
    /// Check the API key's permissions (exit 0 usable, 2 refused, 1 other error).
    Verify,
    /// Run the lending engine headless until stopped (SIGINT/SIGTERM), printing a line for
    /// each cycle that changes something and a heartbeat.
    #[command(after_help = outcome::EXIT_HELP)]
    Run(run::RunArgs),
    /// Balances, offers, credits and why money is idle (changes nothing).
    #[command(after_help = STATUS_EXIT_HELP)]
    Status,
    /// Syncs interest payments, then prints earnings, APY, utilization and the Auto-Renew
    /// baseline (or a CSV for tax tools).
    Earnings(earnings::EarningsArgs),
    /// Replays a market through the emulator with the real engine and compares the strategy
    /// with Auto-Renew, a fixed offer, a spread ladder, idle money and perfect foresight.
    Backtest(backtest::BacktestArgs),
    /// The market model's calibration table: model vs real 2026 fUSD figures, each with its
    /// tolerance and source (exit 0 all hold, 1 one does not).
    Calibrate(calibrate::CalibrateArgs),
    /// Walk-forward evaluation: the market model fitted on each training window, every
    /// contender tested on the window after it, across all real data, plus synthetic seeds
    /// never used for tuning; writes target/bench/walk-forward.{json,md}.
    WalkForward(walk::WalkArgs),
}

const STATUS_EXIT_HELP: &str = "\
Exit status: 0 shown, 1 not started (no API key, the local database), 2 the key cannot be
used, 3 Bitfinex could not be read (what did load is shown).";

/// The command line, with the global options that `yf sim` does not use (it talks to no
/// Bitfinex and keeps nothing on disk) left out of its help.
fn command() -> clap::Command {
    // In place (`mut_arg` would reorder the arguments of a built command and break its
    // lookup of options).
    fn hide_unused(c: clap::Command) -> clap::Command {
        c.mut_args(|a| {
            let unused = ["api_url", "data_dir"].contains(&a.get_id().as_str());
            a.hide(unused)
        })
    }
    let mut cmd = Cli::command();
    cmd.build(); // the global options are copied into every subcommand here
    cmd.mut_subcommand("sim", |sim| {
        hide_unused(sim).mut_subcommand("serve", hide_unused)
    })
}

fn main() {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YF_LOG")
                // The engine's problems are printed as sentences by `yf` itself; their log
                // lines would say the same again (`YF_LOG=warn` shows them).
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new(
                        "warn,lender::engine=error,lender::problems=error",
                    )
                }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let json = cli.global.json;
    let result = rt.block_on(async move {
        match cli.command {
            Command::Sim { command } => sim::run(&cli.global, command).await,
            Command::Verify => verify::run(&cli.global).await,
            Command::Run(args) => run::run(&cli.global, args).await,
            Command::Status => run::status(&cli.global).await,
            Command::Earnings(args) => earnings::run(&cli.global, args).await,
            Command::Backtest(args) => backtest::run(&cli.global, args).await,
            Command::Calibrate(args) => calibrate::run(&cli.global, args),
            Command::WalkForward(args) => walk::run(&cli.global, args).await,
        }
    });
    match result {
        Ok(code) => std::process::exit(code),
        Err(f) => {
            if json {
                eprintln!(
                    "{}",
                    serde_json::json!({"code": f.code, "message": f.message})
                );
            } else {
                eprintln!("yf: {}", f.message);
            }
            std::process::exit(f.exit);
        }
    }
}
