//! The tray icon and its menu. On Linux the tray only reacts through its menu, so every
//! action has a menu item.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::window::show_main;

/// The tray menu's items, with stable ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayItem {
    /// Show and focus the main window.
    Open,
    /// Pause or resume lending (enabled once the engine exists).
    PauseResume,
    /// Look for a signed update now.
    CheckUpdates,
    /// Quit the app (lending stops; the hand-off to Auto-Renew runs when switched on).
    Quit,
}

impl TrayItem {
    /// Every item, in menu order.
    pub const ALL: [TrayItem; 4] = [
        TrayItem::Open,
        TrayItem::PauseResume,
        TrayItem::CheckUpdates,
        TrayItem::Quit,
    ];

    /// The menu id.
    pub fn id(self) -> &'static str {
        match self {
            TrayItem::Open => "tray_open",
            TrayItem::PauseResume => "tray_pause_resume",
            TrayItem::CheckUpdates => "tray_check_updates",
            TrayItem::Quit => "tray_quit",
        }
    }

    /// The item for a menu id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|item| item.id() == id)
    }
}

/// What the tray shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    /// No key connected.
    Idle,
    /// Lending.
    Lending,
    /// Paused by the user.
    Paused,
    /// Stopped by a problem (key, rate limit, maintenance).
    Error,
    /// Running the demo.
    Demo,
}

impl TrayState {
    fn icon(self) -> tauri::image::Image<'static> {
        match self {
            Self::Idle => tauri::include_image!("../icons/tray/idle.png"),
            Self::Lending => tauri::include_image!("../icons/tray/lending.png"),
            Self::Paused => tauri::include_image!("../icons/tray/paused.png"),
            Self::Error => tauri::include_image!("../icons/tray/error.png"),
            Self::Demo => tauri::include_image!("../icons/tray/demo.png"),
        }
    }

    fn tooltip(self) -> &'static str {
        match self {
            Self::Idle => "Yieldsforge — not connected",
            Self::Lending => "Yieldsforge — lending",
            Self::Paused => "Yieldsforge — paused",
            Self::Error => "Yieldsforge — stopped, open it to see why",
            Self::Demo => "Yieldsforge — DEMO",
        }
    }
}

/// Menu items whose text and state change.
pub struct TrayItems<R: Runtime> {
    pause: MenuItem<R>,
    summary: MenuItem<R>,
}

/// Shows "Lending X · today +Y" at the top of the menu (or that nothing is connected).
pub fn show_summary<R: Runtime>(app: &AppHandle<R>, line: Option<&str>) {
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items.summary.set_text(line.unwrap_or("Not connected"));
    }
}

/// Updates the tray for the engine's state.
pub fn show_state<R: Runtime>(app: &AppHandle<R>, state: TrayState) {
    if let Some(tray) = app.tray_by_id("main") {
        let _ = tray.set_icon(Some(state.icon()));
        let _ = tray.set_tooltip(Some(state.tooltip()));
    }
    if let Some(items) = app.try_state::<TrayItems<R>>() {
        let _ = items.pause.set_enabled(state != TrayState::Idle);
        let _ = items
            .pause
            .set_text(if matches!(state, TrayState::Lending | TrayState::Demo) {
                "Pause lending"
            } else {
                "Resume lending"
            });
    }
}

fn toggle_pause<R: Runtime>(app: &AppHandle<R>) {
    let Some(core) = app
        .try_state::<std::sync::Arc<api::Core>>()
        .map(|c| c.inner().clone())
    else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        let running = core.engine_status().state == lender::engine::EngineState::Running;
        let r = if running {
            core.engine_pause().await
        } else {
            core.engine_start().await
        };
        if let Err(e) = r {
            tracing::warn!("tray pause/resume: {e}");
        }
    });
}

/// "Check for updates…": a found update opens the window with its notes; otherwise a
/// notification says the version is current, or why the check failed.
fn check_updates<R: Runtime>(app: &AppHandle<R>) {
    use tauri::Emitter;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let say = |title: &str, body: &str| crate::notify::show(&app, title, body);
        match crate::updates::check_with(&app, &crate::updates::Source::from_env()).await {
            Ok(Some(info)) => {
                show_main(&app);
                let _ = app.emit(crate::updates::UPDATE_AVAILABLE, &info);
            }
            Ok(None) => say(
                "Yieldsforge is up to date",
                &format!(
                    "You have the latest version ({}).",
                    env!("CARGO_PKG_VERSION")
                ),
            ),
            Err(e) => say("Could not check for updates", &e.message),
        }
    });
}

/// Creates the tray icon and its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    // Information only: disabled, so it reads as a label.
    let summary = MenuItem::with_id(app, "tray_summary", "Not connected", false, None::<&str>)?;
    let open = MenuItem::with_id(
        app,
        TrayItem::Open.id(),
        "Open Yieldsforge",
        true,
        None::<&str>,
    )?;
    // Present from day one so the menu doesn't move under the user's hand; the engine enables it.
    let pause = MenuItem::with_id(
        app,
        TrayItem::PauseResume.id(),
        "Pause lending",
        false,
        None::<&str>,
    )?;
    let updates = MenuItem::with_id(
        app,
        TrayItem::CheckUpdates.id(),
        "Check for updates…",
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        app,
        TrayItem::Quit.id(),
        "Quit Yieldsforge",
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(
        app,
        &[
            &summary,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &updates,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id("main")
        .icon(TrayState::Idle.icon())
        .tooltip("Yieldsforge")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match TrayItem::from_id(event.id.as_ref()) {
            Some(TrayItem::Open) => show_main(app),
            Some(TrayItem::Quit) => crate::quit(app),
            Some(TrayItem::CheckUpdates) => check_updates(app),
            Some(TrayItem::PauseResume) => toggle_pause(app),
            None => {}
        })
        .build(app)?;
    app.manage(TrayItems { pause, summary });
    Ok(())
}
