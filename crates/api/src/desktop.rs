//! The desktop side of the core: the Settings page's desktop settings, the alerts that become
//! OS notifications, the hand-off to Bitfinex Auto-Renew while the app is not running, the
//! daily summary and the diagnostics text. Written here, without Tauri, so it is tested
//! against bfx-sim; the shell only shows what comes out.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use bfx::AutoRenewRequest;
use lender::engine::{EngineState, EngineStatus};
use lender::model::Halt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use store::{ActionKind, NewAction, Outcome};

use crate::core::{Core, KeyMode, storage};
use crate::prefs::{DesktopSettings, ShellPrefs};
use crate::{ApiError, ErrorCode};

const DAY_MS: i64 = 86_400_000;

/// What an alert is about; each kind can be switched off in Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertKind {
    /// Bitfinex refused the key (revoked, deleted, a permission lost, used elsewhere).
    KeyRevoked,
    /// A withdraw permission appeared on the key.
    WithdrawEnabled,
    /// Lending has been stopped by an error for a while.
    EngineError,
    /// Yesterday's earnings and utilization.
    DailySummary,
}

impl AlertKind {
    /// Whether the user wants this kind of notification.
    pub fn enabled_in(self, s: &DesktopSettings) -> bool {
        match self {
            Self::KeyRevoked => s.notify_key_revoked,
            Self::WithdrawEnabled => s.notify_withdraw,
            Self::EngineError => s.notify_engine_error,
            Self::DailySummary => s.notify_daily_summary,
        }
    }
}

/// Something the user should be told even with the window closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// The notification's title.
    pub title: String,
    /// The notification's text.
    pub body: String,
}

/// A newer signed version found on the update server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UpdateInfo {
    /// The new version.
    pub version: String,
    /// The running version.
    pub current_version: String,
    /// Release notes (plain text).
    pub notes: Option<String>,
    /// Release date, as the server gave it.
    pub date: Option<String>,
}

/// How long lending must have been stopped by an error before the user is told: long enough
/// that a short network cut or a maintenance window that Bitfinex announces does not wake
/// anyone, short enough that money does not sit idle for hours unnoticed.
pub const TROUBLE_GRACE: Duration = Duration::from_secs(15 * 60);

/// Watches the engine's status for lending stopped by an error (a cycle failing, rate limits
/// or maintenance that last) and says so once, after [`TROUBLE_GRACE`]; it says so again
/// only after lending worked in between. Key problems have their own alerts.
#[derive(Debug)]
pub struct TroubleWatch {
    grace: Duration,
    since: Option<Instant>,
    told: bool,
}

impl TroubleWatch {
    /// A watch that speaks after `grace` of trouble.
    pub fn new(grace: Duration) -> Self {
        Self {
            grace,
            since: None,
            told: false,
        }
    }

    /// Looks at a status seen at `now`; returns the alert to send, if any.
    pub fn observe(&mut self, status: &EngineStatus, now: Instant) -> Option<Alert> {
        // A database that cannot be written, or another program on the key, needs the user
        // now; other trouble may clear by itself and waits out the grace period.
        let mut grace = self.grace;
        let trouble = match &status.state {
            EngineState::Halted {
                reason, message, ..
            } if !matches!(reason, Halt::KeyProblem | Halt::Paused) => {
                if matches!(reason, Halt::Storage | Halt::AnotherEngine) {
                    grace = Duration::ZERO;
                }
                Some(message.clone())
            }
            EngineState::Running => status
                .last_error
                .clone()
                .or_else(|| status.problems.first().map(|p| p.message.clone())),
            _ => None,
        };
        let Some(why) = trouble else {
            self.since = None;
            self.told = false;
            return None;
        };
        let since = *self.since.get_or_insert(now);
        if self.told || now.duration_since(since) < grace {
            return None;
        }
        self.told = true;
        let minutes = now.duration_since(since).as_secs() / 60;
        Some(Alert {
            kind: AlertKind::EngineError,
            title: "Yieldsforge cannot lend right now".into(),
            body: format!(
                "Lending has been stopped for {minutes} minutes: {why} It goes on by itself once this clears."
            ),
        })
    }
}

impl Core {
    /// The desktop settings (defaults when none were saved).
    pub fn desktop_settings(&self) -> DesktopSettings {
        ShellPrefs::load(self.data_dir()).desktop
    }

    /// Checks and saves the desktop settings; the app's own flags in the same file are kept.
    pub fn set_desktop_settings(&self, s: DesktopSettings) -> Result<DesktopSettings, ApiError> {
        s.handoff.validate()?;
        Ok(ShellPrefs::update(self.data_dir(), |p| p.desktop = s)?.desktop)
    }

    /// The hand-off at quit: when the user switched it on and a real key is connected, turns
    /// on Bitfinex Auto-Renew for each lent currency with the chosen rate, period and amount
    /// (never more than the balance above the strategy's reserve; not for a switched-off currency),
    /// so money that comes back keeps earning while the app is closed. Each move is written
    /// to the action log. Returns the currencies handed off; the error names those that could
    /// not be (the others are handed off all the same).
    pub async fn hand_off(&self) -> Result<Vec<String>, ApiError> {
        let settings = self.desktop_settings();
        if !settings.handoff.enabled {
            return Ok(Vec::new());
        }
        let Some((KeyMode::Live, client, store, clock, currencies)) = self.session_parts().await
        else {
            return Ok(Vec::new());
        };
        let h = &settings.handoff;
        let mut done = Vec::new();
        let mut failed = Vec::new();
        let status = self.engine_status();
        for cur in &currencies {
            // What the strategy says holds while the app is away too: a currency switched off
            // is not lent, and the reserve stays idle (Auto-Renew's amount is a cap).
            let strategy = self.strategy_get(cur).await.ok();
            if strategy.as_ref().is_some_and(|s| !s.enabled) {
                continue;
            }
            let reserve = strategy.map_or(Decimal::ZERO, |s| s.reserve);
            let amount = match (h.amount, reserve > Decimal::ZERO) {
                (Some(a), _) => a,
                (None, false) => Decimal::ZERO, // all of it
                (None, true) => {
                    let total = status
                        .currencies
                        .iter()
                        .find(|c| &c.currency == cur)
                        .map_or(Decimal::ZERO, |c| c.total);
                    let cap = (total - reserve).max(Decimal::ZERO);
                    if cap.is_zero() {
                        continue;
                    }
                    cap
                }
            };
            let req = AutoRenewRequest {
                enabled: true,
                currency: cur.clone(),
                amount,
                rate: h.rate.unwrap_or(Decimal::ZERO),
                period: h.period,
            };
            let r = switch_auto_renew(&client, &store, clock.as_ref(), &req, "hand-off at quit")
                .await?;
            match r {
                Ok(_) => done.push(cur.clone()),
                Err(e) => failed.push(format!("{cur}: {e}")),
            }
        }
        ShellPrefs::update(self.data_dir(), |p| {
            for cur in &done {
                if !p.handed_off.contains(cur) {
                    p.handed_off.push(cur.clone());
                }
            }
        })?;
        if failed.is_empty() {
            Ok(done)
        } else {
            Err(ApiError::new(
                ErrorCode::Rejected,
                format!("Could not turn on Auto-Renew for {}.", failed.join("; ")),
            ))
        }
    }

    /// [`Core::hand_off`] within `limit` (quit, logout and sleep cannot wait long), its
    /// outcome logged with `when`.
    pub async fn hand_off_within(&self, limit: Duration, when: &str) {
        match tokio::time::timeout(limit, self.hand_off()).await {
            Ok(Ok(handed)) if !handed.is_empty() => {
                tracing::info!(currencies = ?handed, "{when}: handed off to Bitfinex Auto-Renew");
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("{when}: hand-off to Auto-Renew: {}", e.message),
            Err(_) => tracing::warn!("{when}: hand-off to Auto-Renew: no answer within {limit:?}"),
        }
    }

    /// What quitting does before the app exits (tray → Quit, `yieldsforge --quit`, SIGTERM):
    /// hands off to Auto-Renew as the user chose (within `limit`), and ends a running demo,
    /// deleting its data: the demo's market lives in memory and cannot be resumed, so nothing of
    /// it is left behind to look resumable.
    pub async fn quit(&self, limit: Duration) {
        self.hand_off_within(limit, "quit").await;
        if self.key_state().await.mode == KeyMode::Demo {
            match self.leave_demo().await {
                Ok(_) => tracing::info!("quit: the demo ended and its data was deleted"),
                Err(e) => tracing::warn!("quit: {}", e.message),
            }
        }
    }

    /// [`Core::take_over`], its outcome logged with `when`.
    pub async fn take_over_logged(&self, when: &str) {
        match self.take_over().await {
            Ok(taken) if !taken.is_empty() => {
                tracing::info!(currencies = ?taken, "{when}: turned off the Auto-Renew handed off before");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("{when}: could not take over from Auto-Renew: {}", e.message),
        }
    }

    /// Taking over at start: turns off the Auto-Renew the app turned on at its last quit (and
    /// only that), logging each move. A currency that could not be switched off is tried
    /// again at the next start. Returns the currencies taken over.
    pub async fn take_over(&self) -> Result<Vec<String>, ApiError> {
        let prefs = ShellPrefs::load(self.data_dir());
        if prefs.handed_off.is_empty() {
            return Ok(Vec::new());
        }
        let Some((KeyMode::Live, client, store, clock, _)) = self.session_parts().await else {
            return Ok(Vec::new());
        };
        let mut taken = Vec::new();
        for cur in prefs.handed_off.clone() {
            let req = AutoRenewRequest {
                enabled: false,
                currency: cur.clone(),
                amount: Decimal::ZERO,
                rate: Decimal::ZERO,
                period: 2,
            };
            let r = switch_auto_renew(
                &client,
                &store,
                clock.as_ref(),
                &req,
                "taking over at start",
            )
            .await?;
            match r {
                Ok(_) => taken.push(cur),
                Err(e) => tracing::warn!(currency = %cur, "could not turn Auto-Renew off: {e}"),
            }
        }
        ShellPrefs::update(self.data_dir(), |p| {
            p.handed_off.retain(|c| !taken.contains(c))
        })?;
        Ok(taken)
    }

    /// The daily summary, once per (UTC) day about the day before, when the user asked for
    /// it: "+12.34 USD yesterday, 97% lent". Sent as an alert and returned; `None` when it is
    /// off, already sent for yesterday, or there is nothing about yesterday to say.
    pub async fn daily_summary_tick(&self) -> Option<Alert> {
        let prefs = ShellPrefs::load(self.data_dir());
        if !prefs.desktop.notify_daily_summary {
            return None;
        }
        let (_, _, store, clock, currencies) = self.session_parts().await?;
        let now = clock.now_mts();
        let yesterday = now - now.rem_euclid(DAY_MS) - DAY_MS;
        let day = chrono::DateTime::from_timestamp_millis(yesterday)?
            .format("%Y-%m-%d")
            .to_string();
        if prefs.last_daily_summary.as_deref() == Some(day.as_str()) {
            return None;
        }
        // Only once the earnings sync has read the ledger past yesterday's end: before that,
        // yesterday's payment may not be stored yet (asked again at the next tick).
        if self
            .sync_status()
            .last_done_mts
            .is_none_or(|t| t < yesterday + DAY_MS)
        {
            return None;
        }
        let mut parts = Vec::new();
        for cur in &currencies {
            let series = lender::earnings::daily_series(&store, cur, 2, now).ok()?;
            if let Some(d) = series.iter().find(|d| d.day_mts == yesterday) {
                let mut line = format!("+{:.2} {cur} yesterday", d.earned);
                if let Some(u) = d.utilization {
                    let _ = write!(line, ", {}% lent", (u * Decimal::ONE_HUNDRED).round_dp(0));
                }
                parts.push(line);
            }
        }
        if let Err(e) = ShellPrefs::update(self.data_dir(), |p| p.last_daily_summary = Some(day)) {
            tracing::warn!("{e}");
        }
        if parts.is_empty() {
            return None;
        }
        let alert = Alert {
            kind: AlertKind::DailySummary,
            title: "Yesterday with Yieldsforge".into(),
            body: parts.join(" · "),
        };
        self.send_alert(alert.clone());
        Some(alert)
    }

    /// Plain text for a bug report: versions, OS, mode, engine and sync state, the desktop
    /// settings, and `extra` lines from the shell. Never the key, its secret or its label.
    pub async fn diagnostics(&self, extra: &[(&str, String)]) -> String {
        let info = crate::app_info(self.data_dir());
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Yieldsforge {} ({:?} build)",
            info.version, info.build_profile
        );
        let _ = writeln!(t, "OS: {} {} {}", info.os, info.arch, os_release());
        for (k, v) in extra {
            let _ = writeln!(t, "{k}: {v}");
        }
        let _ = writeln!(t, "Data folder: {}", info.data_dir);
        let key = self.key_state().await;
        let _ = writeln!(
            t,
            "Mode: {:?}; key verified: {}; key problem: {}",
            key.mode,
            key.verified_mts.map_or("never".into(), utc),
            key.problem.as_deref().unwrap_or("none")
        );
        let status = self.engine_status();
        let state = match &status.state {
            EngineState::Halted {
                reason, message, ..
            } => format!("halted ({reason:?}): {message}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let _ = writeln!(
            t,
            "Engine: {state}; dry run: {}; last cycle: {}; last error: {}",
            status.dry_run,
            status.last_cycle_mts.map_or("never".into(), utc),
            status.last_error.as_deref().unwrap_or("none")
        );
        for c in &status.currencies {
            let _ = writeln!(
                t,
                "  {}: total {} · idle {} · on offer {} · lent {} · {} offers · {} credits",
                c.currency,
                c.total,
                c.idle,
                c.on_offer,
                c.lent,
                c.offers.len(),
                c.credits.len()
            );
        }
        let sync = self.sync_status();
        let _ = writeln!(
            t,
            "Earnings sync: {:?}; last done: {}; message: {}",
            sync.phase,
            sync.last_done_mts.map_or("never".into(), utc),
            sync.message.as_deref().unwrap_or("none")
        );
        let d = self.desktop_settings();
        let _ = writeln!(
            t,
            "Settings: update checks {}; notify key {} / withdraw {} / errors {} / daily {}; hand-off {}",
            on(d.check_updates),
            on(d.notify_key_revoked),
            on(d.notify_withdraw),
            on(d.notify_engine_error),
            on(d.notify_daily_summary),
            on(d.handoff.enabled)
        );
        t
    }
}

/// Turns Auto-Renew on or off at Bitfinex and writes the move, with its outcome, to the action
/// log as one finished row. Returns Bitfinex's answer; the error is only the log's.
async fn switch_auto_renew(
    client: &bfx::Client,
    store: &store::Store,
    clock: &dyn lender::exchange::Clock,
    req: &AutoRenewRequest,
    why: &str,
) -> Result<Result<(), bfx::Error>, ApiError> {
    let r = client.set_auto_renew(req).await.map(drop);
    let detail = r.as_ref().err().map(ToString::to_string);
    let on = req.enabled;
    let action = NewAction {
        mts: clock.now_mts(),
        currency: req.currency.clone(),
        kind: if on {
            ActionKind::AutoRenewOn
        } else {
            ActionKind::AutoRenewOff
        },
        offer_id: None,
        amount: (on && !req.amount.is_zero()).then_some(req.amount),
        rate: (on && !req.rate.is_zero()).then_some(req.rate),
        period: on.then_some(req.period),
        offer_kind: None,
        hidden: None,
        reason: serde_json::json!({ "why": why }).to_string(),
    };
    let outcome = if r.is_ok() {
        Outcome::Ok
    } else {
        Outcome::Rejected
    };
    store
        .log_finished_action(&action, outcome, detail.as_deref())
        .map_err(storage)?;
    Ok(r)
}

fn on(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn utc(mts: i64) -> String {
    chrono::DateTime::from_timestamp_millis(mts).map_or_else(
        || mts.to_string(),
        |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// The distribution's name, where the OS says it (Linux).
fn os_release() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| format!("({})", v.trim_matches('"')))
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: EngineState, last_error: Option<&str>) -> EngineStatus {
        EngineStatus {
            state,
            last_error: last_error.map(Into::into),
            ..EngineStatus::default()
        }
    }

    /// Issue 14, item 8: a database that cannot be written is told at once, not after the
    /// grace period.
    #[test]
    fn a_read_only_database_is_told_at_once() {
        let mut w = TroubleWatch::new(Duration::from_secs(600));
        let status = EngineStatus {
            state: EngineState::Halted {
                reason: Halt::Storage,
                message: "/data/yieldsforge.sqlite3 is read-only".into(),
                retry_at_mts: None,
            },
            ..EngineStatus::default()
        };
        let a = w.observe(&status, Instant::now()).expect("told at once");
        assert!(a.body.contains("read-only"), "{}", a.body);
    }

    #[test]
    fn trouble_is_told_once_after_the_grace_and_again_only_after_recovery() {
        let mut w = TroubleWatch::new(Duration::from_secs(600));
        let t0 = Instant::now();
        let down = status(
            EngineState::Halted {
                reason: Halt::Maintenance,
                message: "Bitfinex is in maintenance.".into(),
                retry_at_mts: None,
            },
            None,
        );
        assert_eq!(w.observe(&down, t0), None);
        assert_eq!(w.observe(&down, t0 + Duration::from_secs(599)), None);
        let a = w.observe(&down, t0 + Duration::from_secs(601)).unwrap();
        assert_eq!(a.kind, AlertKind::EngineError);
        assert!(
            a.body.contains("10 minutes") && a.body.contains("maintenance"),
            "{a:?}"
        );
        assert_eq!(
            w.observe(&down, t0 + Duration::from_secs(3600)),
            None,
            "once"
        );
        // Lending works again, then fails the same way: told again.
        let ok = status(EngineState::Running, None);
        assert_eq!(w.observe(&ok, t0 + Duration::from_secs(3700)), None);
        let failing = status(EngineState::Running, Some("network down"));
        assert_eq!(w.observe(&failing, t0 + Duration::from_secs(3800)), None);
        let again = w.observe(&failing, t0 + Duration::from_secs(4500)).unwrap();
        assert!(again.body.contains("network down"), "{again:?}");
    }

    #[test]
    fn a_pause_or_a_key_problem_is_not_an_engine_error() {
        let mut w = TroubleWatch::new(Duration::ZERO);
        let t0 = Instant::now();
        let key = status(
            EngineState::Halted {
                reason: Halt::KeyProblem,
                message: "revoked".into(),
                retry_at_mts: None,
            },
            None,
        );
        assert_eq!(w.observe(&key, t0), None);
        assert_eq!(w.observe(&status(EngineState::Paused, Some("x")), t0), None);
    }

    #[test]
    fn each_kind_follows_its_switch() {
        let mut s = DesktopSettings::default();
        assert!(AlertKind::KeyRevoked.enabled_in(&s));
        assert!(
            !AlertKind::DailySummary.enabled_in(&s),
            "the summary is opt-in"
        );
        s.notify_key_revoked = false;
        s.notify_withdraw = false;
        s.notify_engine_error = false;
        s.notify_daily_summary = true;
        assert!(!AlertKind::KeyRevoked.enabled_in(&s));
        assert!(!AlertKind::WithdrawEnabled.enabled_in(&s));
        assert!(!AlertKind::EngineError.enabled_in(&s));
        assert!(AlertKind::DailySummary.enabled_in(&s));
    }
}
