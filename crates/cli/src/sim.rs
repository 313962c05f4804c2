//! `yf sim serve`: the emulator, standalone.

use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig};
use clap::Subcommand;
use serde_json::json;

use crate::common::{Failure, Global, Result};

#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// Serve a simulated Bitfinex with a funded demo account.
    Serve {
        /// Random seed of the market.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Simulated seconds per real second (1 = real time).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Port on 127.0.0.1 (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// USD in the demo account's funding wallet.
        #[arg(long, default_value = "10000")]
        balance: String,
    },
}

pub async fn run(g: &Global, cmd: SimCommand) -> Result<i32> {
    let SimCommand::Serve {
        seed,
        speed,
        port,
        balance,
    } = cmd;
    if !(speed.is_finite() && speed > 0.0) {
        return Err(Failure::new(
            "InvalidInput",
            "--speed must be a positive number.",
        ));
    }
    let clock = if (speed - 1.0).abs() < f64::EPSILON {
        ClockMode::Real
    } else {
        ClockMode::Accelerated { speed }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let sim = Sim::new(SimConfig {
        seed,
        start_mts: now,
        clock,
        market: MarketSpec::Synthetic,
        ..SimConfig::default()
    });
    let demo = sim.demo_account(&balance);
    let handle = sim.serve(&format!("127.0.0.1:{port}")).await.map_err(|e| {
        Failure::new(
            "Network",
            format!("Cannot listen on 127.0.0.1:{port}: {e}."),
        )
    })?;
    if g.json {
        println!(
            "{}",
            json!({"url": handle.url, "admin_url": handle.admin_url, "key": demo.key, "secret": demo.secret})
        );
    } else {
        println!(
            "bfx-sim serving {} (admin {})",
            handle.url, handle.admin_url
        );
        println!(
            "demo account {}: BFX_API_KEY={} BFX_API_SECRET={}",
            demo.account, demo.key, demo.secret
        );
        println!("use it with: yf --api-url {} verify", handle.url);
    }
    wait_for_stop().await;
    handle.stop().await;
    Ok(0)
}

/// Waits for SIGINT or SIGTERM.
pub async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
