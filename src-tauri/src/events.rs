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

/// Turns the core's alerts (key revoked, withdraw permission found) into OS notifications.
pub fn notify_alerts<R: Runtime>(app: AppHandle<R>, core: Arc<Core>) {
    use tauri::Manager;
    let mut rx = core.alerts();
    tauri::async_runtime::spawn(async move {
        while let Ok(message) = rx.recv().await {
            tray::show_state(&app, tray::TrayState::Error);
            if let Some(n) = app.try_state::<crate::notify::Notifications>()
                && let Err(e) = n.0.notify("Yieldsforge stopped lending", &message)
            {
                tracing::warn!("could not show a notification: {e}");
            }
        }
    });
}
