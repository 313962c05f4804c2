//! `yf run` (the engine, headless) and `yf status` (changes nothing).

use std::sync::Arc;

use clap::Args;
use lender::bfx_exchange::BfxExchange;
use lender::engine::{Engine, EngineCommand, EngineConfig, EngineStatus};
use lender::exchange::SystemClock;

use crate::common::{Failure, Global, Result, client, credentials, open_store};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// One cycle, then exit.
    #[arg(long)]
    once: bool,
    /// Log what would be done; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also manage offers placed by hand (by default they are left alone).
    #[arg(long)]
    manage_all_offers: bool,
    /// Currencies to lend.
    #[arg(long, value_delimiter = ',', default_value = "USD")]
    currencies: Vec<String>,
}

async fn engine(
    g: &Global,
    dry_run: bool,
    currencies: Vec<String>,
    manage_all_offers: bool,
) -> Result<Engine<BfxExchange>> {
    let store = open_store(g)?;
    let creds = credentials()?;
    let c = Arc::new(client(g, Some(creds), Some(store.clone()))?);
    // Permissions are re-verified at every start: a withdraw-enabled or broken key never lends.
    let v = lender::verify::verify(&c).await?;
    if !v.usable {
        let mut f = Failure::new(
            if v.refused {
                "WithdrawPermission"
            } else {
                "MissingPermission"
            },
            v.problems.join(" "),
        );
        f.exit = 2;
        return Err(f);
    }
    let cfg = EngineConfig {
        currencies,
        dry_run,
        manage_all_offers,
        ..EngineConfig::default()
    };
    Ok(Engine::new(
        BfxExchange::new(c),
        store,
        Arc::new(SystemClock),
        cfg,
    )?)
}

pub async fn run(g: &Global, args: RunArgs) -> Result<i32> {
    let mut e = engine(g, args.dry_run, args.currencies, args.manage_all_offers).await?;
    e.start()?;
    if args.once {
        let r = e.cycle().await?;
        print_status(g, &e.status());
        if !g.json {
            println!(
                "cycle: {} submitted, {} cancelled, {} refused, {} unknown, {} reconciled, {} dry-run",
                r.submitted, r.cancelled, r.rejected, r.unknown, r.reconciled, r.dry_run
            );
        }
        return Ok(0);
    }
    let (handle, task) = lender::engine::spawn(e);
    let mut status = handle.status();
    let json = g.json;
    let printer = tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let s = status.borrow().clone();
            if json {
                println!("{}", serde_json::to_string(&s).unwrap_or_default());
            } else if let Some(err) = &s.last_error {
                eprintln!("yf: {err}");
            }
        }
    });
    crate::sim::wait_for_stop().await;
    let _ = handle.send(EngineCommand::Shutdown).await;
    let _ = task.await;
    printer.abort();
    Ok(0)
}

pub async fn status(g: &Global) -> Result<i32> {
    // A dry-run engine that is never started: it computes the plan and sends nothing.
    let mut e = engine(g, true, vec!["USD".into(), "UST".into()], false).await?;
    e.cycle().await?;
    print_status(g, &e.status());
    Ok(0)
}

fn print_status(g: &Global, s: &EngineStatus) {
    if g.json {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
        return;
    }
    println!(
        "engine: {:?}{}",
        s.state,
        if s.dry_run { " (dry run)" } else { "" }
    );
    for c in &s.currencies {
        println!(
            "\n{}: total {} · idle {} · on offer {} · lent {} · manual offers {}",
            c.currency, c.total, c.idle, c.on_offer, c.lent, c.manual_on_offer
        );
        for o in &c.offers {
            println!(
                "  offer {} {} at {}/day for {} days{}",
                o.id,
                o.amount,
                o.rate,
                o.period,
                if o.owned { "" } else { " (placed by hand)" }
            );
        }
        for cr in &c.credits {
            println!(
                "  lent {} at {}/day for {} days",
                cr.amount, cr.rate, cr.period
            );
        }
        for i in &c.plan.idle {
            println!("  idle {} — {:?}", i.amount, i.reason);
        }
        for d in &c.plan.submit {
            println!(
                "  plan: offer {} at {}/day for {} days ({:?})",
                d.amount, d.rate, d.period, d.reason
            );
        }
    }
}
