//! IPC commands: each one delegates to a crate function in one line.

use api::{ApiError, AppInfo, ErrorCode};
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use crate::AppPaths;

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
