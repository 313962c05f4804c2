//! Options every command shares, and how failures are reported.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use vault::SecretStore;

/// Options with an environment twin each.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Base URL of the Bitfinex API (a local bfx-sim is http://127.0.0.1:PORT).
    #[arg(long, env = "YF_API_URL", default_value = bfx::DEFAULT_AUTH_URL, global = true)]
    pub api_url: String,
    /// Where the database and logs live.
    #[arg(long, env = "YF_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
}

/// A failure: one sentence, a code, an exit status.
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub exit: i32,
}

impl Failure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            exit: 1,
        }
    }
}

impl From<lender::verify::VerifyError> for Failure {
    fn from(e: lender::verify::VerifyError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        Self::new("Storage", e.to_string())
    }
}

impl From<lender::engine::EngineError> for Failure {
    fn from(e: lender::engine::EngineError) -> Self {
        match e {
            lender::engine::EngineError::Store(e) => e.into(),
            e => Self::new("Internal", e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, Failure>;

/// The app's data directory: `--data-dir`, `YF_DATA_DIR`, else the OS's (the desktop app's).
pub fn data_dir(g: &Global) -> PathBuf {
    if let Some(d) = &g.data_dir {
        return d.clone();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let base = if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else if cfg!(windows) {
        std::env::var_os("APPDATA")
            .map(PathBuf::from)
            .unwrap_or(home)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share"))
    };
    base.join("app.yieldsforge.desktop")
}

const NO_KEY: &str =
    "No API key: set BFX_API_KEY and BFX_API_SECRET, or connect a key in the Yieldsforge app";

/// The key: `BFX_API_KEY`/`BFX_API_SECRET`, else the OS keychain. Neither is a "no key"
/// sentence saying how to give one (with why the keychain could not help, if it could not).
pub fn credentials() -> Result<bfx::Credentials> {
    let var =
        |name: &str| std::env::var_os(name).is_some_and(|v| !v.to_string_lossy().trim().is_empty());
    let (key, secret) = (var(vault::ENV_KEY), var(vault::ENV_SECRET));
    let creds = if key && secret {
        vault::EnvStore::from_env().load().ok().flatten()
    } else if key || secret {
        let (set, unset) = if key {
            (vault::ENV_KEY, vault::ENV_SECRET)
        } else {
            (vault::ENV_SECRET, vault::ENV_KEY)
        };
        return Err(Failure::new(
            "InvalidInput",
            format!(
                "{set} is set but {unset} is not: set both, or neither to use the key connected in the Yieldsforge app."
            ),
        ));
    } else {
        match vault::KeychainStore::default().load() {
            Ok(c) => c,
            Err(vault::VaultError::KeychainUnavailable { detail, .. }) => {
                return Err(Failure::new(
                    "InvalidKey",
                    format!("{NO_KEY} (the system keychain could not be reached: {detail})."),
                ));
            }
            Err(e) => {
                return Err(Failure::new(
                    "InvalidKey",
                    format!(
                        "{NO_KEY} (the key in the system keychain could not be used: {}).",
                        e.to_string().trim_end_matches('.')
                    ),
                ));
            }
        }
    };
    let c = creds.ok_or_else(|| Failure::new("InvalidKey", format!("{NO_KEY}.")))?;
    Ok(bfx::Credentials::new(
        c.key.clone(),
        c.expose_secret().to_owned(),
    ))
}

/// A client for the configured API; nonces persist in the store when one is given.
pub fn client(
    g: &Global,
    creds: Option<bfx::Credentials>,
    store: Option<Arc<store::Store>>,
) -> Result<bfx::Client> {
    let mut cfg = if g.api_url.trim_end_matches('/') == bfx::DEFAULT_AUTH_URL {
        bfx::ClientConfig::default()
    } else {
        bfx::ClientConfig::for_base(&g.api_url)
    };
    if g.api_url.starts_with("http://127.0.0.1") || g.api_url.starts_with("http://localhost") {
        cfg.rate_limits = false; // a local emulator, not Bitfinex
    }
    cfg.nonce_store =
        store.map(|s| Arc::new(lender::bfx_exchange::StoreNonces(s)) as Arc<dyn bfx::NonceStore>);
    bfx::Client::new(cfg, creds).map_err(|e| Failure::new("Network", e.to_string()))
}

/// The database of the key in use: state belongs to a key, never to the folder. Without a
/// key (`yf earnings --offline`), the folder's active key (the app's), else the folder's own.
pub fn open_store(g: &Global, creds: Option<&bfx::Credentials>) -> Result<Arc<store::Store>> {
    let dir = data_dir(g);
    let fingerprint = match creds {
        Some(c) => Some(vault::KeyIdentity::of(&c.key).fingerprint),
        None => store::Store::open_in_dir(&dir)?
            .active_key()?
            .map(|k| k.fingerprint),
    };
    Ok(Arc::new(match fingerprint {
        Some(fp) => store::Store::open_for_key(&dir, &fp)?,
        None => store::Store::open_in_dir(&dir)?,
    }))
}
