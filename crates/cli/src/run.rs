//! `yf run` (the engine, headless) and `yf status` (changes nothing).

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use lender::bfx_exchange::BfxExchange;
use lender::engine::{Engine, EngineCommand, EngineConfig, EngineState, EngineStatus};
use lender::exchange::{Clock, SystemClock};
use lender::problems::EngineProblem;
use store::{Action, Outcome, Store};

use crate::activity;
use crate::common::{Failure, Global, Result, client, credentials, open_store};
use crate::human;
use crate::outcome::{self, exit};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// One cycle, then exit (the exit status says how it went; see below).
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
    /// Print what is on offer, lent and idle every this many minutes (0 = never).
    #[arg(long, value_name = "MINUTES", default_value_t = 10.0)]
    heartbeat: f64,
}

async fn engine(
    g: &Global,
    dry_run: bool,
    currencies: Vec<String>,
    manage_all_offers: bool,
) -> Result<(Engine<BfxExchange>, Arc<Store>, Option<store::EngineLock>)> {
    // The key first: without one, nothing is created on disk.
    let creds = credentials()?;
    let dir = crate::common::data_dir(g);
    // One engine per key (the app, or another `yf run`, is named), taken before the first
    // signed request: a second engine's requests would push the first one's nonces aside.
    let mut lock = if dry_run {
        None
    } else {
        let fingerprint = vault::KeyIdentity::of(&creds.key).fingerprint;
        Some(
            store::EngineLock::key(
                &dir,
                &std::env::var_os("YF_LOCK_DIR")
                    .filter(|d| !d.is_empty())
                    .map_or_else(store::lock::default_key_lock_dir, std::path::PathBuf::from),
                &fingerprint,
                "yf run",
            )
            .map_err(|e| Failure::new("NonceConflict", e.to_string()))?,
        )
    };
    // Permissions are re-verified at every start, before anything is written to disk: a
    // withdraw-enabled, broken or wrong key never lends and leaves no data folder behind.
    let probe = client(g, Some(creds.clone()), None)?;
    let v = lender::verify::verify(&probe)
        .await
        .map_err(outcome::start_failure)?;
    if !v.usable {
        let mut f = Failure::new(
            if v.refused {
                "WithdrawPermission"
            } else {
                "MissingPermission"
            },
            v.problems.join(" "),
        );
        f.exit = exit::KEY;
        return Err(f);
    }
    let store = open_store(g, Some(&creds))?;
    if let Some(l) = lock.as_mut() {
        l.add_data_folder(&dir, "yf run")
            .map_err(|e| Failure::new("NonceConflict", e.to_string()))?;
    }
    // The engine's client shares the verifying client's nonces (one lane per key in a
    // process) and keeps them in the key's database from here on.
    let c = Arc::new(client(g, Some(creds), Some(store.clone()))?);
    let cfg = EngineConfig {
        currencies,
        dry_run,
        manage_all_offers,
        ..EngineConfig::default()
    };
    let engine = Engine::new(
        BfxExchange::new(c),
        store.clone(),
        Arc::new(SystemClock),
        cfg,
    )?;
    Ok((engine, store, lock))
}

/// The id of the newest logged action (0 when none).
fn last_action_id(store: &Store) -> i64 {
    store
        .recent_actions(1)
        .ok()
        .and_then(|a| a.first().map(|a| a.id))
        .unwrap_or(0)
}

/// The actions logged after `after`, oldest first.
fn actions_since(store: &Store, after: i64) -> Vec<Action> {
    let mut new: Vec<Action> = store
        .recent_actions(1000)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.id > after)
        .collect();
    new.reverse();
    new
}

pub async fn run(g: &Global, args: RunArgs) -> Result<i32> {
    if !(args.heartbeat.is_finite() && args.heartbeat >= 0.0) {
        return Err(Failure::new(
            "InvalidInput",
            "--heartbeat must be a number of minutes (0 = never).",
        ));
    }
    let currencies = args.currencies.clone();
    let (mut e, store, _lock) =
        engine(g, args.dry_run, args.currencies, args.manage_all_offers).await?;
    e.start()?;
    if args.once {
        let before = last_action_id(&store);
        let report = e.cycle().await?;
        let status = e.status();
        let actions = actions_since(&store, before);
        let refused = actions
            .iter()
            .filter(|a| a.outcome == Outcome::Rejected)
            .find_map(|a| a.detail.as_deref());
        let failure = outcome::cycle_failure(&report, &status, refused);
        print_status(g, &status, View::Run);
        if !g.json {
            let lines = activity::cycle_lines(&actions, &status);
            if !lines.is_empty() {
                println!();
            }
            for l in &lines {
                println!("this cycle: {l}");
            }
            if lines.is_empty() && failure.is_none() {
                println!("\nthis cycle: nothing to change");
            }
        }
        return match failure {
            Some(f) => Err(f),
            None => Ok(exit::OK),
        };
    }
    let heartbeat = (args.heartbeat > 0.0).then(|| Duration::from_secs_f64(args.heartbeat * 60.0));
    let (handle, task) = lender::engine::spawn(e);
    if !g.json {
        println!(
            "{} lending from the funding wallet{}{}; Ctrl-C stops (offers stay on the book)",
            human::clock(SystemClock.now_mts()),
            if currencies.is_empty() {
                String::new()
            } else {
                format!(" ({})", currencies.join(", "))
            },
            if args.dry_run {
                " as a dry run: nothing is sent"
            } else {
                ""
            }
        );
    }
    let printer = tokio::spawn(print_progress(handle.status(), store, g.json, heartbeat));
    crate::sim::wait_for_stop().await;
    let _ = handle.send(EngineCommand::Shutdown).await;
    let _ = task.await;
    printer.abort();
    if !g.json {
        println!(
            "{} stopped; the offers placed stay on the book",
            human::clock(SystemClock.now_mts())
        );
    }
    Ok(exit::OK)
}

/// Prints, while the engine runs: with `--json` every status as one JSON object per line;
/// otherwise a line per currency for each cycle that sent something, state changes, problems
/// (on stderr) when they appear and when they clear, and the heartbeat.
async fn print_progress(
    mut status: tokio::sync::watch::Receiver<EngineStatus>,
    store: Arc<Store>,
    json: bool,
    heartbeat: Option<Duration>,
) {
    let mut prev = status.borrow().clone();
    let mut last_action = last_action_id(&store);
    let mut shown_problems: Vec<EngineProblem> = Vec::new();
    let mut shown_error: Option<String> = None;
    // The writes of the last cycle, for the heartbeat.
    let mut last_writes: Vec<Action> = Vec::new();
    let mut beat = heartbeat.map(|d| tokio::time::interval_at(tokio::time::Instant::now() + d, d));
    let now = || human::clock(SystemClock.now_mts());
    loop {
        let tick = async {
            match beat.as_mut() {
                Some(b) => {
                    b.tick().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let s = status.borrow_and_update().clone();
                if json {
                    println!("{}", serde_json::to_string(&s).unwrap_or_default());
                    continue;
                }
                if s.last_cycle_mts != prev.last_cycle_mts {
                    let actions = actions_since(&store, last_action);
                    if let Some(a) = actions.last() {
                        last_action = a.id;
                    }
                    for line in activity::cycle_lines(&actions, &s) {
                        println!("{} {line}", now());
                    }
                    last_writes = actions;
                }
                if std::mem::discriminant(&s.state) != std::mem::discriminant(&prev.state)
                    || matches!(
                        (&s.state, &prev.state),
                        (EngineState::Halted { reason: a, .. }, EngineState::Halted { reason: b, .. }) if a != b
                    )
                {
                    println!("{} engine: {}", now(), human::state(&s.state));
                }
                for p in &s.problems {
                    let seen = shown_problems.iter().any(|q| {
                        q.kind == p.kind && q.currency == p.currency && q.request == p.request
                    });
                    if !seen {
                        eprintln!("yf: {}", p.message);
                    }
                }
                if let Some(e) = s.last_error.as_ref().filter(|e| {
                    s.problems.is_empty() && shown_error.as_ref() != Some(*e)
                }) {
                    eprintln!("yf: {e}");
                }
                let had = !shown_problems.is_empty() || shown_error.is_some();
                shown_problems = s.problems.clone();
                shown_error = s.last_error.clone();
                if had && s.problems.is_empty() && s.last_error.is_none() && s.last_cycle_mts != prev.last_cycle_mts {
                    println!("{} the problems cleared; lending as planned", now());
                }
                prev = s;
            }
            () = tick => {
                if !json {
                    println!("{} {}", now(), activity::heartbeat(&prev, &last_writes));
                }
            }
        }
    }
}

pub async fn status(g: &Global) -> Result<i32> {
    // A dry-run engine that is never started: it computes the plan and sends nothing.
    let (mut e, _, _) = engine(g, true, vec!["USD".into(), "UST".into()], false).await?;
    let report = e.cycle().await?;
    let status = e.status();
    print_status(g, &status, View::Status);
    match outcome::cycle_failure(&report, &status, None) {
        Some(f) => Err(f),
        None => Ok(exit::OK),
    }
}

/// What the status is printed for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// `yf run --once`: the cycle's own lines follow.
    Run,
    /// `yf status`: the plan is a preview.
    Status,
}

fn print_status(g: &Global, s: &EngineStatus, view: View) {
    if g.json {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
        return;
    }
    let paused = s.state == EngineState::Paused;
    println!(
        "engine: {}{}",
        human::state(&s.state),
        if s.dry_run && view == View::Run {
            " (dry run: nothing is sent)"
        } else if paused && view == View::Status {
            " (`yf run` or the app starts lending)"
        } else {
            ""
        }
    );
    let next = if paused { "when started" } else { "next" };
    for c in &s.currencies {
        let cur = c.currency.as_str();
        let a = |d| human::amount(cur, d);
        if c.total.is_zero() && c.offers.is_empty() && c.credits.is_empty() {
            println!("\n{cur}: nothing in the funding wallet");
            continue;
        }
        let when = if view == View::Run {
            " (before this cycle)"
        } else {
            ""
        };
        let by_hand = if c.manual_on_offer.is_zero() {
            String::new()
        } else {
            format!(", {} on offer by hand", a(c.manual_on_offer))
        };
        println!(
            "\n{cur}: {} in the funding wallet: {} on offer, {} lent, {} idle{by_hand}{when}",
            a(c.total),
            a(c.on_offer),
            a(c.lent),
            a(c.idle)
        );
        for o in &c.offers {
            let why = match (&o.reason, o.owned) {
                (_, false) => " (placed by hand)".to_owned(),
                (Some(r), true) => format!(" — why: {}", human::offer_reason(r)),
                (None, true) => String::new(),
            };
            println!("  offer #{}: {}{why}", o.id, human::offer(cur, o));
        }
        for cr in &c.credits {
            println!(
                "  lent {} at {} for {}, until {} at the latest",
                human::money(cur, cr.amount),
                human::rate(cr.rate),
                human::days(cr.period),
                human::date_time(cr.ends_mts)
            );
        }
        // What rounds to nothing (a few millionths left by an offer's amount) is not shown.
        for i in c
            .plan
            .idle
            .iter()
            .filter(|i| !human::negligible(cur, i.amount))
        {
            println!(
                "  idle {}: {}",
                human::money(cur, i.amount),
                human::idle_reason(cur, i.reason, &c.plan)
            );
        }
        if view == View::Status {
            for x in &c.plan.cancel {
                println!(
                    "  {next}: cancel offer #{}: {}",
                    x.id,
                    human::cancel_reason(x.reason)
                );
            }
            for d in &c.plan.submit {
                println!(
                    "  {next}: offer {} at {} for {} ({})",
                    human::money(cur, d.amount),
                    human::offer_rate(d.kind, d.rate),
                    human::days(d.period),
                    human::offer_reason(&d.reason)
                );
            }
        }
    }
}
