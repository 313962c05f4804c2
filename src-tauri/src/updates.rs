//! Signed updates through `tauri-plugin-updater`: a check at start and every 12 hours (when
//! the user leaves it on), "Check for updates" in the tray and on the Settings page, the
//! release notes shown, and install-and-restart only when the user confirms.
//!
//! Every artifact is verified against the public key in `tauri.conf.json` (minisign) before
//! anything is installed; a tampered file or a wrong signature is refused with a message that
//! says so. `YF_UPDATE_URL` points the check at another `latest.json` (a staging server, the
//! tests' loopback server).

use std::sync::Mutex;
use std::time::Duration;

use api::{ApiError, ErrorCode, UpdateInfo};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};

/// How often the background check runs.
pub const CHECK_EVERY: Duration = Duration::from_secs(12 * 3600);

/// Sent with [`UpdateInfo`] when the background check finds a newer version.
pub const UPDATE_AVAILABLE: &str = "update://available";
/// Sent while an update downloads: `{ downloaded, total }` in bytes.
pub const UPDATE_PROGRESS: &str = "update://progress";

/// The update found by the last check, installed on confirmation.
#[derive(Default)]
pub struct Pending(Mutex<Option<Update>>);

impl Pending {
    /// The update the last check kept, if any.
    pub fn get(&self) -> Option<Update> {
        self.0.lock().ok().and_then(|g| g.clone())
    }

    fn set(&self, update: Option<Update>) {
        if let Ok(mut g) = self.0.lock() {
            *g = update;
        }
    }
}

fn pending<R: Runtime>(app: &AppHandle<R>) -> Option<Update> {
    app.try_state::<Pending>().and_then(|p| p.get())
}

/// Where to look and which key to trust; `None`s take `tauri.conf.json`'s values.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// `latest.json` URLs.
    pub endpoints: Option<Vec<tauri::Url>>,
    /// The minisign public key (base64 of the key file, as `tauri signer generate` prints).
    pub pubkey: Option<String>,
}

impl Source {
    /// The configured source, or `YF_UPDATE_URL` when set.
    pub fn from_env() -> Self {
        let endpoints = std::env::var("YF_UPDATE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .and_then(|u| tauri::Url::parse(&u).ok())
            .map(|u| vec![u]);
        Self {
            endpoints,
            pubkey: None,
        }
    }
}

/// What the user reads when an update fails.
pub fn user_error(e: &tauri_plugin_updater::Error) -> ApiError {
    use tauri_plugin_updater::Error as E;
    // The library's own text goes to the log, not to the user.
    tracing::warn!(error = %e, "update failed");
    match e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => ApiError::new(
            ErrorCode::Rejected,
            "The update's signature does not match Yieldsforge's signing key, so it was not installed. Your current version keeps running.",
        ),
        E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound => ApiError::new(
            ErrorCode::Network,
            "Could not reach the update server. Check your internet connection and try again; your current version keeps running.".to_string(),
        ),
        E::Serialization(_) | E::Semver(_) | E::TargetNotFound(_) | E::TargetsNotFound(_) => {
            ApiError::new(
                ErrorCode::Rejected,
                "The update server's answer is not a valid release for this system. Your current version keeps running.".to_string(),
            )
        }
        _ => ApiError::new(
            ErrorCode::Internal,
            "The update failed; your current version keeps running. Settings → Copy diagnostics has the details for a bug report.",
        ),
    }
}

/// What the UI shows of an update.
pub fn info_of(u: &Update) -> UpdateInfo {
    UpdateInfo {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone(),
        date: u.date.map(|d| d.date().to_string()),
    }
}

/// Asks the update server; keeps a newer release for [`install`] and describes it.
pub async fn check_with<R: Runtime>(
    app: &AppHandle<R>,
    source: &Source,
) -> Result<Option<UpdateInfo>, ApiError> {
    let mut b = app.updater_builder().timeout(Duration::from_secs(30));
    if let Some(e) = &source.endpoints {
        b = b.endpoints(e.clone()).map_err(|e| user_error(&e))?;
    }
    if let Some(k) = &source.pubkey {
        b = b.pubkey(k.clone());
    }
    let found = b
        .build()
        .map_err(|e| user_error(&e))?
        .check()
        .await
        .map_err(|e| user_error(&e))?;
    let info = found.as_ref().map(info_of);
    if let Some(p) = app.try_state::<Pending>() {
        p.set(found);
    }
    Ok(info)
}

/// Downloads the update and verifies its signature; the verified bytes, or why not.
pub async fn download_verified<R: Runtime>(
    app: &AppHandle<R>,
    update: &Update,
) -> Result<Vec<u8>, ApiError> {
    let mut downloaded = 0usize;
    let progress = app.clone();
    update
        .download(
            move |chunk, total| {
                downloaded += chunk;
                let _ = progress.emit(
                    UPDATE_PROGRESS,
                    serde_json::json!({ "downloaded": downloaded, "total": total }),
                );
            },
            || {},
        )
        .await
        .map_err(|e| user_error(&e))
}

/// Installs the update found by the last check (checking first if there is none), then
/// restarts the app. Nothing is installed unless the signature verifies.
pub async fn install<R: Runtime>(app: &AppHandle<R>) -> Result<(), ApiError> {
    let update = match pending(app) {
        Some(u) => u,
        None => {
            check_with(app, &Source::from_env()).await?;
            pending(app)
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "You have the latest version."))?
        }
    };
    let bytes = download_verified(app, &update).await?;
    update.install(&bytes).map_err(|e| user_error(&e))?;
    tracing::info!(version = %update.version, "update installed; restarting");
    app.restart();
}

/// The background check: at start (after a minute, so it does not slow the start) and every
/// [`CHECK_EVERY`], when the user leaves checks on. A found update is announced to the window
/// and with a notification.
pub fn spawn_background_checks<R: Runtime>(app: AppHandle<R>, core: std::sync::Arc<api::Core>) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if core.desktop_settings().check_updates {
                match check_with(&app, &Source::from_env()).await {
                    Ok(Some(info)) => {
                        tracing::info!(version = %info.version, "an update is available");
                        let _ = app.emit(UPDATE_AVAILABLE, &info);
                        crate::notify::show(
                            &app,
                            &format!("Yieldsforge {} is available", info.version),
                            "Open Yieldsforge → Settings to read what's new and install it.",
                        );
                    }
                    Ok(None) => tracing::info!("no update available"),
                    Err(e) => tracing::warn!("update check failed: {}", e.message),
                }
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}
