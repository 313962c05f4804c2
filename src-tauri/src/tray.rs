//! The tray icon and its menu. On Linux the tray only reacts through its menu, so every
//! action has a menu item.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

use crate::window::show_main;

/// The tray menu's items, with stable ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayItem {
    /// Show and focus the main window.
    Open,
    /// Pause or resume lending (enabled once the engine exists).
    PauseResume,
    /// Quit the app (lending stops).
    Quit,
}

impl TrayItem {
    /// Every item, in menu order.
    pub const ALL: [TrayItem; 3] = [TrayItem::Open, TrayItem::PauseResume, TrayItem::Quit];

    /// The menu id.
    pub fn id(self) -> &'static str {
        match self {
            TrayItem::Open => "tray_open",
            TrayItem::PauseResume => "tray_pause_resume",
            TrayItem::Quit => "tray_quit",
        }
    }

    /// The item for a menu id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|item| item.id() == id)
    }
}

/// The tray icon shown while nothing is lent.
pub fn idle_icon() -> tauri::image::Image<'static> {
    tauri::include_image!("../icons/tray/idle.png")
}

/// Creates the tray icon and its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
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
    let quit = MenuItem::with_id(
        app,
        TrayItem::Quit.id(),
        "Quit Yieldsforge",
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(
        app,
        &[&open, &pause, &PredefinedMenuItem::separator(app)?, &quit],
    )?;
    TrayIconBuilder::with_id("main")
        .icon(idle_icon())
        .tooltip("Yieldsforge")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match TrayItem::from_id(event.id.as_ref()) {
            Some(TrayItem::Open) => show_main(app),
            Some(TrayItem::Quit) => app.exit(0),
            Some(TrayItem::PauseResume) | None => {}
        })
        .build(app)?;
    Ok(())
}
