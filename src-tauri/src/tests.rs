//! Commands over IPC in Tauri's mock runtime (no display needed).

use api::{AppInfo, BuildProfile};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;

use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

use crate::AppPaths;
use crate::notify::{Notifications, Notifier};
use crate::tray::TrayItem;

type TestApp = (
    tauri::App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    Arc<RecordingNotifier>,
);

fn app_with_window(data_dir: &std::path::Path) -> TestApp {
    let app = crate::app_builder(mock_builder())
        .on_window_event(crate::window::on_window_event)
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    app.manage(AppPaths {
        data_dir: data_dir.to_path_buf(),
    });
    let core = Arc::new(api::Core::new(
        data_dir,
        "http://127.0.0.1:9",
        Arc::new(vault::MemoryStore::new()),
    ));
    app.manage(core);
    let notifier = Arc::new(RecordingNotifier::default());
    app.manage(Notifications(notifier.clone()));
    let window = WebviewWindowBuilder::new(&app, crate::window::MAIN_WINDOW, Default::default())
        .build()
        .expect("mock window builds");
    (app, window, notifier)
}

/// Records notifications instead of showing them.
#[derive(Default)]
struct RecordingNotifier(Mutex<Vec<(String, String)>>);

impl Notifier for RecordingNotifier {
    fn notify(&self, title: &str, body: &str) -> Result<(), String> {
        self.0
            .lock()
            .unwrap()
            .push((title.to_owned(), body.to_owned()));
        Ok(())
    }
}

fn invoke(
    window: &WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<tauri::ipc::InvokeResponseBody, serde_json::Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            // The app's own origin (tauri://localhost on Linux and macOS).
            url: if cfg!(windows) {
                "http://tauri.localhost"
            } else {
                "tauri://localhost"
            }
            .parse()
            .unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
}

#[test]
fn app_info_answers_with_version_data_dir_and_profile() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let info: AppInfo = invoke(&window, "app_info", json!({}))
        .expect("app_info succeeds")
        .deserialize()
        .unwrap();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.data_dir, dir.path().display().to_string());
    assert_eq!(
        info.build_profile,
        if cfg!(debug_assertions) {
            BuildProfile::Debug
        } else {
            BuildProfile::Release
        }
    );
}

#[test]
fn a_refused_url_crosses_ipc_as_code_and_message() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let err = invoke(
        &window,
        "open_external",
        json!({"url": "https://evil.example/"}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        json!({"code": "InvalidInput", "message": "Yieldsforge only opens Bitfinex pages, not \"evil.example\"."})
    );
}

#[test]
fn a_missing_argument_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    assert!(invoke(&window, "open_external", json!({})).is_err());
}

#[test]
fn hiding_to_the_tray_tells_the_user_once_and_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, notifier) = app_with_window(dir.path());
    assert!(!api::ShellPrefs::load(dir.path()).close_notice_shown);
    let window = window.as_ref().window();
    crate::window::hide_to_tray(&window);
    crate::window::hide_to_tray(&window);
    assert!(
        api::ShellPrefs::load(dir.path()).close_notice_shown,
        "the one-time notice is remembered"
    );
    let shown = notifier.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "two closes, one notice: {shown:?}");
    assert_eq!(shown[0].0, "Yieldsforge is still running");
}

#[test]
fn a_notice_that_could_not_be_shown_is_tried_again() {
    struct Failing;
    impl Notifier for Failing {
        fn notify(&self, _: &str, _: &str) -> Result<(), String> {
            Err("no notification daemon".into())
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let window = window.as_ref().window();
    let failing = Notifications(Arc::new(Failing));
    crate::window::first_close_notice_with(&window, &failing);
    assert!(!api::ShellPrefs::load(dir.path()).close_notice_shown);
}

#[test]
fn tray_ids_round_trip() {
    for item in TrayItem::ALL {
        assert_eq!(TrayItem::from_id(item.id()), Some(item));
    }
    assert_eq!(TrayItem::from_id("something_else"), None);
}

#[test]
fn key_state_answers_none_before_any_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let state: serde_json::Value = invoke(&window, "key_state", json!({}))
        .unwrap()
        .deserialize()
        .unwrap();
    assert_eq!(
        state,
        json!({"mode": "none", "label": null, "masked": null, "verifiedMts": null, "problem": null, "canTransfer": false})
    );
}

#[test]
fn a_malformed_key_crosses_ipc_as_invalid_input_and_the_secret_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let secret = "S".repeat(42);
    let err = invoke(
        &window,
        "save_key",
        json!({"key": "k".repeat(43), "secret": secret, "label": "x"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "InvalidInput");
    assert!(err["message"].as_str().unwrap().contains("43 characters"));
    assert!(!err.to_string().contains(&secret));
}

#[test]
fn engine_commands_without_a_key_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let err = invoke(&window, "engine_start", json!({})).unwrap_err();
    assert_eq!(
        err,
        json!({"code": "NotFound", "message": "Connect a key or start the demo first."})
    );
}

#[test]
fn earnings_commands_answer_over_ipc_before_any_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, _) = app_with_window(dir.path());
    let err = invoke(&window, "earnings_report", json!({})).unwrap_err();
    assert_eq!(err["code"], "NotFound");
    let err = invoke(
        &window,
        "earnings_daily",
        json!({"currency": "USD", "days": 30}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "NotFound");
    let status: serde_json::Value = invoke(&window, "sync_status", json!({}))
        .unwrap()
        .deserialize()
        .unwrap();
    assert_eq!(status["phase"], "idle");
    assert_eq!(status["percent"], 0);
    assert!(invoke(&window, "sync_cancel", json!({})).is_ok());
    assert!(invoke(&window, "sync_now", json!({})).is_ok());
}

#[test]
fn launch_options_come_from_the_arguments() {
    use crate::LaunchOptions;
    let o = |a: &[&str]| LaunchOptions::from_args(a.iter().map(|s| (*s).to_owned()));
    assert_eq!(o(&[]), LaunchOptions::default());
    assert_eq!(
        o(&["--hidden"]),
        LaunchOptions {
            hidden: true,
            demo: false
        }
    );
    assert_eq!(
        o(&["--demo", "--hidden", "--other"]),
        LaunchOptions {
            hidden: true,
            demo: true
        }
    );
}
