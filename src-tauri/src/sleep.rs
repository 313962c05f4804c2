//! Linux: the hand-off to Bitfinex Auto-Renew also runs when the system goes to sleep, and the
//! engine takes over again when it wakes. systemd-logind announces both with its
//! `PrepareForSleep` signal; a *delay* inhibitor lock, held while awake, gives the hand-off time
//! to reach Bitfinex before the machine sleeps (logind waits up to `InhibitDelayMaxSec`, 5 s by
//! default), and is released as soon as it is done.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

/// The part of `org.freedesktop.login1.Manager` this uses.
#[zbus::proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
pub trait Login1Manager {
    /// Takes an inhibitor lock; it holds while the returned descriptor is open.
    fn inhibit(
        &self,
        what: &str,
        who: &str,
        why: &str,
        mode: &str,
    ) -> zbus::Result<zbus::zvariant::OwnedFd>;

    /// `true` just before sleeping, `false` after waking.
    #[zbus(signal)]
    fn prepare_for_sleep(&self, start: bool) -> zbus::Result<()>;
}

async fn delay_lock(m: &Login1ManagerProxy<'_>) -> Option<zbus::zvariant::OwnedFd> {
    match m
        .inhibit(
            "sleep",
            "Yieldsforge",
            "Hands lending over to Bitfinex Auto-Renew before sleeping",
            "delay",
        )
        .await
    {
        Ok(fd) => Some(fd),
        Err(e) => {
            tracing::warn!("could not take a sleep delay lock: {e}");
            None
        }
    }
}

/// Runs `before_sleep` when logind announces sleep (then lets the system sleep) and
/// `after_wake` when it wakes, until the connection ends. Fails when logind is not there.
pub async fn watch<B, BF, A, AF>(
    conn: zbus::Connection,
    before_sleep: B,
    after_wake: A,
) -> zbus::Result<()>
where
    B: Fn() -> BF,
    BF: Future<Output = ()>,
    A: Fn() -> AF,
    AF: Future<Output = ()>,
{
    let m = Login1ManagerProxy::new(&conn).await?;
    let mut signals = m.receive_prepare_for_sleep().await?;
    let mut lock = delay_lock(&m).await;
    while let Some(signal) = signals.next().await {
        if signal.args()?.start {
            before_sleep().await;
            // Done: let the system sleep.
            drop(lock.take());
        } else {
            after_wake().await;
            lock = delay_lock(&m).await;
        }
    }
    Ok(())
}

/// Watches the system bus's logind for the app: hands off before sleep (within logind's
/// default 5 s delay) and takes over after waking. Without a system bus or logind, says so in
/// the log and does nothing.
pub fn spawn(core: Arc<api::Core>) {
    tauri::async_runtime::spawn(async move {
        let conn = match zbus::Connection::system().await {
            Ok(c) => c,
            Err(e) => {
                tracing::info!("system sleep is not watched (no system bus: {e})");
                return;
            }
        };
        let before = || {
            let core = core.clone();
            async move {
                core.hand_off_within(Duration::from_millis(4500), "sleeping")
                    .await;
            }
        };
        let after = || {
            let core = core.clone();
            async move { core.take_over_logged("awake").await }
        };
        if let Err(e) = watch(conn, before, after).await {
            tracing::info!("system sleep is not watched: {e}");
        }
    });
}
