//! The app's live state: the key, the engine, and the demo. Every Tauri command delegates to a
//! method here in one line; everything is testable without a window.
//!
//! - A **live** session uses the key saved in the OS keychain against Bitfinex (or the URL in
//!   `YF_API_URL`), with the database in the data directory.
//! - A **demo** session starts `bfx-sim` in-process on 127.0.0.1 with a funded demo account and
//!   an accelerated clock; its database lives in `data_dir/demo` and is deleted when leaving.
//! - The engine always starts paused on a new key, with a preview of what it would place.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bfx::{Client, ClientConfig, Credentials};
use bfx_sim::{ClockMode, MarketSpec, Sim, SimConfig, SimHandle};
use lender::bfx_exchange::{BfxExchange, StoreNonces};
use lender::engine::{self, Engine, EngineCommand, EngineConfig, EngineHandle, EngineStatus};
use lender::exchange::{Clock, SystemClock};
use lender::keycheck::PermissionVerdict;
use serde::{Deserialize, Serialize};
use store::{KeyRecord, Store};
use tokio::sync::{Mutex, watch};
use ts_rs::TS;
use vault::{ApiCredentials, SecretStore};

use crate::{ApiError, ErrorCode};

/// Simulated seconds per real second in the demo: an hour of market a minute.
pub const DEMO_SPEED: f64 = 60.0;
/// Days of lending the demo plays before it opens, so its earnings have something to show.
pub const DEMO_HISTORY_DAYS: i64 = 7;
/// The demo's history is played in steps of this many simulated minutes.
const DEMO_STEP_MINUTES: i64 = 15;

/// Plays `days` of lending with the real engine on a manual-clock sim, then pauses the engine
/// (the demo, like a new key, opens paused: the user starts it).
async fn play_history(sim: &Sim, e: &mut Engine<BfxExchange>, days: i64) -> Result<(), ApiError> {
    let fail = |e: lender::engine::EngineError| {
        ApiError::new(
            ErrorCode::Internal,
            format!("Could not prepare the demo: {e}"),
        )
    };
    e.start().map_err(fail)?;
    for _ in 0..days * 24 * 60 / DEMO_STEP_MINUTES {
        sim.advance(DEMO_STEP_MINUTES * 60_000);
        e.cycle().await.map_err(fail)?;
    }
    e.pause().map_err(fail)
}

/// Which account the app is connected to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum KeyMode {
    /// No key yet.
    None,
    /// A real Bitfinex key.
    Live,
    /// The built-in demo.
    Demo,
}

/// What the UI knows about the key (never the key itself, never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyState {
    /// None, live or demo.
    pub mode: KeyMode,
    /// The user's label for the key.
    pub label: Option<String>,
    /// First and last four characters.
    pub masked: Option<String>,
    /// When its permissions were last checked (UTC ms).
    #[ts(type = "number | null")]
    pub verified_mts: Option<i64>,
    /// Why lending is stopped because of the key (revoked, withdraw permission appeared), and
    /// what to do.
    pub problem: Option<String>,
    /// The key may transfer between the user's own wallets (offer an in-app transfer).
    pub can_transfer: bool,
}

/// A wallet balance, for the funding step of the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WalletView {
    /// `exchange`, `margin` or `funding`.
    pub wallet: String,
    /// Currency.
    pub currency: String,
    /// Balance.
    #[ts(type = "string")]
    pub balance: rust_decimal::Decimal,
    /// Available.
    #[ts(type = "string")]
    pub available: rust_decimal::Decimal,
}

/// How often the key's permissions are checked again while running.
pub const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// The result of checking a key before saving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct VerifyOutcome {
    /// Whitespace was trimmed from what was pasted.
    pub trimmed: bool,
    /// The permission table and verdict.
    pub verdict: PermissionVerdict,
}

struct Session {
    mode: KeyMode,
    record: Option<KeyRecord>,
    client: Arc<Client>,
    engine: EngineHandle,
    task: tokio::task::JoinHandle<()>,
    relay: tokio::task::JoinHandle<()>,
    demo: Option<(Sim, SimHandle)>,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    currencies: Vec<String>,
    syncer: tokio::task::JoinHandle<()>,
    /// One engine per data folder and per key (live sessions): released with the session.
    _lock: Option<store::EngineLock>,
}

/// The app's state.
pub struct Core {
    data_dir: PathBuf,
    /// Where the per-key engine locks live (`YF_LOCK_DIR`, else
    /// [`store::lock::default_key_lock_dir`]).
    key_lock_dir: PathBuf,
    api_url: String,
    secrets: Arc<dyn SecretStore>,
    session: Mutex<Option<Session>>,
    status: watch::Sender<EngineStatus>,
    problem: std::sync::Mutex<Option<String>>,
    alerts: tokio::sync::broadcast::Sender<crate::desktop::Alert>,
    pub(crate) sync: watch::Sender<crate::earnings::SyncStatus>,
    pub(crate) sync_control: Arc<crate::earnings::SyncControl>,
    pub(crate) earnings_updated: watch::Sender<u64>,
    pub(crate) backtest_progress: watch::Sender<u8>,
    /// Held while a backtest runs; keeps the last real window downloaded.
    pub(crate) backtest_gate: Mutex<crate::backtest::MarketCache>,
    /// Bumped whenever what [`Core::key_state`] returns may have changed.
    key_changed: watch::Sender<u64>,
}

/// What a session's engine and sync share.
struct Books {
    client: Arc<Client>,
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    currencies: Vec<String>,
}

struct SimTime(Sim);

impl Clock for SimTime {
    fn now_mts(&self) -> i64 {
        self.0.now()
    }
}

pub(crate) fn storage(e: store::StoreError) -> ApiError {
    ApiError::new(ErrorCode::Storage, e.to_string())
}

/// The error of anything that needs a key or the demo.
pub(crate) fn no_session() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "Connect a key or start the demo first.",
    )
}

fn keychain(e: vault::VaultError) -> ApiError {
    ApiError::new(ErrorCode::KeychainUnavailable, e.to_string())
}

fn verify_err(e: lender::verify::VerifyError) -> ApiError {
    let code = match e.code() {
        "InvalidInput" => ErrorCode::InvalidInput,
        "InvalidKey" => ErrorCode::InvalidKey,
        "NonceConflict" => ErrorCode::NonceConflict,
        "Network" => ErrorCode::Network,
        "Maintenance" => ErrorCode::Maintenance,
        "RateLimited" => ErrorCode::RateLimited,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

fn engine_err(e: lender::engine::EngineError) -> ApiError {
    match e {
        lender::engine::EngineError::InvalidSettings(fields) => {
            let mut err = ApiError::new(
                ErrorCode::InvalidInput,
                fields
                    .first()
                    .map_or_else(|| "Invalid settings.".to_owned(), |f| f.message.clone()),
            );
            err.fields = fields;
            err
        }
        lender::engine::EngineError::Store(e) => storage(e),
        other => ApiError::new(ErrorCode::InvalidInput, other.to_string()),
    }
}

/// `YYYYMMDD-HHMMSS` in UTC, for file names.
pub(crate) fn file_stamp() -> String {
    chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
}

pub(crate) fn now_mts() -> i64 {
    SystemClock.now_mts()
}

impl Core {
    /// A core over `data_dir`, keeping secrets in `secrets`, talking to `api_url`
    /// (`https://api.bitfinex.com`, or a local emulator).
    pub fn new(data_dir: &Path, api_url: &str, secrets: Arc<dyn SecretStore>) -> Self {
        let (status, _) = watch::channel(EngineStatus::default());
        Self {
            key_lock_dir: std::env::var_os("YF_LOCK_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(store::lock::default_key_lock_dir, PathBuf::from),
            data_dir: data_dir.to_path_buf(),
            api_url: api_url.trim_end_matches('/').to_owned(),
            secrets,
            session: Mutex::new(None),
            status,
            problem: std::sync::Mutex::new(None),
            alerts: tokio::sync::broadcast::channel(8).0,
            sync: watch::channel(crate::earnings::SyncStatus::default()).0,
            sync_control: Self::new_sync_control(),
            earnings_updated: watch::channel(0).0,
            backtest_progress: watch::channel(0).0,
            backtest_gate: Mutex::new(crate::backtest::MarketCache::default()),
            key_changed: watch::channel(0).0,
        }
    }

    /// Keeps the per-key engine locks in `dir` instead (tests: a folder of their own).
    pub fn with_key_lock_dir(mut self, dir: &Path) -> Self {
        self.key_lock_dir = dir.to_path_buf();
        self
    }

    /// Ends the session (the engine stops, its locks are released); what is on the book stays.
    pub async fn shutdown(&self) {
        self.stop_session().await;
    }

    /// Engine status updates (for `engine://status` events); follows session changes.
    pub fn subscribe(&self) -> watch::Receiver<EngineStatus> {
        self.status.subscribe()
    }

    fn client_config(url: &str) -> ClientConfig {
        let mut cfg = if url == bfx::DEFAULT_AUTH_URL {
            ClientConfig::default()
        } else {
            ClientConfig::for_base(url)
        };
        if url.starts_with("http://127.0.0.1") {
            cfg.rate_limits = false; // our own emulator
        }
        cfg
    }

    fn client(
        &self,
        url: &str,
        creds: Credentials,
        store: Option<Arc<Store>>,
    ) -> Result<Client, ApiError> {
        let mut cfg = Self::client_config(url);
        cfg.nonce_store = store.map(|s| Arc::new(StoreNonces(s)) as Arc<dyn bfx::NonceStore>);
        Client::new(cfg, Some(creds)).map_err(|e| ApiError::new(ErrorCode::Network, e.to_string()))
    }

    /// A client without a key, for Bitfinex's public data (the configured Bitfinex, not the
    /// demo's emulator: a backtest on real data reads the real market).
    pub(crate) fn public_client(&self) -> Result<Client, ApiError> {
        Client::new(Self::client_config(&self.api_url), None)
            .map_err(|e| ApiError::new(ErrorCode::Network, e.to_string()))
    }

    /// Alerts for the user (key revoked, withdraw permission found): the shell turns them
    /// into OS notifications.
    pub fn alerts(&self) -> tokio::sync::broadcast::Receiver<crate::desktop::Alert> {
        self.alerts.subscribe()
    }

    fn problem(&self) -> Option<String> {
        self.problem.lock().map(|p| p.clone()).unwrap_or(None)
    }

    fn set_problem(&self, p: Option<String>) {
        if let Ok(mut g) = self.problem.lock() {
            if *g == p {
                return;
            }
            *g = p;
        }
        self.key_changed.send_modify(|n| *n += 1);
    }

    /// Fires whenever the key state may have changed (a session started or ended, a key
    /// problem found or cleared), including changes the UI did not ask for: the demo started
    /// with `--demo`, a revoked key found by the periodic check.
    pub fn key_subscribe(&self) -> watch::Receiver<u64> {
        self.key_changed.subscribe()
    }

    /// The key state.
    pub async fn key_state(&self) -> KeyState {
        let s = self.session.lock().await;
        match s.as_ref() {
            None => KeyState {
                mode: KeyMode::None,
                label: None,
                masked: None,
                verified_mts: None,
                problem: None,
                can_transfer: false,
            },
            Some(s) => KeyState {
                mode: s.mode,
                label: s.record.as_ref().map(|r| r.label.clone()),
                masked: s.record.as_ref().map(|r| r.masked.clone()),
                verified_mts: s.record.as_ref().map(|r| r.verified_mts),
                problem: self.problem(),
                can_transfer: s.mode == KeyMode::Demo
                    || s.record.as_ref().is_some_and(|r| {
                        serde_json::from_str::<Vec<(String, bool, bool)>>(&r.permissions_json)
                            .is_ok_and(|p| p.iter().any(|(sc, _, w)| sc == "wallets" && *w))
                    }),
            },
        }
    }

    /// Checks a pasted key (format, then permissions) without saving anything.
    pub async fn verify_key(&self, key: &str, secret: &str) -> Result<VerifyOutcome, ApiError> {
        let f = lender::verify::check_format(key, secret).map_err(verify_err)?;
        let c = self.client(&self.api_url, Credentials::new(f.key, f.secret), None)?;
        let verdict = lender::verify::verify(&c).await.map_err(verify_err)?;
        Ok(VerifyOutcome {
            trimmed: f.trimmed,
            verdict,
        })
    }

    /// Verifies and saves a key: the secret into the keychain, its metadata into SQLite, and
    /// starts the engine paused. A key that can withdraw, or lacks what lending needs, is
    /// refused and nothing is stored.
    pub async fn save_key(
        &self,
        key: &str,
        secret: &str,
        label: &str,
    ) -> Result<KeyState, ApiError> {
        let out = self.verify_key(key, secret).await?;
        if out.verdict.refused {
            return Err(ApiError::new(
                ErrorCode::WithdrawPermission,
                out.verdict.problems.join(" "),
            ));
        }
        if !out.verdict.usable {
            return Err(ApiError::new(
                ErrorCode::MissingPermission,
                out.verdict.problems.join(" "),
            ));
        }
        let f = lender::verify::check_format(key, secret).map_err(verify_err)?;
        let creds = ApiCredentials::new(f.key.clone(), f.secret.clone());
        self.secrets.save(&creds).map_err(keychain)?;
        let store = Arc::new(Store::open_in_dir(&self.data_dir).map_err(storage)?);
        let id = creds.identity();
        let scopes: Vec<(String, bool, bool)> = out
            .verdict
            .rows
            .iter()
            .map(|r| (r.scope.clone(), r.read, r.write))
            .collect();
        let record = KeyRecord {
            fingerprint: id.fingerprint,
            label: if label.trim().is_empty() {
                "Yieldsforge".into()
            } else {
                label.trim().into()
            },
            masked: id.masked,
            permissions_json: serde_json::to_string(&scopes).unwrap_or_default(),
            verified_mts: now_mts(),
            created_mts: now_mts(),
        };
        // The key's own database is made before it becomes the active key: only the key that
        // was already active takes over an earlier version's state in the folder's database.
        drop(Store::open_for_key(&self.data_dir, &record.fingerprint).map_err(storage)?);
        store.save_active_key(&record).map_err(storage)?;
        self.stop_session().await;
        self.start_live(record, Credentials::new(f.key, f.secret))
            .await?;
        Ok(self.key_state().await)
    }

    /// At app start: resumes the saved key, if any (re-verifying its permissions).
    pub async fn resume(&self) -> Result<KeyState, ApiError> {
        // A demo left behind by a crash cannot be resumed (its market lived in memory).
        let demo = self.demo_dir();
        if demo.exists()
            && self.session.lock().await.is_none()
            && let Err(e) = std::fs::remove_dir_all(&demo)
        {
            tracing::warn!(
                "could not delete the old demo data in {}: {e}",
                demo.display()
            );
        }
        let store = Arc::new(Store::open_in_dir(&self.data_dir).map_err(storage)?);
        let Some(record) = store.active_key().map_err(storage)? else {
            return Ok(self.key_state().await);
        };
        let Some(creds) = self.secrets.load().map_err(keychain)? else {
            return Ok(self.key_state().await);
        };
        self.start_live(
            record,
            Credentials::new(creds.key.clone(), creds.expose_secret().to_owned()),
        )
        .await?;
        // Permissions are checked at every start: a problem pauses lending before it begins.
        if let Err(e) = self.recheck().await {
            tracing::warn!("could not check the key's permissions at start: {e}");
        }
        // The Auto-Renew handed off at the last quit is turned off: the engine takes over.
        self.take_over_logged("start").await;
        Ok(self.key_state().await)
    }

    async fn start_live(&self, record: KeyRecord, creds: Credentials) -> Result<(), ApiError> {
        // One engine per key per machine, and per data folder: `yf run`, or another copy of
        // the app with another data folder, on the same key is refused by name.
        let lock = store::EngineLock::acquire(
            &self.data_dir,
            &self.key_lock_dir,
            &record.fingerprint,
            "the Yieldsforge app",
        )
        .map_err(|e| ApiError::new(ErrorCode::NonceConflict, e.to_string()))?;
        // Engine state, strategy, owned offers, sync positions and nonces belong to the key,
        // never to the folder: another key used in the same folder shares none of them.
        let store =
            Arc::new(Store::open_for_key(&self.data_dir, &record.fingerprint).map_err(storage)?);
        let client = Arc::new(self.client(&self.api_url, creds, Some(store.clone()))?);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let config = EngineConfig::default();
        let currencies = config.currencies.clone();
        let e = Engine::new(
            BfxExchange::new(client.clone()),
            store.clone(),
            clock.clone(),
            config,
        )
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        self.set_problem(None);
        self.install(
            KeyMode::Live,
            Some(record),
            Books {
                client,
                store,
                clock,
                currencies,
            },
            e,
            None,
            Some(lock),
        )
        .await;
        Ok(())
    }

    async fn install(
        &self,
        mode: KeyMode,
        record: Option<KeyRecord>,
        books: Books,
        e: Engine<BfxExchange>,
        demo: Option<(Sim, SimHandle)>,
        lock: Option<store::EngineLock>,
    ) {
        let Books {
            client,
            store,
            clock,
            currencies,
        } = books;
        let (handle, task) = engine::spawn(e);
        let mut rx = handle.status();
        let tx = self.status.clone();
        let relay = tokio::spawn(async move {
            loop {
                let s = rx.borrow_and_update().clone();
                tx.send_replace(s);
                if rx.changed().await.is_err() {
                    break;
                }
            }
        });
        let control = self.sync_control();
        // A new session syncs by itself again, even if the user cancelled the last one.
        control.reset();
        let syncer = tokio::spawn(
            crate::earnings::SyncJob {
                client: client.clone(),
                store: store.clone(),
                clock: clock.clone(),
                currencies: currencies.clone(),
                every: if mode == KeyMode::Demo {
                    crate::earnings::SYNC_EVERY_DEMO
                } else {
                    crate::earnings::SYNC_EVERY_LIVE
                },
                control,
                status: self.sync.clone(),
                updated: self.earnings_updated.clone(),
            }
            .run(),
        );
        *self.session.lock().await = Some(Session {
            mode,
            record,
            client,
            engine: handle,
            task,
            relay,
            demo,
            store,
            clock,
            currencies,
            syncer,
            _lock: lock,
        });
        self.key_changed.send_modify(|n| *n += 1);
    }

    async fn stop_session(&self) {
        let Some(s) = self.session.lock().await.take() else {
            return;
        };
        self.key_changed.send_modify(|n| *n += 1);
        s.syncer.abort();
        let _ = s.engine.send(EngineCommand::Shutdown).await;
        let _ = s.task.await;
        s.relay.abort();
        self.sync
            .send_replace(crate::earnings::SyncStatus::default());
        if let Some((_sim, server)) = s.demo {
            server.stop().await;
        }
        self.status.send_replace(EngineStatus::default());
    }

    /// Checks the key's permissions again (at start, and every [`RECHECK_EVERY`]). If the key
    /// stopped working or a withdraw permission appeared, lending is paused, the reason is
    /// kept for the UI and an alert goes out. Network trouble is not a key problem.
    pub async fn recheck(&self) -> Result<(), ApiError> {
        let (client, engine, record) = {
            let s = self.session.lock().await;
            match s.as_ref() {
                Some(s) if s.mode == KeyMode::Live => {
                    (s.client.clone(), s.engine.clone(), s.record.clone())
                }
                _ => return Ok(()),
            }
        };
        use crate::desktop::AlertKind;
        let problem = match lender::verify::verify(&client).await {
            Ok(v) if v.refused => Some((AlertKind::WithdrawEnabled, format!(
                "A withdraw permission appeared on your API key, so Yieldsforge stopped lending. {} Then connect the key again in Setup.",
                v.problems.join(" ")
            ))),
            Ok(v) if !v.usable => Some((AlertKind::KeyRevoked, format!(
                "Your API key lost a permission lending needs, so Yieldsforge stopped lending. {}",
                v.problems.join(" ")
            ))),
            Ok(v) => {
                let scopes: Vec<(String, bool, bool)> = v.rows.iter().map(|r| (r.scope.clone(), r.read, r.write)).collect();
                let json = serde_json::to_string(&scopes).unwrap_or_default();
                let now = now_mts();
                if let (Some(r), Ok(store)) = (record, Store::open_in_dir(&self.data_dir)) {
                    let _ = store.update_key_permissions(&r.fingerprint, &json, now);
                }
                // What the key state reports ("last checked") is the session's record.
                if let Some(rec) = self.session.lock().await.as_mut().and_then(|s| s.record.as_mut()) {
                    rec.verified_mts = now;
                    rec.permissions_json = json;
                }
                None
            }
            Err(lender::verify::VerifyError::InvalidKey) => Some((AlertKind::KeyRevoked,
                "Bitfinex no longer accepts your API key (it was revoked or deleted), so Yieldsforge stopped lending. Create a new key and connect it in Setup."
                    .into(),
            )),
            Err(lender::verify::VerifyError::NonceConflict) => Some((AlertKind::KeyRevoked,
                "Another program is using your API key, so Yieldsforge stopped lending. Create a separate key for Yieldsforge and connect it in Setup."
                    .into(),
            )),
            Err(e) => return Err(verify_err(e)), // network, maintenance: checked again later
        };
        if let Some((kind, p)) = &problem {
            let _ = engine.send(EngineCommand::Pause).await;
            if self.problem().as_deref() != Some(p.as_str()) {
                let _ = self.alerts.send(crate::desktop::Alert {
                    kind: *kind,
                    title: "Yieldsforge stopped lending".into(),
                    body: p.clone(),
                });
            }
        } else {
            let _ = engine.send(EngineCommand::KeyVerified).await;
        }
        self.set_problem(problem.map(|(_, p)| p));
        Ok(())
    }

    /// Runs [`Core::recheck`] every `every` in the background.
    pub fn spawn_rechecks(
        self: &Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(core) = me.upgrade() else { break };
                if let Err(e) = core.recheck().await {
                    tracing::warn!("permission check postponed: {e}");
                }
            }
        })
    }

    /// The session's database, clock and currencies (for the earnings views).
    pub(crate) async fn session_books(
        &self,
    ) -> Result<(Arc<Store>, Arc<dyn Clock>, Vec<String>), ApiError> {
        let s = self.session.lock().await;
        s.as_ref()
            .map(|s| (s.store.clone(), s.clock.clone(), s.currencies.clone()))
            .ok_or_else(no_session)
    }

    /// The session's mode, client, store and currencies (for the hand-off).
    pub(crate) async fn session_parts(
        &self,
    ) -> Option<(
        KeyMode,
        Arc<Client>,
        Arc<Store>,
        Arc<dyn Clock>,
        Vec<String>,
    )> {
        let s = self.session.lock().await;
        s.as_ref().map(|s| {
            (
                s.mode,
                s.client.clone(),
                s.store.clone(),
                s.clock.clone(),
                s.currencies.clone(),
            )
        })
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub(crate) fn send_alert(&self, alert: crate::desktop::Alert) {
        let _ = self.alerts.send(alert);
    }

    async fn session_client(&self) -> Result<Arc<Client>, ApiError> {
        let s = self.session.lock().await;
        s.as_ref().map(|s| s.client.clone()).ok_or_else(no_session)
    }

    /// Wallet balances of the connected account.
    pub async fn wallets(&self) -> Result<Vec<WalletView>, ApiError> {
        let client = self.session_client().await?;
        let w = client.wallets().await.map_err(|e| verify_err(e.into()))?;
        Ok(w.into_iter()
            .map(|w| WalletView {
                available: w.available.unwrap_or(w.balance),
                wallet: w.wallet_type,
                currency: w.currency,
                balance: w.balance,
            })
            .collect())
    }

    /// Moves `amount` of `currency` from the exchange wallet to the funding wallet (only
    /// between the user's own wallets; the key must allow transfers).
    pub async fn transfer_to_funding(
        &self,
        currency: &str,
        amount: &str,
    ) -> Result<Vec<WalletView>, ApiError> {
        let amount: rust_decimal::Decimal = amount.trim().parse().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("\"{amount}\" is not an amount."),
            )
        })?;
        if amount <= rust_decimal::Decimal::ZERO {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "Enter an amount above zero.",
            ));
        }
        let client = self.session_client().await?;
        client.transfer("exchange", "funding", currency, None, amount).await.map_err(|e| match e {
            bfx::Error::PermissionDenied { .. } => ApiError::new(
                ErrorCode::MissingPermission,
                "This key may not move money between your wallets. Transfer on Bitfinex instead: Wallets → Transfer → Exchange to Funding.",
            ),
            bfx::Error::Rejected { text } | bfx::Error::Api { message: text, .. } => ApiError::new(ErrorCode::Rejected, text),
            other => verify_err(other.into()),
        })?;
        self.wallets().await
    }

    /// Writes CSV copies of the local data into `dir`: every interest payment, a daily
    /// summary, and the engine's action log. Returns the files written.
    pub fn export_data(&self, dir: &Path) -> Result<Vec<PathBuf>, ApiError> {
        let main = Store::open_in_dir(&self.data_dir).map_err(storage)?;
        // The active key's data (the folder's own database when no key is connected).
        let store = match main.active_key().map_err(storage)? {
            Some(k) => Store::open_for_key(&self.data_dir, &k.fingerprint).map_err(storage)?,
            None => main,
        };
        let stamp = file_stamp();
        std::fs::create_dir_all(dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Storage,
                format!("Cannot write to {}: {e}", dir.display()),
            )
        })?;
        let mut written = Vec::new();
        for (name, csv) in [
            ("payments", store.payments_csv().map_err(storage)?),
            ("daily", store.daily_summary_csv().map_err(storage)?),
            ("actions", store.actions_csv().map_err(storage)?),
        ] {
            let path = dir.join(format!("yieldsforge-{name}-{stamp}.csv"));
            std::fs::write(&path, csv).map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!("Could not write {}: {e}", path.display()),
                )
            })?;
            written.push(path);
        }
        Ok(written)
    }

    /// Stops lending, removes the key from the keychain and deletes every local file of the
    /// app (database, demo data, preferences). Offers on Bitfinex are left as they are.
    pub async fn delete_all_data(&self) -> Result<KeyState, ApiError> {
        self.stop_session().await;
        self.secrets.delete().map_err(keychain)?;
        self.set_problem(None);
        if self.data_dir.exists() {
            let io = |e: std::io::Error| ApiError::new(ErrorCode::Storage, e.to_string());
            for entry in std::fs::read_dir(&self.data_dir).map_err(io)? {
                let path = entry.map_err(io)?.path();
                let r = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
                r.map_err(|e| {
                    ApiError::new(
                        ErrorCode::Storage,
                        format!("Could not delete {}: {e}", path.display()),
                    )
                })?;
            }
        }
        Ok(self.key_state().await)
    }

    /// Removes the key: optionally cancels the offers the app placed first, then deletes the
    /// secret from the keychain and the key's metadata from SQLite.
    pub async fn remove_key(&self, cancel_offers: bool) -> Result<KeyState, ApiError> {
        if cancel_offers {
            self.stop_and_cancel().await?;
        }
        self.stop_session().await;
        self.secrets.delete().map_err(keychain)?;
        self.set_problem(None);
        let store = Store::open_in_dir(&self.data_dir).map_err(storage)?;
        if let Some(k) = store.active_key().map_err(storage)? {
            store.delete_key(&k.fingerprint).map_err(storage)?;
        }
        Ok(self.key_state().await)
    }

    /// The data directory of the demo.
    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }

    /// Starts the demo: bfx-sim in-process with a funded demo account. The last
    /// [`DEMO_HISTORY_DAYS`] are played first at full speed with the real engine (so the
    /// Dashboard and Earnings pages have a week of payments to show), then the engine is paused
    /// and the market runs on at [`DEMO_SPEED`].
    pub async fn start_demo(&self) -> Result<KeyState, ApiError> {
        self.stop_session().await;
        let dir = self.demo_dir();
        let _ = std::fs::remove_dir_all(&dir);
        let start = now_mts() - DEMO_HISTORY_DAYS * 86_400_000;
        let sim = Sim::new(SimConfig {
            seed: u64::try_from(now_mts()).unwrap_or(1),
            start_mts: start,
            clock: ClockMode::Manual,
            market: MarketSpec::Synthetic,
            ..SimConfig::default()
        });
        let demo = sim.demo_account("10000");
        let handle = sim.serve("127.0.0.1:0").await.map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("Could not start the demo market: {e}"),
            )
        })?;
        let store = Arc::new(Store::open_in_dir(&dir).map_err(storage)?);
        let client = Arc::new(self.client(
            &handle.url,
            Credentials::new(demo.key.clone(), demo.secret.clone()),
            Some(store.clone()),
        )?);
        let clock: Arc<dyn Clock> = Arc::new(SimTime(sim.clone()));
        let config = EngineConfig::default();
        let currencies = config.currencies.clone();
        let mut e = Engine::new(
            BfxExchange::new(client.clone()),
            store.clone(),
            clock.clone(),
            config,
        )
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        play_history(&sim, &mut e, DEMO_HISTORY_DAYS).await?;
        sim.set_clock_mode(ClockMode::Accelerated { speed: DEMO_SPEED });
        let id = vault::KeyIdentity::of(&demo.key);
        let record = KeyRecord {
            fingerprint: id.fingerprint,
            label: "Demo".into(),
            masked: id.masked,
            permissions_json: String::new(),
            verified_mts: now_mts(),
            created_mts: now_mts(),
        };
        self.set_problem(None);
        self.install(
            KeyMode::Demo,
            Some(record),
            Books {
                client,
                store,
                clock,
                currencies,
            },
            e,
            Some((sim, handle)),
            None,
        )
        .await;
        Ok(self.key_state().await)
    }

    /// Leaves the demo and deletes its data.
    pub async fn leave_demo(&self) -> Result<KeyState, ApiError> {
        let is_demo = self
            .session
            .lock()
            .await
            .as_ref()
            .is_some_and(|s| s.mode == KeyMode::Demo);
        if is_demo {
            self.stop_session().await;
        }
        let dir = self.demo_dir();
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| {
                ApiError::new(
                    ErrorCode::Storage,
                    format!("Could not delete the demo data in {}: {e}", dir.display()),
                )
            })?;
        }
        Ok(self.key_state().await)
    }

    async fn send(&self, cmd: EngineCommand) -> Result<(), ApiError> {
        let s = self.session.lock().await;
        let s = s.as_ref().ok_or_else(no_session)?;
        s.engine
            .send(cmd)
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e))
    }

    /// Starts (or resumes) lending; refused while the key has a problem.
    pub async fn engine_start(&self) -> Result<(), ApiError> {
        if let Some(p) = self.problem() {
            let code = if p.contains("withdraw") {
                ErrorCode::WithdrawPermission
            } else {
                ErrorCode::InvalidKey
            };
            return Err(ApiError::new(code, p));
        }
        self.send(EngineCommand::Start).await?;
        self.send(EngineCommand::CycleNow).await
    }

    /// Pauses lending (offers stay).
    pub async fn engine_pause(&self) -> Result<(), ApiError> {
        self.send(EngineCommand::Pause).await
    }

    /// Pauses and cancels every offer the app placed.
    pub async fn stop_and_cancel(&self) -> Result<(), ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::StopAndCancel(tx)).await?;
        match rx.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(ApiError::new(ErrorCode::Network, e)),
            Err(_) => Err(ApiError::new(ErrorCode::Internal, "the engine stopped")),
        }
    }

    /// A currency's strategy settings.
    pub async fn strategy_get(&self, currency: &str) -> Result<lender::StrategySettings, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::GetSettings(currency.into(), tx))
            .await?;
        rx.await.ok().flatten().ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("{currency} is not lent by this app."),
            )
        })
    }

    /// Validates and saves a currency's settings; nothing is saved when a field is wrong
    /// (the error lists every field with its message).
    pub async fn strategy_set(
        &self,
        currency: &str,
        settings: lender::StrategySettings,
    ) -> Result<(), ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::SetSettings(
            currency.into(),
            Box::new(settings),
            tx,
        ))
        .await?;
        match rx.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(engine_err(e)),
            Err(_) => Err(ApiError::new(ErrorCode::Internal, "the engine stopped")),
        }
    }

    /// What `settings` would place now (the live preview); `None` before the first cycle.
    pub async fn strategy_preview(
        &self,
        currency: &str,
        settings: lender::StrategySettings,
    ) -> Result<Option<lender::Plan>, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::Preview(
            currency.into(),
            Box::new(settings),
            tx,
        ))
        .await?;
        match rx.await {
            Ok(r) => r.map_err(engine_err),
            Err(_) => Err(ApiError::new(ErrorCode::Internal, "the engine stopped")),
        }
    }

    /// Whether the engine also manages offers placed by hand.
    pub async fn manage_all_get(&self) -> Result<bool, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::GetManageAll(tx)).await?;
        rx.await
            .map_err(|_| ApiError::new(ErrorCode::Internal, "the engine stopped"))
    }

    /// Lets the engine manage every offer of the account, or only its own (the default).
    pub async fn manage_all_set(&self, on: bool) -> Result<(), ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(EngineCommand::SetManageAll(on, tx)).await?;
        match rx.await {
            Ok(r) => r.map_err(engine_err),
            Err(_) => Err(ApiError::new(ErrorCode::Internal, "the engine stopped")),
        }
    }

    /// The latest engine status.
    pub fn engine_status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }
}
