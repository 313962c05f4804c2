//! Running the contenders: one fresh exchange each, the same market, stepped at full speed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::world::{AutoRenew, Credit};
use bfx_sim::{ClockMode, FillModel, MarketSpec, Sim, SimConfig, SimHandle};
use lender::bfx_exchange::BfxExchange;
use lender::engine::{Engine, EngineConfig};
use lender::exchange::{Clock, Exchange};
use rust_decimal::{Decimal, MathematicalOps};

use crate::{Kind, MarketSource, Outcome, Report, SimExchange, Spec, Transport};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Bitfinex keeps this share of the interest.
const FEE: Decimal = Decimal::from_parts(15, 0, 0, false, 2);

/// Why a backtest could not run.
#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    /// The input is not usable (empty tape, bad length, bad settings).
    #[error("{0}")]
    Invalid(String),
    /// The engine failed against the emulator.
    #[error("the engine stopped: {0}")]
    Engine(String),
    /// The emulator could not start.
    #[error("could not start the emulated exchange: {0}")]
    Sim(String),
}

struct SimTime(Sim);

impl Clock for SimTime {
    fn now_mts(&self) -> i64 {
        self.0.now()
    }
}

/// One contender to run.
#[derive(Clone)]
struct Contender {
    name: String,
    kind: Kind,
    settings: Option<lender::StrategySettings>,
}

/// A job's result.
type Outcomed = Result<Outcome, BacktestError>;

/// One line of the report to compute.
enum Job {
    /// A contender on its own exchange.
    Contender(Box<Contender>),
    /// The perfect-foresight bound.
    Foresight,
}

impl Job {
    /// Which jobs go first (lower first): the longest.
    fn weight(&self) -> u8 {
        match self {
            Self::Contender(c) if c.settings.is_some() => 0,
            Self::Contender(c) if c.kind == Kind::Idle => 3,
            Self::Contender(_) => 1,
            Self::Foresight => 2,
        }
    }

    async fn run(
        self,
        spec: &Spec,
        start: i64,
        hours: i64,
        done: &AtomicU64,
    ) -> Result<Outcome, BacktestError> {
        match self {
            Self::Contender(c) => run_one(spec, &c, start, hours, done).await,
            Self::Foresight => Ok(foresight(spec, start, hours)),
        }
    }
}

/// Where the market starts and how long it runs.
fn window(spec: &Spec) -> Result<(i64, i64), BacktestError> {
    if spec.hours < 1 || spec.hours > 24 * 366 {
        return Err(BacktestError::Invalid(format!(
            "Choose between 1 hour and 366 days, not {} hours.",
            spec.hours
        )));
    }
    match &spec.market {
        MarketSource::Tape { tape, name } => {
            let (a, b) = tape
                .span()
                .ok_or_else(|| BacktestError::Invalid(format!("The tape {name} has no trades.")))?;
            let hours = spec.hours.min((b - a) / HOUR + 1);
            Ok((a - 60_000, hours))
        }
        // 2026-06-01T00:00:00Z, as the emulator's default.
        MarketSource::Synthetic { .. } => Ok((1_780_272_000_000, spec.hours)),
    }
}

fn market_spec(spec: &Spec) -> MarketSpec {
    match &spec.market {
        MarketSource::Tape { tape, .. } => MarketSpec::Replay {
            symbol: format!("f{}", spec.currency),
            tape: tape.clone(),
        },
        MarketSource::Synthetic { .. } => MarketSpec::Synthetic,
    }
}

fn seed(spec: &Spec) -> u64 {
    match spec.market {
        MarketSource::Synthetic { seed } => seed,
        MarketSource::Tape { .. } => 3,
    }
}

/// A fresh exchange with the spec's market from `start`, its clock stepped by hand. Only the
/// perfect-foresight bound reads old public trades, so only its exchange keeps them all (the
/// others keep the emulator's default week, more than anything they read: the ticker and the
/// hourly statistics look back one day).
fn new_sim(spec: &Spec, start: i64, frr_optimistic: bool, keep_all_trades: bool) -> Sim {
    let sim = Sim::new(SimConfig {
        seed: seed(spec),
        start_mts: start,
        clock: ClockMode::Manual,
        market: market_spec(spec),
        fill: FillModel {
            participation: spec.participation,
            frr_optimistic,
        },
    });
    if keep_all_trades {
        sim.with_world(|w| w.keep_trades_ms = i64::MAX / 4);
    }
    sim
}

/// Interest of one loan up to `t`, before the fee.
fn interest(c: &Credit, t: i64) -> Decimal {
    let stop = c.closed.unwrap_or(c.ends).min(t);
    let ms = (stop - c.opened).max(0);
    c.amount * c.rate * Decimal::from(ms) / Decimal::from(DAY)
}

/// Interest accrued by an account's loans, net of the fee: what Bitfinex pays for them,
/// second by second, read at times that only move forward.
///
/// Closed loans never change, and the history only grows at its end, so the sum over the
/// loans closed so far is kept from one reading to the next; each reading adds the same terms
/// in the same order as a sum from scratch (history, then the loans still running), so the
/// result is the same to the last digit.
struct Accrual {
    account: u64,
    symbol: String,
    /// History entries already in `closed`.
    done: usize,
    /// Their sum.
    closed: Decimal,
}

impl Accrual {
    fn new(account: u64, symbol: &str) -> Self {
        Self {
            account,
            symbol: symbol.to_owned(),
            done: 0,
            closed: Decimal::ZERO,
        }
    }

    /// Accrued up to `t` (now, on the exchange's clock).
    fn at(&mut self, sim: &Sim, t: i64) -> Decimal {
        sim.with_world(|w| {
            let hist = &w.accounts[&self.account].credit_hist;
            while let Some(c) = hist.get(self.done) {
                if c.closed.is_none_or(|x| x > t) {
                    break;
                }
                if c.symbol == self.symbol {
                    self.closed += interest(c, t);
                }
                self.done += 1;
            }
            let mut sum = self.closed;
            for c in hist[self.done..]
                .iter()
                .chain(
                    w.markets[&self.symbol]
                        .credits
                        .iter()
                        .filter(|c| c.account == self.account),
                )
                .filter(|c| c.symbol == self.symbol)
            {
                sum += interest(c, t);
            }
            sum * (Decimal::ONE - FEE)
        })
    }
}

/// (lent, funding balance) of the account now.
fn lent_and_total(sim: &Sim, account: u64, symbol: &str, currency: &str) -> (Decimal, Decimal) {
    sim.with_world(|w| {
        let lent = w.markets[symbol]
            .credits
            .iter()
            .filter(|c| c.account == account)
            .map(|c| c.amount)
            .sum();
        let total = w.accounts[&account]
            .wallets
            .get(&("funding".to_owned(), currency.to_owned()))
            .copied()
            .unwrap_or_default();
        (lent, total)
    })
}

fn rates(earned: Decimal, balance: Decimal, ms: i64) -> (Decimal, Decimal) {
    if balance <= Decimal::ZERO || ms <= 0 {
        return (Decimal::ZERO, Decimal::ZERO);
    }
    let daily = earned / balance / (Decimal::from(ms) / Decimal::from(DAY));
    let apr = (daily * Decimal::from(365)).round_dp(6);
    let apy = (Decimal::ONE + daily)
        .checked_powu(365)
        .map_or(Decimal::ZERO, |g| (g - Decimal::ONE).round_dp(6));
    (apr, apy)
}

/// A contender's engine, on one transport.
enum Driven {
    /// Over HTTP: the emulator served on loopback, the live client.
    Http {
        engine: Box<Engine<BfxExchange>>,
        server: SimHandle,
    },
    /// In process, with its request count.
    InProcess {
        engine: Box<Engine<SimExchange>>,
        calls: Arc<AtomicU64>,
    },
}

impl Driven {
    async fn cycle(&mut self) -> Result<(), String> {
        match self {
            Self::Http { engine, .. } => engine.cycle().await.map(drop),
            Self::InProcess { engine, .. } => engine.cycle().await.map(drop),
        }
        .map_err(|e| e.to_string())
    }

    /// API requests so far.
    fn api_calls(&self, sim: &Sim) -> u64 {
        match self {
            Self::Http { .. } => sim.api_calls(),
            Self::InProcess { calls, .. } => calls.load(Ordering::Relaxed),
        }
    }
}

/// The real engine on `x`, lending `settings`, on the exchange's clock.
fn new_engine<X: Exchange>(
    x: X,
    spec: &Spec,
    sim: &Sim,
    c: &Contender,
    settings: &lender::StrategySettings,
) -> Result<Box<Engine<X>>, BacktestError> {
    let store =
        Arc::new(store::Store::open_in_memory().map_err(|e| BacktestError::Sim(e.to_string()))?);
    let mut e = Engine::new(
        x,
        store,
        Arc::new(SimTime(sim.clone())),
        EngineConfig {
            currencies: vec![spec.currency.clone()],
            ..EngineConfig::default()
        },
    )
    .map_err(|e| BacktestError::Engine(e.to_string()))?;
    e.set_settings(&spec.currency, settings.clone())
        .map_err(|e| BacktestError::Invalid(format!("{}: {e}", c.name)))?;
    e.start()
        .map_err(|e| BacktestError::Engine(e.to_string()))?;
    Ok(Box::new(e))
}

/// Runs one contender on its own exchange; `done` counts steps for the progress bar.
async fn run_one(
    spec: &Spec,
    c: &Contender,
    start: i64,
    hours: i64,
    done: &AtomicU64,
) -> Result<Outcome, BacktestError> {
    let symbol = format!("f{}", spec.currency);
    let sim = new_sim(spec, start, c.kind == Kind::AutoRenewOptimistic, false);
    let demo = sim.demo_account(&spec.balance.to_string());
    let account = demo.account;
    let mut driven = match (&c.settings, spec.transport) {
        (None, _) => None,
        (Some(settings), Transport::InProcess) => {
            let x = SimExchange::new(sim.clone(), account);
            let calls = x.call_counter();
            Some(Driven::InProcess {
                engine: new_engine(x, spec, &sim, c, settings)?,
                calls,
            })
        }
        (Some(settings), Transport::Http) => {
            let h = sim
                .serve("127.0.0.1:0")
                .await
                .map_err(|e| BacktestError::Sim(e.to_string()))?;
            let mut cfg = ClientConfig::for_base(&h.url);
            cfg.rate_limits = false;
            cfg.timeout = Duration::from_secs(30);
            let client = Client::new(cfg, Some(Credentials::new(&demo.key, &demo.secret)))
                .map_err(|e| BacktestError::Sim(e.to_string()))?;
            Some(Driven::Http {
                engine: new_engine(BfxExchange::new(Arc::new(client)), spec, &sim, c, settings)?,
                server: h,
            })
        }
    };
    if matches!(
        c.kind,
        Kind::AutoRenewConservative | Kind::AutoRenewOptimistic
    ) {
        sim.with_world(|w| {
            w.set_auto_renew(
                account,
                &spec.currency,
                Some(AutoRenew {
                    period: 2,
                    rate: Decimal::ZERO,
                    threshold: Decimal::ZERO,
                }),
            )
        })
        .map_err(|e| BacktestError::Sim(e.to_string()))?;
    }
    // Idle money: nothing the market does reaches an account that neither offers nor lends,
    // so its exchange is not moved at all (every step reads the same wallet).
    let moves = c.kind != Kind::Idle;
    let step = spec.step_minutes.clamp(1, 60) * 60_000;
    let end = start + hours * HOUR;
    let calls_before = driven.as_ref().map_or(0, |d| d.api_calls(&sim));
    let mut accrual = Accrual::new(account, &symbol);
    let mut cumulative = vec![(start, Decimal::ZERO)];
    let (mut lent_ms, mut total_ms) = (Decimal::ZERO, Decimal::ZERO);
    let mut next_sample = start + HOUR;
    let mut t = start;
    while t < end {
        let dt = step.min(end - t);
        // Lent and total hold over the step that follows (the engine acts at its start).
        let (lent, total) = lent_and_total(&sim, account, &symbol, &spec.currency);
        if moves {
            sim.advance(dt);
        }
        t += dt;
        if let Some(d) = driven.as_mut() {
            d.cycle()
                .await
                .map_err(|err| BacktestError::Engine(format!("{}: {err}", c.name)))?;
        }
        lent_ms += lent * Decimal::from(dt);
        total_ms += total * Decimal::from(dt);
        if t >= next_sample || t >= end {
            cumulative.push((t, accrual.at(&sim, t).round_dp(8)));
            next_sample += HOUR;
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
    let api_calls = driven.as_ref().map_or(0, |d| d.api_calls(&sim)) - calls_before;
    if let Some(Driven::Http { server, .. }) = driven {
        server.stop().await;
    }
    let earned = accrual.at(&sim, end).round_dp(8);
    let (apr, apy) = rates(earned, spec.balance, end - start);
    let (offers, cancels, fills) = sim.with_world(|w| {
        let a = &w.accounts[&account];
        let open = w.markets[&symbol]
            .offers
            .iter()
            .filter(|o| o.account == Some(account))
            .count();
        let cancels = a
            .offer_hist
            .iter()
            .filter(|o| o.status.starts_with("CANCELED"))
            .count();
        let fills: Vec<(Decimal, Decimal, u32)> = a
            .trades
            .iter()
            .filter(|t| t.symbol == symbol)
            .map(|t| (t.amount.abs(), t.rate, t.period))
            .collect();
        ((a.offer_hist.len() + open) as u64, cancels as u64, fills)
    });
    let filled: Decimal = fills.iter().map(|f| f.0).sum();
    let weighted = |g: &dyn Fn(&(Decimal, Decimal, u32)) -> Decimal| {
        (filled > Decimal::ZERO)
            .then(|| (fills.iter().map(|f| f.0 * g(f)).sum::<Decimal>() / filled).round_dp(8))
    };
    Ok(Outcome {
        name: c.name.clone(),
        kind: c.kind,
        earned,
        apr,
        apy,
        utilization: if total_ms > Decimal::ZERO {
            (lent_ms / total_ms).round_dp(4)
        } else {
            Decimal::ZERO
        },
        avg_rate: weighted(&|f| f.1),
        avg_period: weighted(&|f| Decimal::from(f.2)).map(|p| p.round_dp(2)),
        offers,
        cancels,
        api_calls_per_hour: (Decimal::from(api_calls) / Decimal::from(hours.max(1))).round_dp(1),
        cumulative,
    })
}

/// The perfect-foresight bound: the whole balance lent all the time, each hour at the highest
/// rate of any loan that could still be running then (a trade printed at `s` for `p` days can
/// be running until `s + p` days), net of the fee. No contender's loans can pay more under the
/// conservative fill model, since an offer fills at its own rate, at most the trade's.
fn foresight(spec: &Spec, start: i64, hours: i64) -> Outcome {
    let symbol = format!("f{}", spec.currency);
    let sim = new_sim(spec, start, false, true);
    let end = start + hours * HOUR;
    // The market alone, no account: how the clock gets to the end does not matter (every
    // event is processed at its own time), so it goes there in one move.
    sim.advance_to(end);
    // Per loan length: the highest rate that started in each hour.
    let n = usize::try_from(hours).unwrap_or(0);
    let mut started: std::collections::BTreeMap<u32, Vec<Option<Decimal>>> = Default::default();
    sim.with_world(|w| {
        for tr in w.markets[&symbol]
            .trades
            .iter()
            .filter(|t| t.mts >= start && t.mts < end)
        {
            let h = usize::try_from((tr.mts - start) / HOUR)
                .unwrap_or(0)
                .min(n.saturating_sub(1));
            let slot = &mut started.entry(tr.period).or_insert_with(|| vec![None; n])[h];
            *slot = Some(slot.map_or(tr.rate, |r: Decimal| r.max(tr.rate)));
        }
    });
    // Hour h can hold a loan of p days that started in hours h − 24p ..= h.
    let mut best = vec![None::<Decimal>; n];
    for (period, by_hour) in &started {
        let reach = usize::try_from(*period).unwrap_or(120) * 24;
        let mut window: std::collections::VecDeque<(usize, Decimal)> = Default::default();
        for h in 0..n {
            if let Some(r) = by_hour[h] {
                while window.back().is_some_and(|(_, x)| *x <= r) {
                    window.pop_back();
                }
                window.push_back((h, r));
            }
            while window.front().is_some_and(|(s, _)| s + reach < h) {
                window.pop_front();
            }
            if let Some((_, r)) = window.front() {
                best[h] = Some(best[h].map_or(*r, |b: Decimal| b.max(*r)));
            }
        }
    }
    let mut earned = Decimal::ZERO;
    let mut cumulative = vec![(start, Decimal::ZERO)];
    for (h, r) in best.iter().enumerate() {
        if let Some(r) = r {
            earned += spec.balance * *r / Decimal::from(24) * (Decimal::ONE - FEE);
        }
        cumulative.push((start + (h as i64 + 1) * HOUR, earned.round_dp(8)));
    }
    let earned = earned.round_dp(8);
    let (apr, apy) = rates(earned, spec.balance, hours * HOUR);
    let lent: Vec<Decimal> = best.iter().flatten().copied().collect();
    let avg = (!lent.is_empty())
        .then(|| (lent.iter().sum::<Decimal>() / Decimal::from(lent.len())).round_dp(8));
    Outcome {
        name: "Perfect foresight (upper bound)".into(),
        kind: Kind::PerfectForesight,
        earned,
        apr,
        apy,
        utilization: if n > 0 {
            (Decimal::from(lent.len()) / Decimal::from(n)).round_dp(4)
        } else {
            Decimal::ZERO
        },
        avg_rate: avg,
        avg_period: None,
        offers: 0,
        cancels: 0,
        api_calls_per_hour: Decimal::ZERO,
        cumulative,
    }
}

/// Runs every contender (as many at a time as there are cores, up to four) and reports them
/// side by side. `progress(done, total)` is called about five times a second with simulated
/// steps done.
pub async fn run(spec: &Spec, mut progress: impl FnMut(u64, u64)) -> Result<Report, BacktestError> {
    if spec.balance <= Decimal::ZERO {
        return Err(BacktestError::Invalid(
            "The balance must be above zero.".into(),
        ));
    }
    let (start, hours) = window(spec)?;
    for (name, s) in &spec.strategies {
        s.validate().map_err(|fields| {
            BacktestError::Invalid(format!(
                "{name}: {}",
                fields
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
        })?;
    }
    let mut contenders: Vec<Contender> = spec
        .strategies
        .iter()
        .map(|(name, s)| Contender {
            name: name.clone(),
            kind: Kind::Strategy,
            settings: Some(s.clone()),
        })
        .collect();
    contenders.extend([
        Contender {
            name: "Auto-Renew at FRR, filled only when trades reach FRR".into(),
            kind: Kind::AutoRenewConservative,
            settings: None,
        },
        Contender {
            name: "Auto-Renew at FRR, if every FRR offer filled (upper bound)".into(),
            kind: Kind::AutoRenewOptimistic,
            settings: None,
        },
        Contender {
            name: "Fixed offer at the ask".into(),
            kind: Kind::FixedAtAsk,
            settings: Some(crate::fixed_at_ask()),
        },
        Contender {
            name: "Spread ladder (Mika-style)".into(),
            kind: Kind::SpreadLadder,
            settings: Some(crate::spread_ladder()),
        },
        Contender {
            name: "Idle".into(),
            kind: Kind::Idle,
            settings: None,
        },
    ]);
    let step = spec.step_minutes.clamp(1, 60);
    let steps_each = u64::try_from((hours * 60 + step - 1) / step).unwrap_or(0);
    let total = steps_each * contenders.len() as u64;
    let done = Arc::new(AtomicU64::new(0));
    // The bound is the last outcome; every job is independent.
    let n = contenders.len() + 1;
    let mut jobs: Vec<(usize, Job)> = contenders
        .into_iter()
        .map(|c| Job::Contender(Box::new(c)))
        .chain([Job::Foresight])
        .enumerate()
        .collect();
    // Longest first, so the last job to finish is a short one: the engines, then the
    // exchanges that only move the market (Auto-Renew, the bound), idle money last.
    jobs.sort_by_key(|(i, j)| (j.weight(), *i));
    let queue = Arc::new(Mutex::new(VecDeque::from(jobs)));
    let slots: Arc<Mutex<Vec<Option<Outcomed>>>> =
        Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let spec_arc = Arc::new(spec.clone());
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    let mut workers = Vec::new();
    for _ in 0..parallel.min(n) {
        let (spec, done, queue, slots) =
            (spec_arc.clone(), done.clone(), queue.clone(), slots.clone());
        let next = move || queue.lock().ok().and_then(|mut q| q.pop_front());
        let put = move |i: usize, r| {
            if let Ok(mut s) = slots.lock() {
                s[i] = Some(r);
            }
        };
        workers.push(match spec.transport {
            // In process nothing ever waits: each worker is a thread of its own, so the
            // runtime stays free for the progress reports.
            Transport::InProcess => {
                let rt = tokio::runtime::Handle::current();
                tokio::task::spawn_blocking(move || {
                    while let Some((i, job)) = next() {
                        put(i, rt.block_on(job.run(&spec, start, hours, &done)));
                    }
                })
            }
            Transport::Http => tokio::spawn(async move {
                while let Some((i, job)) = next() {
                    put(i, job.run(&spec, start, hours, &done).await);
                }
            }),
        });
    }
    let all = futures_join(workers);
    tokio::pin!(all);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let joined = loop {
        tokio::select! {
            r = &mut all => break r,
            _ = tick.tick() => progress(done.load(Ordering::Relaxed), total),
        }
    };
    progress(total, total);
    for j in joined {
        j.map_err(|e| BacktestError::Engine(e.to_string()))?;
    }
    let results = std::mem::take(
        &mut *slots
            .lock()
            .map_err(|e| BacktestError::Engine(e.to_string()))?,
    );
    let mut outcomes = Vec::new();
    for r in results {
        outcomes.push(r.ok_or_else(|| BacktestError::Engine("a contender did not run".into()))??);
    }
    Ok(Report {
        market: spec.market.label(),
        start_mts: start,
        end_mts: start + hours * HOUR,
        currency: spec.currency.clone(),
        balance: spec.balance,
        participation: spec.participation,
        outcomes,
        headline_baseline: "The headline compares with Auto-Renew at FRR, filled only when trades reach FRR: an FRR offer fills only when a trade prints at or above FRR, which is how the real book behaved in 2026 (FRR sat well above traded rates). The other Auto-Renew line fills every FRR offer as if it were a market offer: the most Auto-Renew could have paid.".into(),
    })
}

/// Awaits every task in order.
async fn futures_join<T>(
    tasks: Vec<tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await);
    }
    out
}
