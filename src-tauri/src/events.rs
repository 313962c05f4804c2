//! Forwards the engine's status to the web view (`engine://status`) and to the tray.

use std::sync::Arc;

use api::{Core, EngineStatus};
use lender::engine::EngineState;
use tauri::{AppHandle, Emitter, Runtime};

use crate::tray;

/// The event carrying [`EngineStatus`].
pub const ENGINE_STATUS: &str = "engine://status";

/// Spawns the forwarding task.
pub fn forward<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    let mut rx = core.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let status: EngineStatus = rx.borrow_and_update().clone();
            let demo = core.key_state().await.mode == api::KeyMode::Demo;
            tray::show_state(
                &app,
                tray::TrayState::of(&status.state, !status.currencies.is_empty(), demo),
            );
            if let Err(e) = app.emit(ENGINE_STATUS, &status) {
                tracing::warn!("could not emit {ENGINE_STATUS}: {e}");
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
}

impl tray::TrayState {
    /// The tray state for an engine state.
    pub fn of(state: &EngineState, connected: bool, demo: bool) -> Self {
        match (state, connected) {
            (_, false) => Self::Idle,
            (_, true) if demo => Self::Demo,
            (EngineState::Running, true) => Self::Lending,
            (EngineState::Paused, true) => Self::Paused,
            (EngineState::Halted { .. }, true) => Self::Error,
        }
    }
}

/// Turns the core's alerts (key revoked, withdraw permission found, lending stopped by an
/// error, the daily summary) into OS notifications, each kind only while its switch in
/// Settings is on.
pub fn notify_alerts<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    let mut rx = core.alerts();
    tauri::async_runtime::spawn(async move {
        while let Ok(alert) = rx.recv().await {
            deliver(&app, &core, &alert);
        }
    });
}

/// Shows one alert, if the user wants that kind; key alerts also turn the tray red.
pub fn deliver<R: Runtime>(app: &AppHandle<R>, core: &Core, alert: &api::Alert) {
    if matches!(
        alert.kind,
        api::AlertKind::KeyRevoked | api::AlertKind::WithdrawEnabled
    ) {
        tray::show_state(app, tray::TrayState::Error);
    }
    if !alert.kind.enabled_in(&core.desktop_settings()) {
        tracing::info!(kind = ?alert.kind, "notification switched off: {}", alert.body);
        return;
    }
    crate::notify::show(app, &alert.title, &alert.body);
}

/// Watches for lending stopped by an error (told after [`api::TROUBLE_GRACE`]) and sends the
/// daily summary (looked for every 10 minutes).
pub fn watch_trouble_and_summaries<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    let mut status = core.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut watch = api::TroubleWatch::new(api::TROUBLE_GRACE);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        let mut minutes = 0u32;
        loop {
            tokio::select! {
                r = status.changed() => { if r.is_err() { break; } }
                _ = tick.tick() => {
                    if minutes.is_multiple_of(10) {
                        // Sent through the alerts channel, so it reaches `notify_alerts`.
                        let _ = core.daily_summary_tick().await;
                    }
                    minutes = minutes.wrapping_add(1);
                }
            }
            let s = status.borrow_and_update().clone();
            if let Some(alert) = watch.observe(&s, std::time::Instant::now()) {
                deliver(&app, &core, &alert);
            }
        }
    });
}

/// The event carrying [`api::SyncStatus`].
pub const EARNINGS_SYNC: &str = "earnings://sync";
/// Sent when the earnings figures may have changed (after each sync pass).
pub const EARNINGS_UPDATED: &str = "earnings://updated";

/// Carries a running backtest's progress, 0–100.
pub const BACKTEST_PROGRESS: &str = "backtest://progress";

/// Forwards the sync's progress, a backtest's progress and earnings updates to the web view, and keeps the tray's
/// "Lending X · today +Y" line current (after each sync, and at most every 15 s as the engine
/// reports).
pub fn forward_earnings<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    let mut sync = core.sync_subscribe();
    let sync_app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let s = sync.borrow_and_update().clone();
            if let Err(e) = sync_app.emit(EARNINGS_SYNC, &s) {
                tracing::warn!("could not emit {EARNINGS_SYNC}: {e}");
            }
            if sync.changed().await.is_err() {
                break;
            }
        }
    });
    let mut backtest = core.backtest_subscribe();
    let bt_app = app.clone();
    tauri::async_runtime::spawn(async move {
        while backtest.changed().await.is_ok() {
            let pct = *backtest.borrow_and_update();
            if let Err(e) = bt_app.emit(BACKTEST_PROGRESS, pct) {
                tracing::warn!("could not emit {BACKTEST_PROGRESS}: {e}");
            }
        }
    });
    let mut updated = core.earnings_subscribe();
    let mut engine = core.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut last = None::<std::time::Instant>;
        loop {
            let from_sync = tokio::select! {
                r = updated.changed() => { if r.is_err() { break; } true }
                r = engine.changed() => { if r.is_err() { break; } false }
            };
            if from_sync && let Err(e) = app.emit(EARNINGS_UPDATED, ()) {
                tracing::warn!("could not emit {EARNINGS_UPDATED}: {e}");
            }
            if from_sync || last.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(15)) {
                last = Some(std::time::Instant::now());
                tray::show_summary(&app, core.tray_summary().await.as_deref());
            }
        }
    });
}

/// The event carrying [`api::KeyState`] whenever it may have changed.
pub const KEY_STATE: &str = "key://state";

/// Forwards key-state changes the window did not ask for (the demo started by `--demo`, a key
/// problem found by the periodic check) so a window that is open, or opened later, is current.
pub fn forward_key_state<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    let mut rx = core.key_subscribe();
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let state = core.key_state().await;
            if let Err(e) = app.emit(KEY_STATE, &state) {
                tracing::warn!("could not emit {KEY_STATE}: {e}");
            }
        }
    });
}
