//! The sleep watcher against a stand-in for systemd-logind on a private D-Bus (a real
//! `dbus-daemon`): it takes a delay lock, hands off before sleep and only then releases the
//! lock, takes over after waking and takes a new lock.
#![cfg(target_os = "linux")]

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zbus::object_server::SignalEmitter;

#[derive(Default)]
struct State {
    /// Read ends of the lock pipes handed out; EOF on one = that lock was released.
    locks: Vec<std::io::PipeReader>,
}

struct FakeLogind(Arc<Mutex<State>>);

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl FakeLogind {
    fn inhibit(
        &self,
        what: &str,
        _who: &str,
        _why: &str,
        mode: &str,
    ) -> zbus::fdo::Result<zbus::zvariant::OwnedFd> {
        assert_eq!((what, mode), ("sleep", "delay"));
        let (r, w) = std::io::pipe().map_err(|e| zbus::fdo::Error::Failed(e.to_string()))?;
        self.0.lock().unwrap().locks.push(r);
        Ok(std::os::fd::OwnedFd::from(w).into())
    }

    #[zbus(signal)]
    async fn prepare_for_sleep(emitter: &SignalEmitter<'_>, start: bool) -> zbus::Result<()>;
}

/// Whether lock `i` was released (its pipe reads EOF), waiting up to `wait`.
fn released(state: &Arc<Mutex<State>>, i: usize, wait: Duration) -> bool {
    let mut r = state.lock().unwrap().locks[i].try_clone().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut b = [0u8; 1];
        let _ = tx.send(r.read(&mut b).map(|n| n == 0).unwrap_or(false));
    });
    rx.recv_timeout(wait).unwrap_or(false)
}

async fn until(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test]
async fn sleep_hands_off_before_releasing_the_lock_and_waking_takes_over() {
    // A private bus, started the way dbus-run-session does.
    let mut daemon = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("dbus-daemon (Debian package `dbus`) runs");
    let mut out = daemon.stdout.take().unwrap();
    let mut addr = String::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
        addr.push(b[0] as char);
    }

    let state = Arc::new(Mutex::new(State::default()));
    let logind = zbus::connection::Builder::address(addr.as_str())
        .unwrap()
        .name("org.freedesktop.login1")
        .unwrap()
        .serve_at("/org/freedesktop/login1", FakeLogind(state.clone()))
        .unwrap()
        .build()
        .await
        .unwrap();
    let app = zbus::connection::Builder::address(addr.as_str())
        .unwrap()
        .build()
        .await
        .unwrap();

    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let (ev_sleep, ev_wake, st) = (events.clone(), events.clone(), state.clone());
    let watcher = tokio::spawn(yieldsforge_lib::sleep::watch(
        app,
        move || {
            let ev = ev_sleep.clone();
            let st = st.clone();
            async move {
                // The hand-off runs while the lock is still held.
                let held = st.lock().unwrap().locks.len();
                tokio::time::sleep(Duration::from_millis(100)).await;
                ev.lock()
                    .unwrap()
                    .push(format!("hand-off with {held} lock"));
            }
        },
        move || {
            let ev = ev_wake.clone();
            async move { ev.lock().unwrap().push("take-over".into()) }
        },
    ));
    until(|| state.lock().unwrap().locks.len() == 1).await;

    let emitter = SignalEmitter::new(&logind, "/org/freedesktop/login1").unwrap();
    FakeLogind::prepare_for_sleep(&emitter, true).await.unwrap();
    until(|| events.lock().unwrap().len() == 1).await;
    assert_eq!(events.lock().unwrap()[0], "hand-off with 1 lock");
    assert!(
        released(&state, 0, Duration::from_secs(5)),
        "the delay lock is released once handed off"
    );

    FakeLogind::prepare_for_sleep(&emitter, false)
        .await
        .unwrap();
    until(|| events.lock().unwrap().len() == 2).await;
    assert_eq!(events.lock().unwrap()[1], "take-over");
    until(|| state.lock().unwrap().locks.len() == 2).await;
    assert!(
        !released(&state, 1, Duration::from_secs(1)),
        "awake again: a new lock is held"
    );

    watcher.abort();
    let _ = daemon.kill();
    let _ = daemon.wait();
}
