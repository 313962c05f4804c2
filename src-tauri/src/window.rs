//! Main-window lifecycle: closing hides the window (the app keeps running in the tray).

use tauri::{Manager, Runtime, Window, WindowEvent};

use crate::AppPaths;
use crate::notify::Notifications;

/// Label of the one main window (see `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime, M: Manager<R>>(manager: &M) {
    if let Some(window) = manager.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Closing the main window hides it instead; the first time, a notification says the app
/// is still running in the tray and how to quit.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if window.label() != MAIN_WINDOW {
        return;
    }
    if let WindowEvent::CloseRequested { api, .. } = event {
        api.prevent_close();
        hide_to_tray(window);
    }
}

/// Hides the main window; the first time, tells the user the app is still running in the tray.
pub fn hide_to_tray<R: Runtime>(window: &Window<R>) {
    if let Err(e) = window.hide() {
        tracing::warn!("could not hide the main window: {e}");
    }
    first_close_notice(window);
}

fn first_close_notice<R: Runtime>(window: &Window<R>) {
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
    let mut prefs = api::ShellPrefs::load(&paths.data_dir);
    if prefs.close_notice_shown {
        return;
    }
    match notifications.0.notify(
        "Yieldsforge is still running",
        "It keeps lending from the tray. Use the tray menu to open it again or to quit.",
    ) {
        Ok(()) => {
            prefs.close_notice_shown = true;
            if let Err(e) = prefs.save(&paths.data_dir) {
                tracing::warn!("{e}");
            }
        }
        // Not marked as shown: the user did not see it, so it is tried again next time.
        Err(e) => tracing::warn!("could not show the tray notice: {e}"),
    }
}
