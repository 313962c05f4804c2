//! Main-window lifecycle. Closing the window destroys it and its web view, so the WebKit
//! processes end and the app in the tray holds only its own small process (benchmarked in
//! `benches/app.sh`); lending goes on. Opening it again builds a fresh one from
//! `tauri.conf.json` (which marks it `"create": false`, so `--hidden` never builds one).

use tauri::{
    AppHandle, Manager, Runtime, WebviewWindow, WebviewWindowBuilder, Window, WindowEvent,
};

use crate::AppPaths;
use crate::notify::Notifications;

/// Label of the one main window (see `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// Shows, unminimizes and focuses the main window, building it first if it is closed.
pub fn show_main<R: Runtime, M: Manager<R>>(manager: &M) {
    let window = match manager.get_webview_window(MAIN_WINDOW) {
        Some(window) => window,
        None => match create_main(manager.app_handle()) {
            Ok(window) => window,
            Err(e) => {
                tracing::error!("could not open the main window: {e}");
                return;
            }
        },
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}

/// Builds the main window (hidden) from its entry in `tauri.conf.json`.
pub fn create_main<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<WebviewWindow<R>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    WebviewWindowBuilder::from_config(app, &config)?.build()
}

/// Closing the main window lets it close (the app stays in the tray, see [`crate::run`]); the
/// first time, a notification says the app is still running in the tray and how to quit.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != MAIN_WINDOW {
        return;
    }
    if let WindowEvent::CloseRequested { .. } = event {
        first_close_notice(window);
    }
}

pub(crate) fn first_close_notice<R: Runtime>(window: &Window<R>) {
    if let Some(notifications) = window.try_state::<Notifications>() {
        first_close_notice_with(window, &notifications);
    }
}

/// The one-time notice, sent through `notifications`; remembered only once it was shown.
pub(crate) fn first_close_notice_with<R: Runtime>(
    window: &Window<R>,
    notifications: &Notifications,
) {
    let Some(paths) = window.try_state::<AppPaths>() else {
        return;
    };
    if api::ShellPrefs::load(&paths.data_dir).close_notice_shown {
        return;
    }
    match notifications.0.notify(
        "Yieldsforge is still running",
        "It keeps lending from the tray. Use the tray menu to open it again or to quit.",
    ) {
        Ok(()) => {
            if let Err(e) =
                api::ShellPrefs::update(&paths.data_dir, |p| p.close_notice_shown = true)
            {
                tracing::warn!("{e}");
            }
        }
        // Not marked as shown: the user did not see it, so it is tried again next time.
        Err(e) => tracing::warn!("could not show the tray notice: {e}"),
    }
}
