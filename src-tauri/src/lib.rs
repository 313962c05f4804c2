//! Yieldsforge desktop shell: the main window, the tray, IPC commands and plugin setup.
//!
//! This crate holds no logic of its own. Every command is a one-line delegation to a plain
//! crate (`api`, later `lender`, `vault`, `store`), which is where behaviour is written and
//! tested without GTK/WebKit. What *is* tested here: that commands answer over IPC with the
//! right payloads and that errors cross as `{ code, message }` (Tauri's mock runtime).

mod commands;
mod events;
pub mod logs;
pub mod notify;
#[cfg(target_os = "linux")]
pub mod sleep;
mod tray;
pub mod updates;
mod window;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, Manager, RunEvent, Runtime};

/// Where the app keeps its files, resolved once at start.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// SQLite database, logs and shell preferences live here.
    pub data_dir: PathBuf,
}

/// Registers state-free parts shared by the real app and the mock-runtime tests:
/// the IPC command handler.
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::open_external,
        commands::key_state,
        commands::verify_key,
        commands::save_key,
        commands::remove_key,
        commands::start_demo,
        commands::leave_demo,
        commands::engine_status,
        commands::engine_start,
        commands::engine_pause,
        commands::engine_stop_and_cancel,
        commands::wallets,
        commands::transfer_to_funding,
        commands::recheck_key,
        commands::delete_all_data,
        commands::strategy_get,
        commands::strategy_set,
        commands::strategy_preview,
        commands::strategy_preset,
        commands::export_data,
        commands::manage_all_get,
        commands::manage_all_set,
        commands::earnings_report,
        commands::earnings_daily,
        commands::sync_status,
        commands::sync_now,
        commands::sync_cancel,
        commands::earnings_export,
        commands::backtest_run,
        commands::desktop_settings_get,
        commands::desktop_settings_set,
        commands::autostart_get,
        commands::autostart_set,
        commands::update_check,
        commands::update_install,
        commands::update_pending,
        commands::open_logs_folder,
        commands::diagnostics,
    ])
}

/// The data directory: `YF_DATA_DIR` when set (tests, portable use), else the OS's app data dir.
fn resolve_data_dir<R: Runtime>(
    app: &tauri::App<R>,
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = match std::env::var_os("YF_DATA_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    Ok(dir)
}

/// How the app was started: `--hidden` starts in the tray without a window (what autostart at
/// login uses); `--demo` starts the demo and its lending when no key is connected; `--quit`
/// asks the running app to quit (as its tray's Quit does) and exits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaunchOptions {
    /// Start in the tray, window hidden.
    pub hidden: bool,
    /// Start the demo, lending, when no key is connected.
    pub demo: bool,
    /// Ask the running app to quit.
    pub quit: bool,
}

impl LaunchOptions {
    /// Reads the options from command-line arguments (unknown ones are ignored).
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Self {
        let mut o = Self::default();
        for a in args {
            match a.as_str() {
                "--hidden" => o.hidden = true,
                "--demo" => o.demo = true,
                "--quit" => o.quit = true,
                _ => {}
            }
        }
        o
    }
}

/// The start-at-login plugin: the entry starts the app hidden in the tray.
pub fn autostart_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_autostart::Builder::new()
        .app_name("Yieldsforge")
        .args(["--hidden"])
        .build()
}

static QUITTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Quits the app the one way every path takes (tray → Quit, `yieldsforge --quit`, SIGTERM at
/// logout or shutdown): hands the money to Bitfinex Auto-Renew when the user chose that (at
/// most 15 s) and ends a running demo (its data deleted), then exits. A second request while quitting is ignored.
pub fn quit<R: Runtime>(app: &AppHandle<R>) {
    if QUITTING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Some(core) = app.try_state::<Arc<api::Core>>().map(|c| c.inner().clone()) {
            core.quit(std::time::Duration::from_secs(15)).await;
        }
        tracing::info!("quitting");
        app.exit(0);
    });
}

/// Starts the desktop app and runs until the user quits from the tray.
pub fn run() {
    let launch = LaunchOptions::from_args(std::env::args().skip(1));
    logs::init();

    let builder = tauri::Builder::default()
        // Registered first: a second launch must be caught before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if LaunchOptions::from_args(argv.into_iter().skip(1)).quit {
                quit(app);
            } else {
                window::show_main(app);
            }
        }))
        .plugin(
            tauri_plugin_window_state::Builder::default()
                // Size, position and maximized state; never visibility — the window is hidden
                // while the app lives in the tray, and must still open on the next start.
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(autostart_plugin())
        .setup(move |app| {
            if launch.quit {
                // No running app took the request (it would have exited us): nothing to quit.
                eprintln!("Yieldsforge is not running.");
                std::process::exit(0);
            }
            let data_dir = resolve_data_dir(app)?;
            match logs::attach_file(&data_dir) {
                Ok(dir) => tracing::info!(logs = %dir.display(), "logging to files"),
                Err(e) => tracing::warn!("{e}"),
            }
            tracing::info!(data_dir = %data_dir.display(), version = env!("CARGO_PKG_VERSION"), "starting Yieldsforge");
            let api_url =
                std::env::var("YF_API_URL").unwrap_or_else(|_| "https://api.bitfinex.com".into());
            let core = Arc::new(api::Core::new(
                &data_dir,
                &api_url,
                Arc::new(vault::KeychainStore::default()),
            ));
            app.manage(core.clone());
            app.manage(AppPaths { data_dir });
            events::forward(app.handle().clone(), core.clone());
            events::notify_alerts(app.handle().clone(), core.clone());
            events::forward_earnings(app.handle().clone(), core.clone());
            events::forward_key_state(app.handle().clone(), core.clone());
            events::watch_trouble_and_summaries(app.handle().clone(), core.clone());
            app.manage(updates::Pending::default());
            updates::spawn_background_checks(app.handle().clone(), core.clone());
            #[cfg(target_os = "linux")]
            sleep::spawn(core.clone());
            #[cfg(unix)]
            {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    use tokio::signal::unix::{SignalKind, signal};
                    if let Ok(mut term) = signal(SignalKind::terminate()) {
                        term.recv().await;
                        tracing::info!("SIGTERM: quitting");
                        quit(&handle);
                    }
                });
            }
            let checker = core.clone();
            // Inside the async runtime: the checks run on its timer.
            tauri::async_runtime::spawn(async move {
                checker.spawn_rechecks(api::RECHECK_EVERY);
            });
            tauri::async_runtime::spawn(async move {
                if let Err(e) = core.resume().await {
                    tracing::warn!("could not resume the saved key: {e}");
                }
                if launch.demo && core.key_state().await.mode == api::KeyMode::None {
                    let started = match core.start_demo().await {
                        Ok(_) => core.engine_start().await,
                        Err(e) => Err(e),
                    };
                    match started {
                        Ok(()) => tracing::info!("the demo is lending"),
                        Err(e) => tracing::warn!("could not start the demo: {e}"),
                    }
                }
            });
            // The window is built here (tauri.conf.json says `"create": false`), unless the
            // app starts in the tray: then no web view runs until the user opens it.
            if !launch.hidden {
                window::show_main(app.handle());
            }
            app.manage(notify::Notifications(std::sync::Arc::new(
                notify::PluginNotifier(app.handle().clone()),
            )));
            tray::create(app.handle())?;
            Ok(())
        })
        .on_window_event(window::on_window_event);

    let app = app_builder(builder)
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("Yieldsforge could not start: {e}");
            std::process::exit(1);
        });
    app.run(|_app, event| {
        // Closing the last window is not quitting: the app keeps lending from the tray.
        // `code` is `None` when the exit was not asked for with `app.exit()` (tray → Quit).
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}

#[cfg(test)]
mod tests;
