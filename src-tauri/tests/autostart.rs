//! Start at login writes its entry (starting the app hidden) and removes it, in a throwaway
//! home. Its own test binary: it changes `HOME` for the whole process.

use tauri::test::{mock_builder, mock_context, noop_assets};
use tauri_plugin_autostart::ManagerExt;

#[test]
#[allow(unsafe_code)] // `set_var`, alone in its own process (see above)
fn the_login_entry_is_written_with_hidden_and_removed() {
    let home = tempfile::tempdir().unwrap();
    // SAFETY: this test binary has this one test; nothing else reads the environment meanwhile.
    unsafe { std::env::set_var("HOME", home.path()) };
    let app = mock_builder()
        .plugin(yieldsforge_lib::autostart_plugin())
        .build(mock_context(noop_assets()))
        .unwrap();
    let entry = home.path().join(".config/autostart/Yieldsforge.desktop");
    let a = app.autolaunch();
    assert!(!a.is_enabled().unwrap(), "never on by itself");
    assert!(!entry.exists());
    a.enable().unwrap();
    assert!(a.is_enabled().unwrap());
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("--hidden"), "{text}");
    assert!(text.contains("Name=Yieldsforge"), "{text}");
    a.disable().unwrap();
    assert!(!a.is_enabled().unwrap());
    assert!(!entry.exists(), "the entry is removed");
}
