//! IPC commands: each one delegates to a crate function in one line.

use std::sync::Arc;

use api::{ApiError, AppInfo, Core, EngineStatus, ErrorCode, KeyState, VerifyOutcome};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use crate::AppPaths;

type CoreState<'a> = State<'a, Arc<Core>>;

/// Version, data directory and build profile (Settings → About).
#[tauri::command]
pub fn app_info(paths: State<'_, AppPaths>) -> AppInfo {
    api::app_info(&paths.data_dir)
}

/// Opens a Bitfinex page in the default browser; any other address is refused with `InvalidInput`.
#[tauri::command]
pub fn open_external<R: Runtime>(app: AppHandle<R>, url: String) -> Result<(), ApiError> {
    let url = api::validate_external_url(&url)?;
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("Could not open the browser: {e}"),
        )
    })
}

/// Which key the app uses (never the key or secret themselves).
#[tauri::command]
pub async fn key_state(core: CoreState<'_>) -> Result<KeyState, ApiError> {
    Ok(core.key_state().await)
}

/// Checks a pasted key without saving it.
#[tauri::command]
pub async fn verify_key(
    core: CoreState<'_>,
    key: String,
    secret: String,
) -> Result<VerifyOutcome, ApiError> {
    core.verify_key(&key, &secret).await
}

/// Verifies and saves a key (secret to the keychain); refuses withdraw-enabled keys.
#[tauri::command]
pub async fn save_key(
    core: CoreState<'_>,
    key: String,
    secret: String,
    label: String,
) -> Result<KeyState, ApiError> {
    core.save_key(&key, &secret, &label).await
}

/// Removes the key, optionally cancelling the app's offers first.
#[tauri::command]
pub async fn remove_key(core: CoreState<'_>, cancel_offers: bool) -> Result<KeyState, ApiError> {
    core.remove_key(cancel_offers).await
}

/// Starts the demo market and account.
#[tauri::command]
pub async fn start_demo(core: CoreState<'_>) -> Result<KeyState, ApiError> {
    core.start_demo().await
}

/// Leaves the demo and deletes its data.
#[tauri::command]
pub async fn leave_demo(core: CoreState<'_>) -> Result<KeyState, ApiError> {
    core.leave_demo().await
}

/// The engine's latest status.
#[tauri::command]
pub fn engine_status(core: CoreState<'_>) -> EngineStatus {
    core.engine_status()
}

/// Starts or resumes lending.
#[tauri::command]
pub async fn engine_start(core: CoreState<'_>) -> Result<(), ApiError> {
    core.engine_start().await
}

/// Pauses lending (offers stay on the book).
#[tauri::command]
pub async fn engine_pause(core: CoreState<'_>) -> Result<(), ApiError> {
    core.engine_pause().await
}

/// Pauses and cancels every offer the app placed.
#[tauri::command]
pub async fn engine_stop_and_cancel(core: CoreState<'_>) -> Result<(), ApiError> {
    core.stop_and_cancel().await
}

/// Wallet balances of the connected account (the wizard's funding step).
#[tauri::command]
pub async fn wallets(core: CoreState<'_>) -> Result<Vec<api::WalletView>, ApiError> {
    core.wallets().await
}

/// Moves money from the exchange wallet to the funding wallet (own wallets only).
#[tauri::command]
pub async fn transfer_to_funding(
    core: CoreState<'_>,
    currency: String,
    amount: String,
) -> Result<Vec<api::WalletView>, ApiError> {
    core.transfer_to_funding(&currency, &amount).await
}

/// Checks the key's permissions again now.
#[tauri::command]
pub async fn recheck_key(core: CoreState<'_>) -> Result<KeyState, ApiError> {
    core.recheck().await?;
    Ok(core.key_state().await)
}

/// Removes the key and deletes every local file of the app.
#[tauri::command]
pub async fn delete_all_data(core: CoreState<'_>) -> Result<KeyState, ApiError> {
    core.delete_all_data().await
}

/// A currency's strategy settings.
#[tauri::command]
pub async fn strategy_get(
    core: CoreState<'_>,
    currency: String,
) -> Result<lender::StrategySettings, ApiError> {
    core.strategy_get(&currency).await
}

/// Validates and saves a currency's settings (errors list every field).
#[tauri::command]
pub async fn strategy_set(
    core: CoreState<'_>,
    currency: String,
    settings: lender::StrategySettings,
) -> Result<(), ApiError> {
    core.strategy_set(&currency, settings).await
}

/// What some settings would place now, without saving them.
#[tauri::command]
pub async fn strategy_preview(
    core: CoreState<'_>,
    currency: String,
    settings: lender::StrategySettings,
) -> Result<Option<lender::Plan>, ApiError> {
    core.strategy_preview(&currency, settings).await
}

/// The settings of a preset.
#[tauri::command]
pub fn strategy_preset(preset: lender::Preset) -> lender::StrategySettings {
    lender::StrategySettings::preset(preset)
}

/// Writes CSV copies of the local data (payments, daily summary, action log) into the
/// Downloads folder; returns the files written.
#[tauri::command]
pub fn export_data<R: Runtime>(
    app: AppHandle<R>,
    core: CoreState<'_>,
) -> Result<Vec<String>, ApiError> {
    use tauri::Manager;
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().document_dir())
        .map_err(|e| ApiError::new(ErrorCode::Storage, format!("No Downloads folder: {e}")))?;
    Ok(core
        .export_data(&dir)?
        .iter()
        .map(|p| p.display().to_string())
        .collect())
}

/// Whether the engine also manages offers placed by hand.
#[tauri::command]
pub async fn manage_all_get(core: CoreState<'_>) -> Result<bool, ApiError> {
    core.manage_all_get().await
}

/// Opt in (or out) to let the engine manage offers placed by hand too.
#[tauri::command]
pub async fn manage_all_set(core: CoreState<'_>, on: bool) -> Result<(), ApiError> {
    core.manage_all_set(on).await
}

/// The earnings report: per currency and in USD, today / 7 d / 30 d / all time.
#[tauri::command]
pub async fn earnings_report(
    core: CoreState<'_>,
) -> Result<lender::earnings::EarningsReport, ApiError> {
    core.earnings_report().await
}

/// One currency's last `days` days, for the charts.
#[tauri::command]
pub async fn earnings_daily(
    core: CoreState<'_>,
    currency: String,
    days: u32,
) -> Result<Vec<lender::metrics::DailyEarning>, ApiError> {
    core.earnings_daily(&currency, days).await
}

/// Where the earnings sync is.
#[tauri::command]
pub fn sync_status(core: CoreState<'_>) -> api::SyncStatus {
    core.sync_status()
}

/// Syncs the earnings history now.
#[tauri::command]
pub fn sync_now(core: CoreState<'_>) {
    core.sync_now();
}

/// Stops the running sync; what was read is kept.
#[tauri::command]
pub fn sync_cancel(core: CoreState<'_>) {
    core.sync_cancel();
}

/// Asks where to save a CSV (payments or daily summary) in the OS's save dialog and writes it
/// there. Returns the path, or `null` when the user closed the dialog.
#[tauri::command]
pub async fn earnings_export<R: Runtime>(
    app: AppHandle<R>,
    core: CoreState<'_>,
    kind: api::CsvKind,
) -> Result<Option<String>, ApiError> {
    use tauri_plugin_dialog::DialogExt;
    let (tx, rx) = tauri::async_runtime::channel(1);
    app.dialog()
        .file()
        .set_title("Export earnings as CSV")
        .set_file_name(kind.default_file_name())
        .add_filter("CSV", &["csv"])
        .save_file(move |p| {
            let _ = tx.try_send(p);
        });
    let mut rx = rx;
    let Some(Some(choice)) = rx.recv().await else {
        return Ok(None);
    };
    let path = choice
        .into_path()
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("Not a file path: {e}")))?;
    Ok(Some(
        core.export_earnings(kind, &path)
            .await?
            .display()
            .to_string(),
    ))
}

/// Runs settings over days of the synthetic market, next to Auto-Renew and the baselines.
#[tauri::command]
pub async fn backtest_run(
    core: CoreState<'_>,
    settings: lender::StrategySettings,
    days: u32,
    market: api::BacktestMarket,
    balance: String,
) -> Result<api::BacktestReport, ApiError> {
    core.backtest(settings, days, market, &balance).await
}

/// The desktop settings (Settings page).
#[tauri::command]
pub fn desktop_settings_get(core: CoreState<'_>) -> api::DesktopSettings {
    core.desktop_settings()
}

/// Checks and saves the desktop settings.
#[tauri::command]
pub fn desktop_settings_set(
    core: CoreState<'_>,
    settings: api::DesktopSettings,
) -> Result<api::DesktopSettings, ApiError> {
    core.set_desktop_settings(settings)
}

fn autostart_err(e: tauri_plugin_autostart::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Storage,
        format!("Could not change the start-at-login entry: {e}"),
    )
}

/// Whether the app starts (hidden, in the tray) at login.
#[tauri::command]
pub fn autostart_get<R: Runtime>(app: AppHandle<R>) -> Result<bool, ApiError> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(autostart_err)
}

/// Starts the app at login (hidden, in the tray), or stops doing so. Only ever on the user's
/// request: nothing enables it silently.
#[tauri::command]
pub fn autostart_set<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool, ApiError> {
    use tauri_plugin_autostart::ManagerExt;
    let a = app.autolaunch();
    if enabled { a.enable() } else { a.disable() }.map_err(autostart_err)?;
    a.is_enabled().map_err(autostart_err)
}

/// Looks for a signed update now.
#[tauri::command]
pub async fn update_check<R: Runtime>(
    app: AppHandle<R>,
) -> Result<Option<api::UpdateInfo>, ApiError> {
    crate::updates::check_with(&app, &crate::updates::Source::from_env()).await
}

/// The update the last check found, if any (the window asks when it opens).
#[tauri::command]
pub fn update_pending(pending: State<'_, crate::updates::Pending>) -> Option<api::UpdateInfo> {
    pending.get().as_ref().map(crate::updates::info_of)
}

/// Downloads, verifies, installs the update and restarts the app.
#[tauri::command]
pub async fn update_install<R: Runtime>(app: AppHandle<R>) -> Result<(), ApiError> {
    crate::updates::install(&app).await
}

/// Opens the log folder in the file manager.
#[tauri::command]
pub fn open_logs_folder<R: Runtime>(
    app: AppHandle<R>,
    paths: State<'_, AppPaths>,
) -> Result<(), ApiError> {
    let dir = crate::logs::dir(&paths.data_dir);
    std::fs::create_dir_all(&dir).map_err(|e| {
        ApiError::new(
            ErrorCode::Storage,
            format!("Could not create {}: {e}", dir.display()),
        )
    })?;
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("Could not open the file manager on {}: {e}", dir.display()),
            )
        })
}

/// Versions, OS and engine state as text for a bug report; never the key or its secret.
#[tauri::command]
pub async fn diagnostics(
    core: CoreState<'_>,
    paths: State<'_, AppPaths>,
) -> Result<String, ApiError> {
    let extra = [
        ("Tauri", tauri::VERSION.to_owned()),
        (
            "WebView",
            tauri::webview_version().unwrap_or_else(|e| e.to_string()),
        ),
        (
            "Logs",
            crate::logs::dir(&paths.data_dir).display().to_string(),
        ),
    ];
    Ok(core.diagnostics(&extra).await)
}
