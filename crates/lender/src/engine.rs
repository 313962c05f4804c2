//! The engine: refresh → plan → reconcile the exchange to the plan, one cycle at a time,
//! safe by construction.
//!
//! - It only touches offers it created (ids in SQLite, `owned_offers`), unless the user opts
//!   in to let it manage all offers.
//! - Every submit and cancel is written to the `actions` table *before* it is sent and updated
//!   with its outcome. A write whose outcome is unknown (timeout, lost response, crash) is
//!   reconciled from the exchange's state before anything new is sent: never a double offer.
//! - It never borrows (every amount sent is checked positive), transfers or withdraws.
//! - It starts paused; while paused it still computes the plan, as a preview.
//! - Key problems, rate limits and maintenance halt writing and say why.
//!
//! [`Engine::cycle`] does one cycle (used by `yf run --once`, tests and backtests, which drive
//! the simulator's clock); [`spawn`] runs cycles in a loop with adaptive polling and takes
//! commands through an [`EngineHandle`].

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::{Action, ActionKind, NewAction, Outcome, Store};
use tokio::sync::{mpsc, oneshot, watch};
use ts_rs::TS;

use crate::checks;
use crate::exchange::{
    Clock, CurrencyCredit, Exchange, ExchangeError, ExchangeOffer, FundingWallet, OfferStatus,
};
use crate::model::{Credit, ExchangeRules, FundingBalance, Halt, OfferKind, OwnOffer};
use crate::planner::{self, DesiredOffer, IdleReason, Plan, PlanInput};
use crate::problems::{EngineProblem, ProblemKind, Problems};
use crate::settings::{FieldError, Preset, StrategySettings};

/// How long an unknown submit is given to show up on the exchange before it is taken as not done.
pub const RECONCILE_GRACE_MS: i64 = 30_000;
/// How often wallet and market snapshots are recorded for the earnings metrics.
pub const SNAPSHOT_EVERY_MS: i64 = 5 * 60_000;
const DAY_MS: i64 = 86_400_000;
/// How far before an owned offer was recorded its history is read (clock skew, slow answers).
const HISTORY_SLACK_MS: i64 = 10 * 60_000;
/// How far an offer's creation time (Bitfinex's clock) may sit outside the time a submit was
/// sent and given up on (ours) and still be taken as that submit's (clock skew).
const CLOCK_SKEW_MS: i64 = 5_000;
/// The longest a submit can take to reach Bitfinex once sent (the client's timeout is 15 s).
const SEND_WINDOW_MS: i64 = 60_000;

/// Wallets, active offers and credits as read in one cycle.
type Snapshot = (Vec<FundingWallet>, Vec<ExchangeOffer>, Vec<CurrencyCredit>);

fn ids(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when a funding wallet's reported available balance, plus what is listed on offer,
/// plus what is lent, is its whole balance: then nothing of the currency is on offer beyond
/// the listed offers. `false` when the wallet left its available balance out.
fn wallet_accounts_for_all(w: Option<&FundingWallet>, listed: Decimal, lent: Decimal) -> bool {
    let Some(w) = w else {
        return listed.is_zero() && lent.is_zero();
    };
    let Some(available) = w.available else {
        return false;
    };
    let tol = Decimal::new(1, 8).max(w.balance.abs() * Decimal::new(1, 6));
    (w.balance - available - listed - lent).abs() <= tol
}

/// Errors that stop the whole cycle (and halt writing), not only one currency.
fn halts(e: &ExchangeError) -> bool {
    matches!(
        e,
        ExchangeError::InvalidKey(_)
            | ExchangeError::PermissionDenied(_)
            | ExchangeError::Nonce(_)
            | ExchangeError::RateLimited { .. }
            | ExchangeError::Maintenance
    )
}

fn own_offer(o: &ExchangeOffer) -> OwnOffer {
    OwnOffer {
        id: o.id,
        amount: o.amount,
        amount_orig: o.amount_orig,
        rate: o.rate,
        period: o.period,
        kind: o.kind,
        hidden: o.hidden,
        created_mts: o.created_mts,
    }
}

/// The amount actually sent for a planned offer: the planned amount with its last two of eight
/// decimals replaced by a tag (and the sixth lowered by one, so it never exceeds the plan: at
/// most 0.000002 less). An offer on the book with exactly this original amount, rate, period
/// and creation time is the app's own; one placed by hand from the preview's figures is not.
pub fn tagged_amount(amount: Decimal, seed: u64) -> Decimal {
    let tag = Decimal::new(i64::try_from(seed % 98 + 1).unwrap_or(1), 8);
    let base = amount.round_dp_with_strategy(6, rust_decimal::RoundingStrategy::ToZero)
        - Decimal::new(1, 6);
    if base <= Decimal::ZERO {
        return amount;
    }
    base + tag
}

/// Engine options.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Currencies to lend (`USD`, `UST`, `BTC`, `ETH`).
    pub currencies: Vec<String>,
    /// Log what would be done; send nothing.
    pub dry_run: bool,
    /// Also manage offers placed by hand (off by default).
    pub manage_all_offers: bool,
    /// The exchange's offer rules.
    pub rules: ExchangeRules,
    /// How often, between cycles, [`spawn`] looks at the funding wallets alone (one API call)
    /// to see money come back (a loan repaid, a deposit) and offer it at once. `None`: only
    /// the cycles look.
    pub watch_every: Option<Duration>,
}

/// The default [`EngineConfig::watch_every`]: 3 s is 20 wallet calls a minute, under a
/// quarter of Bitfinex's 90/min for that endpoint, and keeps idle money's wait to a few seconds.
pub const WATCH_EVERY: Duration = Duration::from_secs(3);
/// The spike watch reacts again when the last trade climbs this much above the one it last
/// reacted to.
const SPIKE_AGAIN: Decimal = rust_decimal_macros::dec!(1.1);

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            currencies: vec!["USD".into()],
            dry_run: false,
            manage_all_offers: false,
            rules: ExchangeRules::default(),
            watch_every: Some(WATCH_EVERY),
        }
    }
}

/// What the engine is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state")]
#[ts(export)]
pub enum EngineState {
    /// Not placing offers (the start state for a new key); the preview is still computed.
    Paused,
    /// Lending.
    Running,
    /// Wanted to run, but stopped writing for a reason.
    Halted {
        /// Why.
        reason: Halt,
        /// For the user.
        message: String,
        /// When it will try again (UTC ms), if it will by itself.
        #[ts(type = "number | null")]
        retry_at_mts: Option<i64>,
    },
}

/// One currency's situation and plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CurrencyStatus {
    /// Currency.
    pub currency: String,
    /// Funding wallet total.
    #[ts(type = "string")]
    pub total: Decimal,
    /// Not on offer, not lent.
    #[ts(type = "string")]
    pub idle: Decimal,
    /// On offer by this app.
    #[ts(type = "string")]
    pub on_offer: Decimal,
    /// On offer by hand (left alone).
    #[ts(type = "string")]
    pub manual_on_offer: Decimal,
    /// Lent out.
    #[ts(type = "string")]
    pub lent: Decimal,
    /// Our offers on the book.
    pub offers: Vec<OfferView>,
    /// Active credits.
    pub credits: Vec<CreditView>,
    /// The current plan (what the engine does, or would do when paused).
    pub plan: Plan,
}

/// An offer for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OfferView {
    /// Exchange id.
    #[ts(type = "number")]
    pub id: i64,
    /// Amount on offer.
    #[ts(type = "string")]
    pub amount: Decimal,
    /// Daily rate (offset for FRR offers).
    #[ts(type = "string")]
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Pricing kind.
    pub kind: OfferKind,
    /// Placed by this app.
    pub owned: bool,
    /// When placed (UTC ms).
    #[ts(type = "number")]
    pub created_mts: i64,
    /// Why this app placed it (from its own record of the submit); `None` for offers placed
    /// by hand, or when the record does not say.
    #[serde(default)]
    pub reason: Option<crate::planner::OfferReason>,
}

/// A credit for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CreditView {
    /// Exchange id.
    #[ts(type = "number")]
    pub id: i64,
    /// Amount lent.
    #[ts(type = "string")]
    pub amount: Decimal,
    /// Daily rate.
    #[ts(type = "string")]
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// When it started (UTC ms).
    #[ts(type = "number")]
    pub opened_mts: i64,
    /// When it ends at the latest (UTC ms).
    #[ts(type = "number")]
    pub ends_mts: i64,
}

/// Everything the UI and the CLI show about the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EngineStatus {
    /// Running, paused or halted.
    pub state: EngineState,
    /// Dry run: nothing is sent.
    pub dry_run: bool,
    /// When the last cycle finished (UTC ms).
    #[ts(type = "number | null")]
    pub last_cycle_mts: Option<i64>,
    /// The last problem, if the last cycle had one.
    pub last_error: Option<String>,
    /// Per currency.
    pub currencies: Vec<CurrencyStatus>,
    /// What failed or was refused in the last cycle (the data that did load is still shown).
    pub problems: Vec<EngineProblem>,
}

impl Default for EngineStatus {
    fn default() -> Self {
        Self {
            state: EngineState::Paused,
            dry_run: false,
            last_cycle_mts: None,
            last_error: None,
            currencies: Vec::new(),
            problems: Vec::new(),
        }
    }
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Offers submitted and confirmed.
    pub submitted: usize,
    /// Offers cancelled and confirmed.
    pub cancelled: usize,
    /// Requests the exchange refused.
    pub rejected: usize,
    /// Writes whose outcome is unknown (reconciled next cycle).
    pub unknown: usize,
    /// Earlier unknown writes resolved this cycle.
    pub reconciled: usize,
    /// Actions only logged (dry run).
    pub dry_run: usize,
    /// The cycle stopped early (error, halt, or waiting on reconciliation).
    pub incomplete: bool,
}

impl CycleReport {
    /// True if anything was sent.
    pub fn changed(&self) -> bool {
        self.submitted + self.cancelled + self.unknown + self.reconciled > 0
    }
}

/// How a write that did not succeed ended.
enum Failed {
    /// The exchange refused it; nothing changed.
    Rejected,
    /// No answer: reconciled before anything new is sent.
    Unknown,
    /// Not sent; the problem halts the cycle.
    Halt(ExchangeError),
}

/// Engine failures that are not the exchange's (database).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The local database failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// Settings were refused.
    #[error("invalid settings")]
    InvalidSettings(Vec<FieldError>),
    /// The currency is not one the engine lends.
    #[error("{0} is not a currency this engine lends")]
    UnknownCurrency(String),
}

const RUNNING_SETTING: &str = "engine.running";
const MANAGE_ALL_SETTING: &str = "engine.manage_all_offers";

fn settings_key(currency: &str) -> String {
    format!("strategy.{currency}")
}

/// What one cycle saw of a currency (for previews).
#[derive(Debug, Clone)]
struct Seen {
    market: crate::model::MarketSnapshot,
    balance: FundingBalance,
    own: Vec<OwnOffer>,
    credits: Vec<Credit>,
    deployed_today: Decimal,
}

/// The lending engine for one API key.
pub struct Engine<X: Exchange> {
    x: X,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    cfg: EngineConfig,
    settings: BTreeMap<String, StrategySettings>,
    running: bool,
    halt: Option<(Halt, String, Option<i64>)>,
    last_dry: BTreeMap<String, Plan>,
    /// What the last cycle saw, per currency, for previews of other settings.
    last_seen: BTreeMap<String, Seen>,
    /// When the wallet and market were last recorded, per currency.
    last_snapshot: BTreeMap<String, i64>,
    /// The last day of public trades per currency (read with each snapshot).
    recent: BTreeMap<String, crate::estimate::RecentPrints>,
    /// The last trade's rate of the spike the watch last reacted to, per currency.
    spike_reacted: BTreeMap<String, Decimal>,
    /// The available funding balance per currency as last read (by a cycle or a watch).
    watched: BTreeMap<String, Decimal>,
    /// What went wrong in the last cycle.
    problems: Problems,
    /// When this engine was created (the exchange's clock): offers made since that the app did
    /// not make, at its rates, point to another program on the key.
    started_mts: i64,
    status: watch::Sender<EngineStatus>,
}

impl<X: Exchange> Engine<X> {
    /// Creates the engine. Settings come from the store (Balanced preset when none are saved);
    /// it starts paused unless the user left it running.
    pub fn new(
        x: X,
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        cfg: EngineConfig,
    ) -> Result<Self, EngineError> {
        let mut settings = BTreeMap::new();
        for cur in &cfg.currencies {
            let s = match store.setting::<StrategySettings>(&settings_key(cur))? {
                Some(saved) => {
                    // Saved by an earlier version: an untouched preset becomes today's.
                    let s = saved.clone().upgrade();
                    if s != saved {
                        store.set_setting(&settings_key(cur), &s, clock.now_mts())?;
                    }
                    s
                }
                None => StrategySettings::preset(Preset::Balanced),
            };
            settings.insert(cur.clone(), s);
        }
        let running = store.setting::<bool>(RUNNING_SETTING)?.unwrap_or(false);
        let mut cfg = cfg;
        cfg.manage_all_offers |= store.setting::<bool>(MANAGE_ALL_SETTING)?.unwrap_or(false);
        let (status, _) = watch::channel(EngineStatus {
            dry_run: cfg.dry_run,
            ..EngineStatus::default()
        });
        let started_mts = clock.now_mts();
        Ok(Self {
            x,
            store,
            clock,
            cfg,
            settings,
            running,
            halt: None,
            last_dry: BTreeMap::new(),
            last_seen: BTreeMap::new(),
            last_snapshot: BTreeMap::new(),
            recent: BTreeMap::new(),
            spike_reacted: BTreeMap::new(),
            watched: BTreeMap::new(),
            problems: Problems::default(),
            started_mts,
            status,
        })
    }

    /// A receiver of status updates (one per cycle and per command).
    pub fn subscribe(&self) -> watch::Receiver<EngineStatus> {
        self.status.subscribe()
    }

    /// The latest status.
    pub fn status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }

    /// The settings of a currency.
    pub fn settings(&self, currency: &str) -> Option<&StrategySettings> {
        self.settings.get(currency)
    }

    /// Validates and saves new settings; nothing is saved when any field is wrong.
    pub fn set_settings(&mut self, currency: &str, s: StrategySettings) -> Result<(), EngineError> {
        if !self.settings.contains_key(currency) {
            return Err(EngineError::UnknownCurrency(currency.into()));
        }
        s.validate().map_err(EngineError::InvalidSettings)?;
        self.store
            .set_setting(&settings_key(currency), &s, self.clock.now_mts())?;
        self.settings.insert(currency.into(), s);
        Ok(())
    }

    /// What `settings` would do now for `currency`, from what the last cycle saw (the
    /// Strategy page's live preview). `None` before the first cycle.
    pub fn preview(&self, currency: &str, settings: &StrategySettings) -> Option<Plan> {
        let seen = self.last_seen.get(currency)?;
        let (demand, short_level, short_top) = self.recent_figures(currency);
        Some(planner::plan(&PlanInput {
            settings,
            rules: &self.cfg.rules,
            market: &seen.market,
            balance: &seen.balance,
            own_offers: &seen.own,
            credits: &seen.credits,
            deployed_today: seen.deployed_today,
            halt: None,
            now_mts: self.clock.now_mts(),
            long_demand: demand.as_ref(),
            short_level,
            short_top,
        }))
    }

    /// Starts (or resumes) lending from the next cycle; remembered across restarts.
    pub fn start(&mut self) -> Result<(), EngineError> {
        self.running = true;
        // Starting again is the user saying the other program is gone.
        if matches!(self.halt, Some((Halt::AnotherEngine, _, _))) {
            self.halt = None;
            self.started_mts = self.clock.now_mts();
        }
        self.store
            .set_setting(RUNNING_SETTING, &true, self.clock.now_mts())?;
        self.publish_state();
        Ok(())
    }

    /// Lets the engine manage every offer of the account (also those placed by hand), or
    /// only its own (the default); remembered across restarts.
    pub fn set_manage_all(&mut self, on: bool) -> Result<(), EngineError> {
        self.cfg.manage_all_offers = on;
        self.store
            .set_setting(MANAGE_ALL_SETTING, &on, self.clock.now_mts())?;
        Ok(())
    }

    /// True when the engine also manages offers placed by hand.
    pub fn manages_all(&self) -> bool {
        self.cfg.manage_all_offers
    }

    /// Pauses: offers on the book stay, nothing new is placed.
    pub fn pause(&mut self) -> Result<(), EngineError> {
        self.running = false;
        self.store
            .set_setting(RUNNING_SETTING, &false, self.clock.now_mts())?;
        self.publish_state();
        Ok(())
    }

    /// True when lending (not paused by the user).
    pub fn is_running(&self) -> bool {
        self.running
    }

    fn state(&self) -> EngineState {
        match (&self.halt, self.running) {
            (_, false) => EngineState::Paused,
            (Some((reason, message, retry)), true) => EngineState::Halted {
                reason: *reason,
                message: message.clone(),
                retry_at_mts: *retry,
            },
            (None, true) => EngineState::Running,
        }
    }

    fn publish_state(&self) {
        let state = self.state();
        self.status.send_modify(|s| s.state = state);
    }

    /// Stops lending and cancels every offer this app placed (manual offers stay): every offer
    /// it recorded as its own and not yet ended, whether or not Bitfinex's list shows it (a
    /// list that comes back empty or odd must not leave our offers on the book). An offer the
    /// list leaves out and the history shows ended is only marked closed.
    pub async fn stop_and_cancel(&mut self) -> Result<CycleReport, EngineError> {
        self.pause()?;
        let now = self.clock.now_mts();
        let mut report = CycleReport::default();
        let active = match self.x.active_offers().await {
            Ok(a) => a,
            Err(e) => {
                self.note_error(&e);
                report.incomplete = true;
                return Ok(report);
            }
        };
        for cur in self.cfg.currencies.clone() {
            let owned = self.store.owned_open_offers(&cur)?;
            let unlisted: Vec<i64> = owned
                .iter()
                .copied()
                .filter(|id| {
                    !active
                        .iter()
                        .any(|o| o.id == *id && o.status == OfferStatus::Active)
                })
                .collect();
            let still_open = if unlisted.is_empty() {
                Vec::new()
            } else {
                match self.close_ended(&cur, &unlisted, now).await? {
                    Ok(open) => open,
                    Err((_, e)) => {
                        self.note_error(&e);
                        unlisted.clone()
                    }
                }
            };
            for id in owned
                .iter()
                .copied()
                .filter(|id| !unlisted.contains(id) || still_open.contains(id))
            {
                let reason = serde_json::json!({"kind": "StopAndCancel"}).to_string();
                if !self.cancel(&cur, id, reason, &mut report).await? {
                    report.incomplete = true;
                }
            }
        }
        Ok(report)
    }

    fn note_error(&mut self, e: &ExchangeError) {
        let now = self.clock.now_mts();
        match e {
            ExchangeError::InvalidKey(m) | ExchangeError::PermissionDenied(m) => {
                self.halt = Some((
                    Halt::KeyProblem,
                    format!("The API key stopped working: {m}"),
                    None,
                ));
            }
            ExchangeError::Nonce(m) => {
                tracing::warn!(detail = %m, "nonce refused");
                self.halt = Some((
                    Halt::AnotherEngine,
                    "Bitfinex refused the app's requests as out of order: another program, or another computer, is using this API key. Lending is stopped; stop the other one (or give it its own key), then start lending again."
                        .into(),
                    None,
                ));
            }
            ExchangeError::RateLimited { retry_after } => {
                let until = now + i64::try_from(retry_after.as_millis()).unwrap_or(60_000);
                self.halt = Some((
                    Halt::RateLimited,
                    "Bitfinex asked us to slow down.".into(),
                    Some(until),
                ));
            }
            ExchangeError::Maintenance => {
                self.halt = Some((
                    Halt::Maintenance,
                    "Bitfinex is in maintenance.".into(),
                    Some(now + 60_000),
                ));
            }
            _ => {}
        }
        let msg = e.to_string();
        tracing::warn!(error = %msg, "engine cycle problem");
        let state = self.state();
        self.status.send_modify(|s| {
            s.last_error = Some(msg);
            s.state = state;
        });
    }

    /// A failure of the engine's own (the database): a database that cannot be written halts
    /// lending, since nothing may be sent that could not be recorded first; it is tried again
    /// every minute.
    pub fn note_engine_error(&mut self, e: &EngineError) {
        let msg = e.to_string();
        if let EngineError::Store(se) = e {
            let now = self.clock.now_mts();
            let message = format!(
                "Lending stopped: the app cannot write its database, so it sends nothing it could not record. {se}"
            );
            self.problems
                .note(ProblemKind::Storage, None, None, message.clone(), now);
            let problems = self.problems.end();
            self.halt = Some((Halt::Storage, message, Some(now + 60_000)));
            let state = self.state();
            self.status.send_modify(|s| {
                s.problems = problems;
                s.state = state;
                s.last_error = Some(msg);
            });
        } else {
            self.status.send_modify(|s| s.last_error = Some(msg));
        }
    }

    /// Clears a key problem after the key was verified again (or replaced).
    pub fn clear_key_problem(&mut self) {
        if matches!(self.halt, Some((Halt::KeyProblem, _, _))) {
            self.halt = None;
            self.publish_state();
        }
    }

    /// Looks at the funding wallets alone (one API call) and says whether money came back
    /// since the last look: the available balance of a lent currency rose (a loan repaid, a
    /// deposit, a transfer in). Only while lending; errors are left to the next cycle.
    pub async fn money_returned(&mut self) -> bool {
        if !self.running || self.halt.is_some() {
            return false;
        }
        let wallets = match self.x.funding_wallets().await {
            Ok(w) => w,
            Err(e) => {
                tracing::debug!(error = %e, "wallet watch");
                return false;
            }
        };
        let mut rose = false;
        for cur in &self.cfg.currencies {
            // A wallet without its available balance says nothing here; the cycle checks it.
            let Some(now) = wallets
                .iter()
                .find(|w| &w.currency == cur)
                .map_or(Some(Decimal::ZERO), |w| w.available)
            else {
                continue;
            };
            if let Some(before) = self.watched.insert(cur.clone(), now) {
                rose |= now > before;
            }
        }
        rose
    }

    /// Looks at the last trade of every currency (one public call) and says whether a spike
    /// began since the last look: a trade at [`planner::SPIKE_TRIGGER`] times the short
    /// market's recent level or more, higher than the spike last reacted to. Only while
    /// lending; errors are left to the next cycle.
    pub async fn spike_seen(&mut self) -> bool {
        if !self.running || self.halt.is_some() {
            return false;
        }
        let levels: Vec<(String, Decimal)> = self
            .cfg
            .currencies
            .iter()
            .filter_map(|c| Some((c.clone(), self.recent.get(c)?.short_level()?)))
            .collect();
        if levels.is_empty() {
            return false;
        }
        let names: Vec<String> = levels.iter().map(|l| l.0.clone()).collect();
        let lasts = match self.x.last_rates(&names).await {
            Ok(l) => l,
            Err(e) => {
                tracing::debug!(error = %e, "spike watch");
                return false;
            }
        };
        let mut seen = false;
        for (cur, level) in levels {
            let Some(last) = lasts.iter().find(|l| l.0 == cur).map(|l| l.1) else {
                continue;
            };
            if last < level * planner::SPIKE_TRIGGER {
                self.spike_reacted.remove(&cur);
            } else if self
                .spike_reacted
                .get(&cur)
                .is_none_or(|r| last > *r * SPIKE_AGAIN)
            {
                tracing::info!(currency = %cur, %last, %level, "spike: offering into it now");
                self.spike_reacted.insert(cur, last);
                seen = true;
            }
        }
        seen
    }

    /// One cycle: reconcile unknown writes, refresh, check, plan, act.
    pub async fn cycle(&mut self) -> Result<CycleReport, EngineError> {
        let now = self.clock.now_mts();
        let mut report = CycleReport::default();
        // Timed halts end by themselves; a key problem needs the key to be checked again, and
        // another engine on the key needs the user.
        if let Some((reason, _, retry)) = &self.halt {
            match retry {
                Some(t) if now >= *t => self.halt = None,
                _ if matches!(*reason, Halt::KeyProblem | Halt::AnotherEngine) => {}
                _ => {
                    report.incomplete = true;
                    self.publish_state();
                    return Ok(report);
                }
            }
        }
        self.problems.begin();

        // 1. Nothing new until every earlier write's outcome is known.
        let open = self.store.open_actions()?;
        if !open.is_empty() && !self.cfg.dry_run {
            match self.reconcile(&open, now, &mut report).await {
                Ok(true) => {}
                Ok(false) => {
                    report.incomplete = true;
                    self.end_cycle_problems();
                    self.publish_state();
                    return Ok(report);
                }
                Err((request, e)) => {
                    self.request_failed(None, &request, &e, now);
                    report.incomplete = true;
                    self.end_cycle_problems();
                    return Ok(report);
                }
            }
        }

        // 2. Refresh: wallets, offers and credits, read again once if the wallet arithmetic
        //    does not add up (a fill between two reads).
        let (wallets, active, credits) = match self.refresh().await {
            Ok(v) => v,
            Err((request, e)) => {
                self.request_failed(None, &request, &e, now);
                report.incomplete = true;
                self.end_cycle_problems();
                return Ok(report);
            }
        };

        // 3. Per currency: check, plan, then act.
        let mut statuses = Vec::new();
        let mut errored = None;
        for cur in self.cfg.currencies.clone() {
            let owned: HashSet<i64> = self.store.owned_open_offers(&cur)?.into_iter().collect();
            let cur_offers: Vec<&ExchangeOffer> = active
                .iter()
                .filter(|o| o.currency == cur && o.status == OfferStatus::Active)
                .collect();
            let cur_credits: Vec<Credit> = credits
                .iter()
                .filter(|c| c.currency == cur)
                .map(|c| c.credit.clone())
                .collect();
            let listed_total: Decimal = cur_offers.iter().map(|o| o.amount).sum();
            let lent_total: Decimal = cur_credits.iter().map(|c| c.amount).sum();

            // Why nothing may be done for this currency this cycle, if anything.
            let mut bad: Option<(IdleReason, String)> = None;

            // Our offers that the list leaves out are forgotten only when Bitfinex's history
            // says they ended; one empty or odd answer never disowns them.
            let missing: Vec<i64> = owned
                .iter()
                .copied()
                .filter(|id| !cur_offers.iter().any(|o| o.id == *id))
                .collect();
            if !missing.is_empty() {
                match self.close_ended(&cur, &missing, now).await? {
                    Ok(unconfirmed) if unconfirmed.is_empty() => {}
                    // The history may not reach back (the app was away for weeks): the wallet
                    // is a second witness. When its available balance, the listed offers and
                    // the loans account for the whole balance, nothing else of ours is on offer.
                    Ok(unconfirmed)
                        if wallet_accounts_for_all(
                            wallets.iter().find(|w| w.currency == cur),
                            listed_total,
                            lent_total,
                        ) =>
                    {
                        tracing::info!(
                            currency = %cur,
                            offers = %ids(&unconfirmed),
                            "offers not in the list nor the history; the wallet shows nothing else on offer: closed"
                        );
                        self.store.close_owned(&unconfirmed, now)?;
                    }
                    Ok(unconfirmed) => {
                        bad = Some((
                            IdleReason::BadData,
                            format!(
                                "{} of the app's {cur} offers ({}) are missing from Bitfinex's list of offers, and its history does not show them ending.",
                                unconfirmed.len(),
                                ids(&unconfirmed)
                            ),
                        ));
                    }
                    Err((request, e)) => {
                        self.request_failed(Some(&cur), &request, &e, now);
                        bad = Some((
                            IdleReason::BadData,
                            format!(
                                "Some of the app's {cur} offers are missing from Bitfinex's list of offers, and its offer history could not be read."
                            ),
                        ));
                    }
                }
            }

            let manage_all = self.cfg.manage_all_offers;
            let is_ours = |o: &ExchangeOffer| owned.contains(&o.id) || manage_all;
            let mut own: Vec<OwnOffer> = Vec::new();
            for o in cur_offers.iter().filter(|o| is_ours(o)) {
                match checks::own_offer(o) {
                    Ok(()) => own.push(own_offer(o)),
                    Err(msg) => match self.completed_from_records(o)? {
                        Some(fixed) => {
                            self.problems.note(
                                ProblemKind::BadData,
                                Some(&cur),
                                None,
                                format!(
                                    "{msg} The app used the rate and period it recorded when it placed the offer."
                                ),
                                now,
                            );
                            own.push(fixed);
                        }
                        None => bad = Some((IdleReason::BadData, msg)),
                    },
                }
            }
            let market = match self.x.market(&cur).await {
                Ok(m) => Some(m),
                Err(e) => {
                    let request = format!("order book and FRR of f{cur}");
                    self.request_failed(Some(&cur), &request, &e, now);
                    if halts(&e) {
                        errored = Some(e);
                    }
                    None
                }
            };
            let wallet = wallets.iter().find(|w| w.currency == cur);
            let usd_price = market.as_ref().map_or(Decimal::ONE, |m| m.usd_price);
            let balance = match checks::wallet(&cur, wallet, listed_total, lent_total, usd_price) {
                Ok(b) => b,
                Err(msg) => {
                    bad = Some((IdleReason::BadData, msg));
                    FundingBalance {
                        total: wallet.map(|w| w.balance).unwrap_or_default(),
                        available: Decimal::ZERO,
                    }
                }
            };
            if let Some(m) = &market
                && let Err(msg) = checks::market(&cur, m, &self.cfg.rules)
            {
                bad = Some((IdleReason::BadData, msg));
            }
            if bad.is_none() {
                self.watched.insert(cur.clone(), balance.available);
            }
            let settings = self.settings[&cur].clone();

            let plan = match (&bad, &market) {
                (Some((reason, msg)), _) => {
                    self.problems.note(
                        ProblemKind::BadData,
                        Some(&cur),
                        None,
                        format!(
                            "{msg} Nothing is placed or cancelled for {cur} until Bitfinex's data adds up again; offers already on the book stay."
                        ),
                        now,
                    );
                    planner::waiting(&own, balance.available, *reason, &settings)
                }
                (None, None) => planner::waiting(
                    &own,
                    balance.available,
                    IdleReason::MarketUnavailable,
                    &settings,
                ),
                (None, Some(market)) => {
                    let day_start = now - now.rem_euclid(DAY_MS);
                    let deployed_today = self.store.offered_since(&cur, day_start)?;
                    self.last_seen.insert(
                        cur.clone(),
                        Seen {
                            market: market.clone(),
                            balance: balance.clone(),
                            own: own.clone(),
                            credits: cur_credits.clone(),
                            deployed_today,
                        },
                    );
                    let plan = self
                        .plan_and_act(
                            &cur,
                            &settings,
                            market,
                            &balance,
                            &own,
                            &cur_credits,
                            deployed_today,
                            now,
                            &mut report,
                            &mut errored,
                        )
                        .await?;
                    self.watch_for_another_engine(&cur, &cur_offers, &owned, &own, &plan, now);
                    self.record_history(
                        &cur,
                        now,
                        &balance,
                        lent_total,
                        listed_total,
                        market,
                        &plan,
                    )
                    .await?;
                    plan
                }
            };
            statuses.push(CurrencyStatus {
                currency: cur.clone(),
                total: balance.total,
                idle: balance.available,
                on_offer: own.iter().map(|o| o.amount).sum(),
                manual_on_offer: cur_offers
                    .iter()
                    .filter(|o| !is_ours(o))
                    .map(|o| o.amount)
                    .sum(),
                lent: lent_total,
                offers: cur_offers
                    .iter()
                    .map(|o| OfferView {
                        id: o.id,
                        amount: o.amount,
                        rate: o.rate,
                        period: o.period,
                        kind: o.kind,
                        owned: is_ours(o),
                        created_mts: o.created_mts,
                        reason: if is_ours(o) {
                            self.offer_reason(o.id)
                        } else {
                            None
                        },
                    })
                    .collect(),
                credits: cur_credits
                    .iter()
                    .map(|c| CreditView {
                        id: c.id,
                        amount: c.amount,
                        rate: c.rate,
                        period: c.period,
                        opened_mts: c.opened_mts,
                        ends_mts: c.opened_mts + i64::from(c.period) * DAY_MS,
                    })
                    .collect(),
                plan,
            });
            if errored.is_some() {
                break;
            }
        }
        if let Some(e) = &errored {
            self.note_error(e);
            report.incomplete = true;
        }
        let problems = self.end_cycle_problems();
        if !problems.is_empty() {
            report.incomplete = true;
        }
        let state = self.state();
        let dry_run = self.cfg.dry_run;
        let clear_error = errored.is_none() && problems.is_empty();
        self.status.send_modify(|s| {
            s.state = state;
            s.dry_run = dry_run;
            s.last_cycle_mts = Some(now);
            if clear_error {
                s.last_error = None;
            }
            if !statuses.is_empty() {
                s.currencies = statuses;
            }
        });
        Ok(report)
    }

    /// Plans one currency from checked data and, when lending, sends the plan. The plan is
    /// always computed: executed when running, shown as a preview otherwise (with the idle
    /// money explained by the halt's reason).
    #[allow(clippy::too_many_arguments)]
    async fn plan_and_act(
        &mut self,
        cur: &str,
        settings: &StrategySettings,
        market: &crate::model::MarketSnapshot,
        balance: &FundingBalance,
        own: &[OwnOffer],
        credits: &[Credit],
        deployed_today: Decimal,
        now: i64,
        report: &mut CycleReport,
        errored: &mut Option<ExchangeError>,
    ) -> Result<Plan, EngineError> {
        let halt = if self.running {
            self.halt.as_ref().map(|h| h.0)
        } else {
            Some(Halt::Paused)
        };
        let (demand, short_level, short_top) = self.recent_figures(cur);
        let input = PlanInput {
            settings,
            rules: &self.cfg.rules,
            market,
            balance,
            own_offers: own,
            credits,
            deployed_today,
            halt: None,
            now_mts: now,
            long_demand: demand.as_ref(),
            short_level,
            short_top,
        };
        let mut plan = planner::plan(&input);
        match halt {
            None => {
                if let Err(e) = self.execute(cur, &plan, report).await? {
                    *errored = Some(e);
                }
            }
            Some(h) => {
                plan.idle = planner::plan(&PlanInput {
                    halt: Some(h),
                    ..input
                })
                .idle
            }
        }
        Ok(plan)
    }

    /// The history the earnings metrics are computed from, every 5 minutes at most, and only
    /// from data that passed the checks.
    #[allow(clippy::too_many_arguments)]
    async fn record_history(
        &mut self,
        cur: &str,
        now: i64,
        balance: &FundingBalance,
        lent: Decimal,
        on_offer: Decimal,
        market: &crate::model::MarketSnapshot,
        plan: &Plan,
    ) -> Result<(), EngineError> {
        let last = self.last_snapshot.get(cur).copied().unwrap_or(i64::MIN / 2);
        if now - last < SNAPSHOT_EVERY_MS {
            return Ok(());
        }
        // What the calibrated Auto-Renew figure needs: the public volume at or above FRR since
        // this run's previous snapshot (the first one of a run looks back one interval).
        let since = if last > i64::MIN / 2 {
            last
        } else {
            now - SNAPSHOT_EVERY_MS
        };
        // The same trades feed the last day's long-loan figures shown with long offers.
        let recent = self.recent.entry(cur.into()).or_default();
        let frr_volume = match self.x.public_trades(cur, since + 1).await {
            Ok(prints) => {
                recent.add(&prints, since + 1, now);
                market
                    .frr
                    .and_then(|frr| volume_at_or_above(&prints, frr, since, now))
            }
            Err(e) => {
                tracing::debug!(error = %e, "public trades for the Auto-Renew figure");
                recent.reset();
                None
            }
        };
        self.store.insert_wallet_point(&store::WalletPoint {
            currency: cur.into(),
            mts: now,
            total: balance.total,
            lent,
            on_offer,
        })?;
        self.store.insert_market_point(&store::MarketPoint {
            currency: cur.into(),
            mts: now,
            frr: market.frr,
            best_ask: plan.market_rate,
            usd_price: market.usd_price,
            frr_line: market.frr_line.filter(|l| *l >= Decimal::ZERO),
            frr_volume,
        })?;
        self.last_snapshot.insert(cur.into(), now);
        Ok(())
    }

    /// Reads wallets, offers and credits; when a wallet's arithmetic does not add up, reads
    /// all three once more (a fill between two reads), and returns the second reading either
    /// way (the per-currency checks then refuse it if it is still wrong).
    async fn refresh(&mut self) -> Result<Snapshot, (String, ExchangeError)> {
        let mut snap = self.read_snapshot().await?;
        let adds_up = |s: &Snapshot, cur: &str| {
            let offers =
                s.1.iter()
                    .filter(|o| o.currency == cur && o.status == OfferStatus::Active)
                    .map(|o| o.amount)
                    .sum();
            let lent =
                s.2.iter()
                    .filter(|c| c.currency == cur)
                    .map(|c| c.credit.amount)
                    .sum();
            let w = s.0.iter().find(|w| w.currency == cur);
            checks::wallet(cur, w, offers, lent, Decimal::ZERO).is_ok()
        };
        if !self.cfg.currencies.iter().all(|c| adds_up(&snap, c)) {
            tracing::info!("funding wallet did not add up; reading it again");
            snap = self.read_snapshot().await?;
        }
        Ok(snap)
    }

    async fn read_snapshot(&self) -> Result<Snapshot, (String, ExchangeError)> {
        let wallets = self
            .x
            .funding_wallets()
            .await
            .map_err(|e| ("funding wallets".to_string(), e))?;
        let active = self
            .x
            .active_offers()
            .await
            .map_err(|e| ("active funding offers".to_string(), e))?;
        let credits = self
            .x
            .credits()
            .await
            .map_err(|e| ("funding credits (loans)".to_string(), e))?;
        Ok((wallets, active, credits))
    }

    /// Records a failed request as a problem (naming it) and lets halting errors halt.
    fn request_failed(&mut self, cur: Option<&str>, request: &str, e: &ExchangeError, now: i64) {
        let what = cur.map_or_else(String::new, |c| {
            format!(" Nothing new is placed for {c} until it can be read.")
        });
        self.problems.note(
            ProblemKind::RequestFailed,
            cur,
            Some(request),
            format!(
                "Could not read the {request} from Bitfinex ({}).{what}",
                e.user_reason()
            ),
            now,
        );
        self.note_error(e);
    }

    /// Publishes this cycle's problems and returns them.
    fn end_cycle_problems(&mut self) -> Vec<EngineProblem> {
        let problems = self.problems.end();
        let p = problems.clone();
        self.status.send_modify(|s| s.problems = p);
        problems
    }

    /// Marks the owned offers that Bitfinex's offer history shows ended (filled or cancelled)
    /// as closed; returns those it does not show.
    async fn close_ended(
        &mut self,
        cur: &str,
        missing: &[i64],
        now: i64,
    ) -> Result<Result<Vec<i64>, (String, ExchangeError)>, EngineError> {
        let since = self.store.owned_since(missing)?.unwrap_or(now) - HISTORY_SLACK_MS;
        let history = match self.x.offer_history(cur, since).await {
            Ok(h) => h,
            Err(e) => return Ok(Err((format!("offer history of f{cur}"), e))),
        };
        let ended: Vec<i64> = missing
            .iter()
            .copied()
            .filter(|id| {
                history.iter().any(|o| {
                    o.id == *id && matches!(o.status, OfferStatus::Executed | OfferStatus::Canceled)
                })
            })
            .collect();
        if !ended.is_empty() {
            self.store.close_owned(&ended, now)?;
        }
        Ok(Ok(missing
            .iter()
            .copied()
            .filter(|id| !ended.contains(id))
            .collect()))
    }

    /// One of our offers listed with fields missing, completed from the submit the app
    /// recorded for it; `None` when there is no such record.
    fn completed_from_records(&self, o: &ExchangeOffer) -> Result<Option<OwnOffer>, EngineError> {
        let Some(a) = self.store.submit_of_offer(o.id)? else {
            return Ok(None);
        };
        let (Some(rate), Some(period)) = (a.rate, a.period) else {
            return Ok(None);
        };
        let kind = match a.offer_kind.as_deref() {
            Some("FrrDeltaVar") => OfferKind::FrrDeltaVar,
            Some("Limit") => OfferKind::Limit,
            _ => return Ok(None),
        };
        Ok(Some(OwnOffer {
            id: o.id,
            amount: o.amount,
            amount_orig: a.amount.unwrap_or(o.amount),
            rate,
            period,
            kind,
            hidden: a.hidden.unwrap_or(o.hidden),
            created_mts: if o.created_mts > 0 {
                o.created_mts
            } else {
                a.mts
            },
        }))
    }

    /// Another program lending with the same key shows as offers the app did not make, placed
    /// since it started, at exactly the rates and periods it uses or with a machine's amounts
    /// (more than four decimals). Two of them stop the engine.
    fn watch_for_another_engine(
        &mut self,
        cur: &str,
        listed: &[&ExchangeOffer],
        owned: &HashSet<i64>,
        own: &[OwnOffer],
        plan: &Plan,
        now: i64,
    ) {
        if self.cfg.manage_all_offers {
            return;
        }
        let ours: Vec<(Decimal, u32, OfferKind)> = own
            .iter()
            .map(|o| (o.rate, o.period, o.kind))
            .chain(plan.submit.iter().map(|d| (d.rate, d.period, d.kind)))
            .collect();
        // A machine's amount: more decimals than a person types (the app's own are tagged
        // to the eighth).
        let machine_made = |a: Decimal| a.normalize().scale() > 4;
        let copies: Vec<i64> = listed
            .iter()
            .filter(|o| {
                !owned.contains(&o.id)
                    && o.created_mts >= self.started_mts
                    && (ours.contains(&(o.rate, o.period, o.kind))
                        || (o.kind == OfferKind::Limit && machine_made(o.amount_orig)))
            })
            .map(|o| o.id)
            .collect();
        if copies.len() >= 2 {
            let message = format!(
                "Another program seems to lend with this API key: {} {cur} offers the app did not make ({}) appeared at exactly its rates since it started. Lending is stopped so the two do not fight over the same money; stop the other program (or use a separate key for it), then start lending again.",
                copies.len(),
                ids(&copies)
            );
            self.problems.note(
                ProblemKind::AnotherEngine,
                Some(cur),
                None,
                message.clone(),
                now,
            );
            self.halt = Some((Halt::AnotherEngine, message, None));
        }
    }

    /// Sends the plan's cancels, then (if every cancel went through) its submits.
    /// The inner `Err` is an exchange problem that halts the cycle.
    async fn execute(
        &mut self,
        cur: &str,
        plan: &Plan,
        report: &mut CycleReport,
    ) -> Result<Result<(), ExchangeError>, EngineError> {
        if plan.is_noop() {
            return Ok(Ok(()));
        }
        if self.cfg.dry_run {
            if self.last_dry.get(cur) != Some(plan) {
                let now = self.clock.now_mts();
                for c in &plan.cancel {
                    self.store
                        .begin_action(&cancel_action(now, cur, c.id, json(&c.reason)), true)?;
                    report.dry_run += 1;
                }
                for d in &plan.submit {
                    self.store.begin_action(&submit_action(now, cur, d), true)?;
                    report.dry_run += 1;
                }
                self.last_dry.insert(cur.into(), plan.clone());
            }
            return Ok(Ok(()));
        }
        for c in &plan.cancel {
            match self
                .cancel_inner(cur, c.id, json(&c.reason), report)
                .await?
            {
                Ok(true) => {}
                Ok(false) => return Ok(Ok(())), // refused: don't submit on money that did not come back
                Err(e) => return Ok(Err(e)),
            }
        }
        for (i, planned) in plan.submit.iter().enumerate() {
            let now = self.clock.now_mts();
            let seed = u64::try_from(now).unwrap_or_default() / 7 + 13 * i as u64;
            let d = &DesiredOffer {
                amount: tagged_amount(planned.amount, seed),
                ..planned.clone()
            };
            // Belt and braces: the planner never produces these, and we never send them.
            if d.amount <= Decimal::ZERO
                || d.period < self.cfg.rules.min_period
                || d.period > self.cfg.rules.max_period
            {
                tracing::error!(?d, "refusing an offer outside the exchange's bounds");
                continue;
            }
            let id = self
                .store
                .begin_action(&submit_action(now, cur, d), false)?;
            match self.x.submit_offer(cur, d).await {
                Ok(offer) => {
                    self.store.finish_action(
                        id,
                        Outcome::Ok,
                        Some(offer.id),
                        None,
                        self.clock.now_mts(),
                    )?;
                    report.submitted += 1;
                }
                Err(e) => match self.record_failure(id, e, report)? {
                    Failed::Rejected => {}
                    Failed::Unknown => return Ok(Ok(())), // reconcile before anything else
                    Failed::Halt(e) => return Ok(Err(e)),
                },
            }
        }
        Ok(Ok(()))
    }

    /// Cancels one own offer; `Ok(true)` when done, `Ok(false)` when refused or unknown.
    async fn cancel(
        &mut self,
        cur: &str,
        offer_id: i64,
        reason: String,
        report: &mut CycleReport,
    ) -> Result<bool, EngineError> {
        match self.cancel_inner(cur, offer_id, reason, report).await? {
            Ok(done) => Ok(done),
            Err(e) => {
                self.note_error(&e);
                Ok(false)
            }
        }
    }

    async fn cancel_inner(
        &mut self,
        cur: &str,
        offer_id: i64,
        reason: String,
        report: &mut CycleReport,
    ) -> Result<Result<bool, ExchangeError>, EngineError> {
        let id = self.store.begin_action(
            &cancel_action(self.clock.now_mts(), cur, offer_id, reason),
            false,
        )?;
        Ok(match self.x.cancel_offer(offer_id).await {
            Ok(()) => {
                self.store
                    .finish_action(id, Outcome::Ok, None, None, self.clock.now_mts())?;
                report.cancelled += 1;
                Ok(true)
            }
            Err(e) => match self.record_failure(id, e, report)? {
                Failed::Rejected | Failed::Unknown => Ok(false),
                Failed::Halt(e) => Err(e),
            },
        })
    }

    /// Records a failed write's outcome: refused by the exchange, unknown (reconciled
    /// before anything new), or not sent because of a problem that halts the cycle.
    fn record_failure(
        &mut self,
        id: i64,
        e: ExchangeError,
        report: &mut CycleReport,
    ) -> Result<Failed, EngineError> {
        let (outcome, detail, failed) = match e {
            ExchangeError::Rejected(text) => (Outcome::Rejected, text, Failed::Rejected),
            ExchangeError::Unknown(text) => (Outcome::Unknown, text, Failed::Unknown),
            e => (Outcome::Rejected, format!("not sent: {e}"), Failed::Halt(e)),
        };
        self.store
            .finish_action(id, outcome, None, Some(&detail), self.clock.now_mts())?;
        match failed {
            Failed::Rejected => report.rejected += 1,
            Failed::Unknown => report.unknown += 1,
            Failed::Halt(_) => {}
        }
        Ok(failed)
    }

    /// Resolves writes whose outcome is unknown from the exchange's state. `Ok(true)` when
    /// all are resolved; `Ok(false)` when one must wait longer. A submit is taken as done only
    /// when exactly one offer proves to be it: the same tagged original amount (to the last of
    /// eight decimals, see [`tagged_amount`]), rate, period and kind, created on Bitfinex
    /// between the moment it was sent and the moment it was given up on, and not already
    /// ours. Anything less is left alone, and the user is told.
    async fn reconcile(
        &mut self,
        open: &[Action],
        now: i64,
        report: &mut CycleReport,
    ) -> Result<bool, (String, ExchangeError)> {
        let db = |e: store::StoreError| {
            (
                "local database".to_string(),
                ExchangeError::Decode(e.to_string()),
            )
        };
        let active = self
            .x
            .active_offers()
            .await
            .map_err(|e| ("active funding offers".to_string(), e))?;
        let mut all = true;
        for a in open {
            match a.new.kind {
                // Logged already finished (see `Store::log_finished_action`); never open.
                ActionKind::AutoRenewOn | ActionKind::AutoRenewOff => {}
                ActionKind::Cancel => {
                    let Some(offer) = a.new.offer_id else {
                        continue;
                    };
                    let still_there = active
                        .iter()
                        .any(|o| o.id == offer && o.status == OfferStatus::Active);
                    let (outcome, detail) = if still_there {
                        (Outcome::ReconciledNotDone, "the offer is still on the book")
                    } else {
                        (
                            Outcome::ReconciledDone,
                            "the offer is no longer on the book",
                        )
                    };
                    self.store
                        .finish_action(a.id, outcome, None, Some(detail), now)
                        .map_err(db)?;
                    report.reconciled += 1;
                }
                ActionKind::Submit => {
                    let sent = a.new.mts;
                    let gave_up = a.updated_mts.max(sent + SEND_WINDOW_MS);
                    let since = sent - HISTORY_SLACK_MS;
                    let history = self
                        .x
                        .offer_history(&a.new.currency, since)
                        .await
                        .map_err(|e| (format!("offer history of f{}", a.new.currency), e))?;
                    let mut candidates: Vec<i64> = Vec::new();
                    for o in active.iter().chain(history.iter()) {
                        if o.currency == a.new.currency
                            && (sent - CLOCK_SKEW_MS..=gave_up + CLOCK_SKEW_MS)
                                .contains(&o.created_mts)
                            && Some(o.amount_orig) == a.new.amount
                            && Some(o.rate) == a.new.rate
                            && Some(o.period) == a.new.period
                            && Some(format!("{:?}", o.kind)) == a.new.offer_kind
                            && !candidates.contains(&o.id)
                            && !self.store.is_owned(o.id).map_err(db)?
                        {
                            candidates.push(o.id);
                        }
                    }
                    let age = now - a.updated_mts.max(a.new.mts);
                    let res = match candidates.as_slice() {
                        [id] => Some((
                            Outcome::ReconciledDone,
                            Some(*id),
                            "found on the exchange: same tagged amount, rate and period, created while it was sent".to_string(),
                        )),
                        [] if age >= RECONCILE_GRACE_MS => Some((
                            Outcome::ReconciledNotDone,
                            None,
                            "not on the exchange".to_string(),
                        )),
                        [] => None,
                        several => {
                            let detail = format!(
                                "{} offers match it ({}); none can be proven the app's, so all are left alone",
                                several.len(),
                                ids(several)
                            );
                            self.problems.note(
                                ProblemKind::UnprovenOffer,
                                Some(&a.new.currency),
                                None,
                                format!(
                                    "The answer to one of the app's offers was lost, and {} offers on Bitfinex look like it ({}). None can be proven the app's, so the app leaves them alone (they show as placed by hand); cancel them on Bitfinex if they are not yours.",
                                    several.len(),
                                    ids(several)
                                ),
                                now,
                            );
                            Some((Outcome::ReconciledNotDone, None, detail))
                        }
                    };
                    match res {
                        Some((outcome, id, detail)) => {
                            self.store
                                .finish_action(a.id, outcome, id, Some(&detail), now)
                                .map_err(db)?;
                            report.reconciled += 1;
                        }
                        None => all = false,
                    }
                }
            }
        }
        Ok(all)
    }
}

impl<X: Exchange> Engine<X> {
    /// What the last day's public trades of `cur` say, for the planner: long-loan volume by
    /// rate, the short market's level and its top 5 %.
    fn recent_figures(
        &self,
        cur: &str,
    ) -> (
        Option<crate::estimate::LongDemand>,
        Option<Decimal>,
        Option<Decimal>,
    ) {
        let Some(r) = self.recent.get(cur) else {
            return (None, None, None);
        };
        (r.long_demand(), r.short_level(), r.short_top())
    }

    /// Why an own offer was placed, from the submit the app recorded (a record it cannot
    /// read is no reason to fail the cycle: the offer is shown without one).
    fn offer_reason(&self, offer_id: i64) -> Option<crate::planner::OfferReason> {
        let submit = self.store.submit_of_offer(offer_id).ok()??;
        serde_json::from_str(&submit.reason).ok()
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn submit_action(now: i64, cur: &str, d: &DesiredOffer) -> NewAction {
    NewAction {
        mts: now,
        currency: cur.into(),
        kind: ActionKind::Submit,
        offer_id: None,
        amount: Some(d.amount),
        rate: Some(d.rate),
        period: Some(d.period),
        offer_kind: Some(format!("{:?}", d.kind)),
        hidden: Some(d.hidden),
        reason: json(&d.reason),
    }
}

fn cancel_action(now: i64, cur: &str, offer_id: i64, reason: String) -> NewAction {
    NewAction {
        mts: now,
        currency: cur.into(),
        kind: ActionKind::Cancel,
        offer_id: Some(offer_id),
        amount: None,
        rate: None,
        period: None,
        offer_kind: None,
        hidden: None,
        reason,
    }
}

/// Commands to a running engine.
#[derive(Debug)]
pub enum EngineCommand {
    /// Start or resume lending.
    Start,
    /// Pause (offers stay on the book).
    Pause,
    /// Pause and cancel this app's offers.
    StopAndCancel(oneshot::Sender<Result<CycleReport, String>>),
    /// Replace a currency's settings (validated; nothing saved on error).
    SetSettings(
        String,
        Box<StrategySettings>,
        oneshot::Sender<Result<(), EngineError>>,
    ),
    /// The key was verified again: clear a key-problem halt.
    KeyVerified,
    /// A currency's settings.
    GetSettings(String, oneshot::Sender<Option<StrategySettings>>),
    /// Manage every offer (`true`) or only the app's own (`false`).
    SetManageAll(bool, oneshot::Sender<Result<(), EngineError>>),
    /// Whether every offer is managed.
    GetManageAll(oneshot::Sender<bool>),
    /// What some settings would do now (validated first).
    Preview(
        String,
        Box<StrategySettings>,
        oneshot::Sender<Result<Option<Plan>, EngineError>>,
    ),
    /// Run a cycle now.
    CycleNow,
    /// Stop the loop.
    Shutdown,
}

/// A handle on an engine running in its own task.
#[derive(Clone)]
pub struct EngineHandle {
    commands: mpsc::Sender<EngineCommand>,
    status: watch::Receiver<EngineStatus>,
}

impl EngineHandle {
    /// Sends a command (errors only if the engine task has ended).
    pub async fn send(&self, cmd: EngineCommand) -> Result<(), String> {
        self.commands
            .send(cmd)
            .await
            .map_err(|_| "the engine has stopped".to_string())
    }

    /// Status updates.
    pub fn status(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }
}

/// Runs the engine in a tokio task: a cycle, then a pause that is short after changes
/// (5 s), longer when nothing changes (20 s), shorter when a credit matures sooner (its money
/// is offered again right away), backing off on errors (up to 5 min) and waiting out rate
/// limits and maintenance. Commands are handled between cycles; those that change what
/// should be on the book run a cycle at once.
pub fn spawn<X: Exchange + 'static>(
    mut engine: Engine<X>,
) -> (EngineHandle, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel(16);
    let handle = EngineHandle {
        commands: tx,
        status: engine.subscribe(),
    };
    let task = tokio::spawn(async move {
        let mut failures: u32 = 0;
        let mut next = tokio::time::Instant::now();
        let mut watch_at = next;
        loop {
            if tokio::time::Instant::now() >= next {
                let delay = match engine.cycle().await {
                    Ok(r) if r.changed() || r.unknown > 0 => {
                        failures = 0;
                        Duration::from_secs(5)
                    }
                    Ok(r) if r.incomplete => {
                        failures += 1;
                        match &engine.halt {
                            Some((_, _, Some(t))) => {
                                let wait = (*t - engine.clock.now_mts()).max(1_000);
                                Duration::from_millis(u64::try_from(wait).unwrap_or(60_000))
                            }
                            _ => Duration::from_secs(
                                5u64.saturating_mul(1 << failures.min(6)).min(300),
                            ),
                        }
                    }
                    Ok(_) => {
                        failures = 0;
                        Duration::from_secs(20)
                    }
                    Err(e) => {
                        failures += 1;
                        tracing::error!(error = %e, "engine cycle failed");
                        engine.note_engine_error(&e);
                        Duration::from_secs(5u64.saturating_mul(1 << failures.min(6)).min(300))
                    }
                };
                // Money coming back at a credit's maturity is offered again right away.
                let now = engine.clock.now_mts();
                let due = engine
                    .status
                    .borrow()
                    .currencies
                    .iter()
                    .flat_map(|c| c.credits.iter().map(|cr| cr.ends_mts - now))
                    .filter(|ms| *ms > 0)
                    .min();
                let delay = match due.and_then(|ms| u64::try_from(ms + 1_000).ok()) {
                    Some(ms) if Duration::from_millis(ms) < delay => Duration::from_millis(ms),
                    _ => delay,
                };
                next = tokio::time::Instant::now() + delay;
                watch_at = next_watch(&engine.cfg, next);
            }
            let cmd = tokio::select! {
                cmd = rx.recv() => cmd,
                () = tokio::time::sleep_until(next) => continue,
                // Between cycles, a cheap look at the wallets: returned money is offered now.
                () = tokio::time::sleep_until(watch_at), if watch_at < next => {
                    // Money back, or a spike to offer into: a cycle now.
                    if engine.money_returned().await | engine.spike_seen().await {
                        next = tokio::time::Instant::now();
                    }
                    watch_at = next_watch(&engine.cfg, next);
                    continue;
                }
            };
            let Some(cmd) = cmd else { break };
            // Commands that change what should be on the book run a cycle right away;
            // questions (settings, previews) do not cost API calls.
            let act_now = matches!(
                cmd,
                EngineCommand::Start
                    | EngineCommand::SetSettings(..)
                    | EngineCommand::KeyVerified
                    | EngineCommand::CycleNow
                    | EngineCommand::SetManageAll(..)
            );
            match cmd {
                EngineCommand::Start => log_err(engine.start()),
                EngineCommand::Pause => log_err(engine.pause()),
                EngineCommand::StopAndCancel(reply) => {
                    let r = engine.stop_and_cancel().await.map_err(|e| e.to_string());
                    let _ = reply.send(r);
                }
                EngineCommand::SetSettings(cur, s, reply) => {
                    let _ = reply.send(engine.set_settings(&cur, *s));
                }
                EngineCommand::KeyVerified => engine.clear_key_problem(),
                EngineCommand::GetSettings(cur, reply) => {
                    let _ = reply.send(engine.settings(&cur).cloned());
                }
                EngineCommand::SetManageAll(on, reply) => {
                    let _ = reply.send(engine.set_manage_all(on));
                }
                EngineCommand::GetManageAll(reply) => {
                    let _ = reply.send(engine.manages_all());
                }
                EngineCommand::Preview(cur, s, reply) => {
                    let r = s
                        .validate()
                        .map_err(EngineError::InvalidSettings)
                        .map(|()| engine.preview(&cur, &s));
                    let _ = reply.send(r);
                }
                EngineCommand::CycleNow => {}
                EngineCommand::Shutdown => break,
            }
            if act_now {
                next = tokio::time::Instant::now();
            }
        }
    });
    (handle, task)
}

/// When the wallet watch looks next: `watch_every` from now, or never before the next cycle
/// when it is off.
fn next_watch(cfg: &EngineConfig, next_cycle: tokio::time::Instant) -> tokio::time::Instant {
    cfg.watch_every
        .map_or(next_cycle, |every| tokio::time::Instant::now() + every)
}

fn log_err(r: Result<(), EngineError>) {
    if let Err(e) = r {
        tracing::error!(error = %e, "engine command failed");
    }
}

/// The public volume traded at or above `frr` in `(since, now]`; `None` when a trade is not one
/// a real market could print (such data is not recorded).
fn volume_at_or_above(
    prints: &[crate::model::PublicPrint],
    frr: Decimal,
    since: i64,
    now: i64,
) -> Option<Decimal> {
    let sane = |t: &crate::model::PublicPrint| {
        t.amount > Decimal::ZERO
            && t.rate > Decimal::ZERO
            && t.rate <= crate::checks::MAX_DAILY_RATE
    };
    if !prints.iter().all(sane) {
        return None;
    }
    Some(
        prints
            .iter()
            .filter(|t| t.mts > since && t.mts <= now && t.rate >= frr)
            .map(|t| t.amount)
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::model::PublicPrint;

    fn print(mts: i64, amount: Decimal, rate: Decimal) -> PublicPrint {
        PublicPrint {
            mts,
            amount,
            rate,
            period: 2,
        }
    }

    #[test]
    fn the_volume_at_or_above_frr_counts_only_the_interval() {
        let frr = dec!(0.0004);
        let prints = [
            print(100, dec!(7), dec!(0.0005)), // at the interval's start: the last one's
            print(101, dec!(10), dec!(0.0004)),
            print(150, dec!(20), dec!(0.00039)),
            print(200, dec!(30), dec!(0.0009)),
            print(201, dec!(40), dec!(0.0009)), // after now
        ];
        assert_eq!(volume_at_or_above(&prints, frr, 100, 200), Some(dec!(40)));
    }

    #[test]
    fn a_trade_no_market_could_print_is_not_recorded() {
        let frr = dec!(0.0004);
        for bad in [
            print(150, dec!(1), dec!(0.5)),
            print(150, dec!(1), Decimal::ZERO),
            print(150, Decimal::ZERO, dec!(0.0005)),
        ] {
            let prints = [print(120, dec!(5), dec!(0.0005)), bad];
            assert_eq!(volume_at_or_above(&prints, frr, 100, 200), None);
        }
    }
}
