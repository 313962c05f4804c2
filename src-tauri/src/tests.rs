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
fn closing_to_the_tray_tells_the_user_once_and_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window, notifier) = app_with_window(dir.path());
    assert!(!api::ShellPrefs::load(dir.path()).close_notice_shown);
    let window = window.as_ref().window();
    crate::window::first_close_notice(&window);
    crate::window::first_close_notice(&window);
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
            ..LaunchOptions::default()
        }
    );
    assert_eq!(
        o(&["--demo", "--hidden", "--other"]),
        LaunchOptions {
            hidden: true,
            demo: true,
            quit: false
        }
    );
    assert!(o(&["--quit"]).quit);
}

#[test]
fn an_alert_whose_kind_is_switched_off_is_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _window, notifier) = app_with_window(dir.path());
    let core = app.state::<Arc<api::Core>>().inner().clone();
    let mut d = core.desktop_settings();
    d.notify_key_revoked = false;
    core.set_desktop_settings(d).unwrap();
    let alert = |kind| api::Alert {
        kind,
        title: "Yieldsforge stopped lending".into(),
        body: format!("{kind:?}"),
    };
    crate::events::deliver(app.handle(), &core, &alert(api::AlertKind::KeyRevoked));
    crate::events::deliver(app.handle(), &core, &alert(api::AlertKind::WithdrawEnabled));
    crate::events::deliver(app.handle(), &core, &alert(api::AlertKind::DailySummary));
    let shown = notifier.0.lock().unwrap().clone();
    assert_eq!(
        shown,
        vec![(
            "Yieldsforge stopped lending".to_owned(),
            "WithdrawEnabled".to_owned()
        )],
        "revoked: switched off; daily summary: off by default"
    );
}

/// A loopback update server: `/{case}/latest.json` and the artifacts, signed with a key made
/// for the test the way `tauri signer` signs (minisign, the version in the trusted comment).
mod update_server {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    pub const ARTIFACT: &[u8] = b"Yieldsforge 99.0.0 update payload";

    pub struct Server {
        pub base: String,
        pub pubkey: String,
    }

    fn sign(kp: &minisign::KeyPair, data: &[u8], version: &str) -> String {
        let sig = minisign::sign(
            Some(&kp.pk),
            &kp.sk,
            std::io::Cursor::new(data),
            Some(&format!(
                "timestamp:1795000000\tfile:yieldsforge.tar.gz\tversion:{version}"
            )),
            Some("signature from tauri secret key"),
        )
        .unwrap();
        STANDARD.encode(sig.to_string())
    }

    pub fn start() -> Server {
        let ours = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let theirs = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let pubkey = STANDARD.encode(ours.pk.to_box().unwrap().to_string());
        let listener = tauri::async_runtime::block_on(async {
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
        });
        let base = format!("http://{}", listener.local_addr().unwrap());
        let good = sign(&ours, ARTIFACT, "99.0.0");
        let manifest = |version: &str, sig: &str, file: &str| {
            serde_json::json!({
                "version": version,
                "notes": "Faster start.\nThe tray shows today's earnings.",
                "pub_date": "2026-11-28T12:00:00Z",
                "platforms": { "linux-x86_64": { "signature": sig, "url": format!("{base}/{file}") },
                               "windows-x86_64": { "signature": sig, "url": format!("{base}/{file}") },
                               "darwin-aarch64": { "signature": sig, "url": format!("{base}/{file}") },
                               "darwin-x86_64": { "signature": sig, "url": format!("{base}/{file}") } }
            })
            .to_string()
        };
        let routes = [
            ("/good/latest.json", manifest("99.0.0", &good, "app.tar.gz")),
            (
                "/tampered/latest.json",
                manifest("99.0.0", &good, "tampered.tar.gz"),
            ),
            (
                "/wrong-key/latest.json",
                manifest("99.0.0", &sign(&theirs, ARTIFACT, "99.0.0"), "app.tar.gz"),
            ),
            // An old signed release announced as a newer version.
            (
                "/replayed/latest.json",
                manifest("100.0.0", &good, "app.tar.gz"),
            ),
            (
                "/current/latest.json",
                manifest("0.1.0", &good, "app.tar.gz"),
            ),
        ];
        let mut router = axum::Router::new()
            .route("/app.tar.gz", axum::routing::get(|| async { ARTIFACT }))
            .route(
                "/tampered.tar.gz",
                axum::routing::get(|| async { b"Yieldsforge 99.0.0 update payl0ad".as_slice() }),
            );
        for (path, body) in routes {
            router = router.route(
                path,
                axum::routing::get(move || {
                    let body = body.clone();
                    async move { ([("content-type", "application/json")], body) }
                }),
            );
        }
        tauri::async_runtime::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Server { base, pubkey }
    }
}

fn updater_app(pubkey: &str) -> tauri::App<MockRuntime> {
    let mut ctx = mock_context(noop_assets());
    ctx.config_mut().plugins.0.insert(
        "updater".into(),
        json!({ "pubkey": pubkey, "endpoints": [], "dangerousInsecureTransportProtocol": true }),
    );
    let app = mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(ctx)
        .expect("mock app with the updater builds");
    app.manage(crate::updates::Pending::default());
    app
}

fn check(
    app: &tauri::App<MockRuntime>,
    server: &update_server::Server,
    case: &str,
) -> Result<Option<api::UpdateInfo>, api::ApiError> {
    let source = crate::updates::Source {
        endpoints: Some(vec![
            format!("{}/{case}/latest.json", server.base)
                .parse()
                .unwrap(),
        ]),
        pubkey: None,
    };
    tauri::async_runtime::block_on(crate::updates::check_with(app.handle(), &source))
}

fn download_pending(app: &tauri::App<MockRuntime>) -> Result<Vec<u8>, api::ApiError> {
    let update = app
        .state::<crate::updates::Pending>()
        .get()
        .expect("the check kept the update");
    tauri::async_runtime::block_on(crate::updates::download_verified(app.handle(), &update))
}

#[test]
fn a_newer_signed_build_is_seen_with_its_notes_and_verifies() {
    let server = update_server::start();
    let app = updater_app(&server.pubkey);
    let info = check(&app, &server, "good").unwrap().expect("an update");
    assert_eq!(info.version, "99.0.0");
    assert_eq!(info.current_version, "0.1.0");
    assert_eq!(
        info.notes.as_deref(),
        Some("Faster start.\nThe tray shows today's earnings.")
    );
    assert_eq!(info.date.as_deref(), Some("2026-11-28"));
    assert_eq!(download_pending(&app).unwrap(), update_server::ARTIFACT);
    // The running version announced again: nothing to do.
    assert_eq!(check(&app, &server, "current").unwrap(), None);
}

#[test]
fn a_tampered_artifact_a_wrong_key_or_a_replayed_release_is_refused() {
    let server = update_server::start();
    let app = updater_app(&server.pubkey);
    for case in ["tampered", "wrong-key", "replayed"] {
        check(&app, &server, case)
            .unwrap()
            .unwrap_or_else(|| panic!("{case}: the manifest itself is fine"));
        let err = download_pending(&app).unwrap_err();
        assert_eq!(err.code, api::ErrorCode::Rejected, "{case}: {err:?}");
        assert!(
            err.message.contains("signature does not match"),
            "{case}: {}",
            err.message
        );
    }
}

#[test]
fn an_unreachable_update_server_is_a_network_error() {
    let app = updater_app("unused");
    let source = crate::updates::Source {
        endpoints: Some(vec!["http://127.0.0.1:9/latest.json".parse().unwrap()]),
        pubkey: None,
    };
    let err = tauri::async_runtime::block_on(crate::updates::check_with(app.handle(), &source))
        .unwrap_err();
    assert_eq!(err.code, api::ErrorCode::Network, "{err:?}");
    // Issue 14, item 16: the user reads a sentence, not the HTTP library's error.
    assert!(
        err.message
            .starts_with("Could not reach the update server.")
            && !err.message.contains("127.0.0.1")
            && !err.message.to_lowercase().contains("error sending request"),
        "{}",
        err.message
    );
}
