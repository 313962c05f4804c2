//! OS notifications go through one seam, so tests can observe what the app would tell the user.

use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

/// Something that can show the user a desktop notification.
pub trait Notifier: Send + Sync + 'static {
    /// Shows a notification; the error says why it could not be shown.
    fn notify(&self, title: &str, body: &str) -> Result<(), String>;
}

/// The app's notifier, kept in Tauri's state.
#[derive(Clone)]
pub struct Notifications(pub Arc<dyn Notifier>);

/// Shows a notification through the app's notifier; a failure is logged (there is no one to
/// tell but the log).
pub fn show<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    if let Some(n) = app.try_state::<Notifications>()
        && let Err(e) = n.0.notify(title, body)
    {
        tracing::warn!("could not show a notification: {e}");
    }
}

/// The real notifier: `tauri-plugin-notification` (libnotify on Linux, the OS centre elsewhere).
pub struct PluginNotifier<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Notifier for PluginNotifier<R> {
    fn notify(&self, title: &str, body: &str) -> Result<(), String> {
        self.0
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
            .map_err(|e| e.to_string())
    }
}
