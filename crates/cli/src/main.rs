//! `yf`: the Yieldsforge command line (headless lending, verification, backtests, the emulator).
use clap::Parser;

/// Yieldsforge command line.
#[derive(Parser, Debug)]
#[command(name = "yf", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
