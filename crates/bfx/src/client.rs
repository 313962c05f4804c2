//! The HTTP client: signing, nonces, pacing, error classification, and one method per endpoint.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{self, Error, RATE_LIMIT_BLOCK};
use crate::limits::{self, Family, RateLimits};
use crate::models::*;
use crate::nonce::{self, KeyLane, MemoryNonceStore, NonceStore, now_us};
use crate::secret::Credentials;
use crate::sign::sign_rest;
use crate::wire::{Row, snippet};

/// Bitfinex's authenticated API host (`POST /v2/auth/...`).
pub const DEFAULT_AUTH_URL: &str = "https://api.bitfinex.com";
/// Bitfinex's public API host (`GET /v2/ticker/...`, `book`, `trades`, `candles`, ...).
pub const DEFAULT_PUBLIC_URL: &str = "https://api-pub.bitfinex.com";

/// Most rows `auth/r/ledgers/.../hist` returns per call.
pub const LEDGER_PAGE_MAX: u32 = 2500;
/// Rows per page when walking funding trades (Bitfinex's documented maximum is 1000).
pub const TRADES_PAGE_MAX: u32 = 1000;
/// Rows per page when walking closed funding offers (Bitfinex's documented maximum is 500).
pub const OFFERS_HIST_PAGE_MAX: u32 = 500;

/// Reads every row of `[start, end]` from an endpoint that returns pages newest first: each
/// next page ends at the oldest millisecond seen (rows sharing it are fetched again and
/// de-duplicated by id; past it once a page brings nothing new). Returns rows oldest first.
async fn walk_back<T, F, Fut>(
    start: i64,
    mut end: Option<i64>,
    page_max: u32,
    key: impl Fn(&T) -> (i64, i64),
    mut page: F,
) -> Result<Vec<T>, Error>
where
    F: FnMut(Option<i64>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, Error>>,
{
    let mut out: Vec<T> = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let rows = page(end).await?;
        let full = rows.len() >= page_max as usize;
        let Some(oldest) = rows.iter().map(|r| key(r).0).min() else {
            break;
        };
        let before = out.len();
        out.extend(rows.into_iter().filter(|r| seen.insert(key(r).1)));
        if !full {
            break;
        }
        let next_end = if out.len() > before {
            oldest
        } else {
            oldest - 1
        };
        if next_end < start {
            break;
        }
        end = Some(next_end);
    }
    out.sort_by_key(|r| key(r));
    Ok(out)
}

/// Client settings. Both base URLs get `/v2/...` appended.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base of the authenticated API (`https://api.bitfinex.com`, or `http://127.0.0.1:PORT`
    /// for a local emulator). Plain `http://` is accepted only for loopback hosts when the
    /// client has a key.
    pub auth_url: String,
    /// Base of the public API (`https://api-pub.bitfinex.com`).
    pub public_url: String,
    /// Whole-request timeout. A write that runs out of it returns [`Error::Unknown`]; a read,
    /// [`Error::Transport`].
    pub timeout: Duration,
    /// Connection timeout. A write that cannot connect was never sent: [`Error::Transport`].
    pub connect_timeout: Duration,
    /// Pace calls to Bitfinex's published budgets (turn off only for a local emulator).
    pub rate_limits: bool,
    /// How long an endpoint family is left alone after a rate-limit answer (Bitfinex blocks
    /// the IP for about 60 s).
    pub rate_limit_pause: Duration,
    /// Where the last nonce of the key is kept between runs (in memory when `None`).
    pub nonce_store: Option<Arc<dyn NonceStore>>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("auth_url", &self.auth_url)
            .field("public_url", &self.public_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("rate_limits", &self.rate_limits)
            .field("rate_limit_pause", &self.rate_limit_pause)
            .field("nonce_store", &self.nonce_store.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Default for ClientConfig {
    /// The real Bitfinex hosts, a 15 s request timeout, a 5 s connect timeout, pacing on,
    /// a 60 s pause after a rate-limit answer, nonces in memory.
    fn default() -> Self {
        Self {
            auth_url: DEFAULT_AUTH_URL.into(),
            public_url: DEFAULT_PUBLIC_URL.into(),
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            rate_limits: true,
            rate_limit_pause: RATE_LIMIT_BLOCK,
            nonce_store: None,
        }
    }
}

impl ClientConfig {
    /// Separate bases for the authenticated and the public API; other settings default.
    pub fn new(auth_url: &str, public_url: &str) -> Self {
        Self {
            auth_url: auth_url.trim_end_matches('/').to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            ..Self::default()
        }
    }

    /// One base URL for both APIs (e.g. `bfx-sim` on `http://127.0.0.1:PORT`, or the
    /// `--api-url` of the app); other settings default.
    pub fn for_base(url: &str) -> Self {
        Self::new(url, url)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Read,
    Write,
}

/// The key's signing state: its lane (shared with other clients of the key in the process)
/// and this client's nonce store, kept alive for the lane.
struct Signer {
    creds: Credentials,
    lane: Arc<KeyLane>,
    _store: Arc<dyn NonceStore>,
}

/// The Bitfinex API v2 REST client for margin funding.
///
/// One method per endpoint; each doc line names the endpoint it calls. Reads of `auth/r/*`
/// and writes of `auth/w/*` are signed `POST`s to [`ClientConfig::auth_url`]; public data is
/// an unsigned `GET` from [`ClientConfig::public_url`].
///
/// * Signed requests of one key are sent one at a time (shared by every client of the key
///   in the process), with nonces `max(now_µs, last + 1)` recorded in the
///   [`NonceStore`] before they are sent.
/// * Every call waits for its [`Family`]'s budget; after a rate-limit answer the family
///   returns [`Error::RateLimited`] without calling for [`ClientConfig::rate_limit_pause`].
/// * A `10114 nonce: small` answer is moved past and the call retried once — the only
///   retry the client ever makes. Writes are never retried: a write whose outcome cannot be
///   known is [`Error::Unknown`].
///
/// Cheap to share behind an `Arc`.
pub struct Client {
    http: reqwest::Client,
    cfg: ClientConfig,
    signer: Option<Signer>,
    limits: Arc<RateLimits>,
    calls: [AtomicU64; Family::ALL.len()],
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("auth_url", &self.cfg.auth_url)
            .field("public_url", &self.cfg.public_url)
            .field("creds", &self.signer.as_ref().map(|s| &s.creds))
            .finish_non_exhaustive()
    }
}

fn check_base(url: &str, signed: bool) -> Result<(), Error> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::Refused(format!("invalid base URL {url:?}: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if !signed => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or("");
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(Error::Refused(format!(
                    "the API key is sent only over https (or to a local emulator), not to {url}"
                )))
            }
        }
        other => Err(Error::Refused(format!(
            "unsupported scheme {other:?} in {url}"
        ))),
    }
}

impl Client {
    /// Builds a client; `creds` may be `None` for public data only.
    ///
    /// Fails with [`Error::Refused`] for a malformed base URL or for plain `http://` to a
    /// non-loopback host when `creds` are given.
    pub fn new(cfg: ClientConfig, creds: Option<Credentials>) -> Result<Self, Error> {
        check_base(&cfg.auth_url, creds.is_some())?;
        check_base(&cfg.public_url, false)?;
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            // A redirect would re-send the bfx-* headers somewhere else: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("yieldsforge-bfx/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport {
                message: e.to_string(),
            })?;
        let signer = creds.map(|creds| {
            let key_id = hex::encode(Sha256::digest(creds.key.as_bytes()));
            let store = cfg
                .nonce_store
                .clone()
                .unwrap_or_else(|| Arc::new(MemoryNonceStore::default()));
            Signer {
                lane: nonce::lane(&key_id, &store),
                creds,
                _store: store,
            }
        });
        Ok(Self {
            http,
            limits: limits::shared(&cfg.auth_url, &cfg.public_url, cfg.rate_limits),
            cfg,
            signer,
            calls: Default::default(),
        })
    }

    /// The settings the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// True when the client has an API key (can call `auth/*` endpoints).
    pub fn has_credentials(&self) -> bool {
        self.signer.is_some()
    }

    /// Requests this client sent to an endpoint family (for "API calls per hour" figures).
    pub fn calls(&self, family: Family) -> u64 {
        self.calls[family.index()].load(Ordering::Relaxed)
    }

    /// Requests this client sent, all families.
    pub fn total_calls(&self) -> u64 {
        self.calls.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// How long calls to `family` are still paused after a rate-limit answer, if they are.
    pub fn paused_for(&self, family: Family) -> Option<Duration> {
        self.limits.blocked_for(family)
    }

    fn gate(&self, family: Family) -> Result<(), Error> {
        match self.limits.blocked_for(family) {
            Some(retry_after) => Err(Error::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    fn on_error(&self, family: Family, e: Error) -> Error {
        match e {
            Error::RateLimited { .. } => {
                let pause = self.cfg.rate_limit_pause;
                self.limits.block(family, pause);
                tracing::warn!(
                    ?family,
                    pause_s = pause.as_secs(),
                    "Bitfinex rate limit: pausing the family"
                );
                Error::RateLimited { retry_after: pause }
            }
            e => e,
        }
    }

    fn transport(&self, path: &str, kind: Kind, e: &reqwest::Error) -> Error {
        // Nothing was sent: the request could not even be built (e.g. a key with a newline).
        if e.is_builder() {
            return Error::Refused(format!("the request to {path} could not be built: {e}"));
        }
        let message = if e.is_timeout() {
            "timed out".to_owned()
        } else {
            e.to_string()
        };
        // A write that could not even connect was never sent; anything later may have
        // reached Bitfinex.
        if kind == Kind::Write && !e.is_connect() {
            Error::Unknown {
                endpoint: path.into(),
                message,
            }
        } else {
            Error::Transport { message }
        }
    }

    /// Decodes a body and classifies any error form in it.
    fn decode(&self, path: &str, kind: Kind, status: u16, bytes: &[u8]) -> Result<Value, Error> {
        if status == 429 {
            return Err(Error::RateLimited {
                retry_after: RATE_LIMIT_BLOCK,
            });
        }
        let ok = (200..300).contains(&status);
        let unknown = |what: &str| Error::Unknown {
            endpoint: path.into(),
            message: format!("{what} (HTTP {status}): {}", snippet(bytes)),
        };
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) if status >= 500 && kind == Kind::Write => {
                return Err(unknown("server error without a Bitfinex answer"));
            }
            Err(_) if status >= 500 => {
                return Err(Error::Transport {
                    message: format!("HTTP {status}: {}", snippet(bytes)),
                });
            }
            Err(_) if ok && kind == Kind::Write => return Err(unknown("unreadable answer")),
            Err(_) if ok => {
                return Err(Error::Decode {
                    endpoint: path.into(),
                    snippet: snippet(bytes),
                });
            }
            Err(_) => {
                return Err(Error::Api {
                    code: Some(i64::from(status)),
                    message: snippet(bytes),
                });
            }
        };
        if let Some(e) = error::from_response(status, &value) {
            return Err(e);
        }
        if ok {
            Ok(value)
        } else if status >= 500 && kind == Kind::Write {
            Err(unknown("server error without a Bitfinex answer"))
        } else if status >= 500 {
            Err(Error::Transport {
                message: format!("HTTP {status}: {}", snippet(bytes)),
            })
        } else {
            Err(Error::Api {
                code: Some(i64::from(status)),
                message: snippet(bytes),
            })
        }
    }

    /// Sends one request, counts it, logs endpoint, status and duration (never headers or
    /// bodies), and decodes the answer.
    async fn send(
        &self,
        path: &str,
        kind: Kind,
        family: Family,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, Error> {
        self.calls[family.index()].fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let result = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(bytes) => {
                        let r = self.decode(path, kind, status, &bytes);
                        tracing::debug!(
                            endpoint = path,
                            status,
                            ms = ms(),
                            outcome = r.as_ref().err().map_or("ok", Error::name),
                            "bitfinex call"
                        );
                        r
                    }
                    Err(e) => Err(self.transport(path, kind, &e)),
                }
            }
            Err(e) => Err(self.transport(path, kind, &e)),
        };
        if let Err(e @ (Error::Transport { .. } | Error::Unknown { .. })) = &result {
            tracing::debug!(
                endpoint = path,
                ms = ms(),
                outcome = e.name(),
                "bitfinex call failed"
            );
        }
        result.map_err(|e| self.on_error(family, e))
    }

    /// A signed POST to `auth/...` with `body` as compact JSON (`{}` without parameters).
    async fn auth(&self, path: &str, body: &Value, kind: Kind) -> Result<Value, Error> {
        let Some(signer) = &self.signer else {
            return Err(Error::NoCredentials);
        };
        let raw = serde_json::to_vec(body).map_err(|e| Error::Refused(e.to_string()))?;
        let url = format!("{}/v2/{path}", self.cfg.auth_url.trim_end_matches('/'));
        self.gate(Family::Auth)?;
        // One signed request at a time per key: nonces must reach Bitfinex in order.
        let _serial = signer.lane.serial.lock().await;
        let mut retried = false;
        loop {
            // A call ahead in the queue may have been told to slow down meanwhile.
            self.gate(Family::Auth)?;
            self.limits.acquire(Family::Auth).await;
            let nonce = signer.lane.nonces.next(now_us()).ok_or(Error::Nonce)?;
            let nonce = nonce.to_string();
            let sig = sign_rest(signer.creds.secret.expose(), path, &nonce, &raw);
            let req = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("bfx-nonce", &nonce)
                .header("bfx-apikey", &signer.creds.key)
                .header("bfx-signature", sig)
                .body(raw.clone());
            match self.send(path, kind, Family::Auth, req).await {
                // Bitfinex refused the nonce, so nothing was applied: safe to move past it
                // and try once more, even for a write.
                Err(Error::Nonce) if !retried => {
                    tracing::warn!(
                        endpoint = path,
                        "nonce: small — moving past it and retrying once"
                    );
                    signer.lane.nonces.skip_ahead();
                    retried = true;
                }
                other => return other,
            }
        }
    }

    /// An unsigned GET of public data.
    async fn public(
        &self,
        path: &str,
        query: &[(&str, String)],
        family: Family,
    ) -> Result<Value, Error> {
        self.gate(family)?;
        self.limits.acquire(family).await;
        self.gate(family)?;
        let url = format!("{}/v2/{path}", self.cfg.public_url.trim_end_matches('/'));
        let req = self
            .http
            .get(&url)
            .query(query)
            .header("accept", "application/json");
        self.send(path, Kind::Read, family, req).await
    }

    /// A signed read returning a list.
    async fn list<T>(
        &self,
        path: &str,
        body: &Value,
        f: impl Fn(&Value) -> Option<T>,
    ) -> Result<Vec<T>, Error> {
        let v = self.auth(path, body, Kind::Read).await?;
        rows(path, &v, f)
    }

    /// A signed write: the notification envelope, parsed once. `ERROR`/`FAILURE` is
    /// [`Error::Rejected`]; an envelope that cannot be read is [`Error::Unknown`].
    async fn write(&self, path: &str, body: &Value) -> Result<Notification, Error> {
        let v = self.auth(path, body, Kind::Write).await?;
        let n = Notification::from_row(&v).ok_or_else(|| Error::Unknown {
            endpoint: path.into(),
            message: format!(
                "the answer is not a notification: {}",
                snippet(v.to_string().as_bytes())
            ),
        })?;
        if n.is_success() {
            Ok(n)
        } else {
            let text = if n.text.is_empty() {
                format!("{} {}", n.kind, n.status)
            } else {
                n.text
            };
            Err(Error::Rejected { text })
        }
    }

    // ---- account ----

    /// `POST /v2/auth/r/permissions`: the key's scopes, unknown ones included.
    pub async fn permissions(&self) -> Result<Permissions, Error> {
        let p = "auth/r/permissions";
        Ok(Permissions(
            self.list(p, &json!({}), Permission::from_row).await?,
        ))
    }

    /// `POST /v2/auth/r/wallets`: every wallet (exchange, margin, funding) of every currency.
    pub async fn wallets(&self) -> Result<Vec<Wallet>, Error> {
        self.list("auth/r/wallets", &json!({}), Wallet::from_row)
            .await
    }

    /// `POST /v2/auth/r/info/user`: the account fields the app shows.
    pub async fn user_info(&self) -> Result<UserInfo, Error> {
        let p = "auth/r/info/user";
        let v = self.auth(p, &json!({}), Kind::Read).await?;
        one(p, &v, UserInfo::from_row)
    }

    // ---- funding: reads ----

    /// `POST /v2/auth/r/funding/offers[/{symbol}]`: active offers (every currency without a
    /// symbol).
    pub async fn funding_offers(&self, symbol: Option<&str>) -> Result<Vec<FundingOffer>, Error> {
        let p = sym_path("auth/r/funding/offers", symbol, "")?;
        self.list(&p, &json!({}), FundingOffer::from_row).await
    }

    /// `POST /v2/auth/r/funding/offers[/{symbol}]/hist`: closed offers (executed or
    /// cancelled), newest first; `start`/`end` in UTC ms.
    pub async fn funding_offers_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingOffer>, Error> {
        let p = sym_path("auth/r/funding/offers", symbol, "/hist")?;
        let body = window(start, end, limit, None);
        self.list(&p, &body, FundingOffer::from_row).await
    }

    /// `POST /v2/auth/r/funding/credits[/{symbol}]`: active credits (funds lent and used in
    /// a position).
    pub async fn funding_credits(&self, symbol: Option<&str>) -> Result<Vec<FundingCredit>, Error> {
        let p = sym_path("auth/r/funding/credits", symbol, "")?;
        self.list(&p, &json!({}), FundingCredit::from_row).await
    }

    /// `POST /v2/auth/r/funding/credits[/{symbol}]/hist`: closed credits; `start`/`end` in
    /// UTC ms.
    pub async fn funding_credits_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingCredit>, Error> {
        let p = sym_path("auth/r/funding/credits", symbol, "/hist")?;
        let body = window(start, end, limit, None);
        self.list(&p, &body, FundingCredit::from_row).await
    }

    /// `POST /v2/auth/r/funding/loans[/{symbol}]`: active loans (funding taken and not
    /// used; for a lender, rows with `side == 1`).
    pub async fn funding_loans(&self, symbol: Option<&str>) -> Result<Vec<FundingCredit>, Error> {
        let p = sym_path("auth/r/funding/loans", symbol, "")?;
        self.list(&p, &json!({}), FundingCredit::from_row).await
    }

    /// `POST /v2/auth/r/funding/loans[/{symbol}]/hist`: closed loans; `start`/`end` in UTC ms.
    pub async fn funding_loans_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingCredit>, Error> {
        let p = sym_path("auth/r/funding/loans", symbol, "/hist")?;
        let body = window(start, end, limit, None);
        self.list(&p, &body, FundingCredit::from_row).await
    }

    /// `POST /v2/auth/r/funding/trades[/{symbol}]/hist`: the account's own funding fills;
    /// `start`/`end` in UTC ms, `sort` `-1` newest first (default) or `1` oldest first.
    pub async fn funding_trades_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
        sort: Option<i8>,
    ) -> Result<Vec<FundingTrade>, Error> {
        let p = sym_path("auth/r/funding/trades", symbol, "/hist")?;
        let body = window(start, end, limit, sort);
        self.list(&p, &body, FundingTrade::from_row).await
    }

    /// `POST /v2/auth/r/ledgers[/{currency}]/hist`: one page of ledger rows, newest first,
    /// with an optional `category` ([`LEDGER_INTEREST`] = 28 for funding interest payments),
    /// `start`/`end` in UTC ms and `limit` (1–2500). See [`Client::ledgers_between`] to read
    /// every row of a time range.
    pub async fn ledgers(
        &self,
        currency: Option<&str>,
        category: Option<i64>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<LedgerEntry>, Error> {
        if limit.is_some_and(|l| !(1..=LEDGER_PAGE_MAX).contains(&l)) {
            return Err(Error::Refused(format!(
                "ledger limit must be 1–{LEDGER_PAGE_MAX}"
            )));
        }
        let p = sym_path("auth/r/ledgers", currency, "/hist")?;
        let mut body = window(start, end, limit, None);
        if let (Some(c), Value::Object(o)) = (category, &mut body) {
            o.insert("category".into(), json!(c));
        }
        self.list(&p, &body, LedgerEntry::from_row).await
    }

    /// Every ledger row from `start` to `end` (UTC ms, inclusive; `end` `None` = now), oldest
    /// first, read page by page from `POST /v2/auth/r/ledgers[/{currency}]/hist`.
    ///
    /// Pages of [`LEDGER_PAGE_MAX`] rows are walked backwards from `end`; each next page ends
    /// at the oldest timestamp seen (rows sharing that millisecond are fetched again and
    /// de-duplicated by id), so no row is skipped. Each page is one call of the
    /// [`Family::Auth`] budget.
    pub async fn ledgers_between(
        &self,
        currency: Option<&str>,
        category: Option<i64>,
        start: i64,
        end: Option<i64>,
    ) -> Result<Vec<LedgerEntry>, Error> {
        walk_back(
            start,
            end,
            LEDGER_PAGE_MAX,
            |e: &LedgerEntry| (e.mts, e.id),
            |end| self.ledgers(currency, category, Some(start), end, Some(LEDGER_PAGE_MAX)),
        )
        .await
    }

    /// Every funding trade (fill of the account's offers) from `start` to `end` (UTC ms,
    /// inclusive), oldest first, read backwards in pages of [`TRADES_PAGE_MAX`] from
    /// `POST /v2/auth/r/funding/trades[/{symbol}]/hist` the same way as
    /// [`Client::ledgers_between`].
    pub async fn funding_trades_between(
        &self,
        symbol: Option<&str>,
        start: i64,
        end: Option<i64>,
    ) -> Result<Vec<FundingTrade>, Error> {
        walk_back(
            start,
            end,
            TRADES_PAGE_MAX,
            |t: &FundingTrade| (t.mts_create, t.id),
            |end| self.funding_trades_hist(symbol, Some(start), end, Some(TRADES_PAGE_MAX), None),
        )
        .await
    }

    /// Every closed funding offer updated from `start` to `end` (UTC ms, inclusive), oldest
    /// first, read backwards in pages of [`OFFERS_HIST_PAGE_MAX`] the same way as
    /// [`Client::ledgers_between`]: an offer that ended long ago is found however many offers
    /// ended since.
    pub async fn funding_offers_hist_between(
        &self,
        symbol: Option<&str>,
        start: i64,
        end: Option<i64>,
    ) -> Result<Vec<FundingOffer>, Error> {
        walk_back(
            start,
            end,
            OFFERS_HIST_PAGE_MAX,
            |o: &FundingOffer| (o.mts_updated, o.id),
            |end| self.funding_offers_hist(symbol, Some(start), end, Some(OFFERS_HIST_PAGE_MAX)),
        )
        .await
    }

    /// `POST /v2/auth/r/info/funding/{symbol}`: average yields and durations of the
    /// account's funding.
    pub async fn funding_info(&self, symbol: &str) -> Result<FundingInfo, Error> {
        let p = format!("auth/r/info/funding/{}", seg(symbol)?);
        let v = self.auth(&p, &json!({}), Kind::Read).await?;
        one(&p, &v, FundingInfo::from_row)
    }

    /// `POST /v2/auth/r/funding/auto/status` for a currency (`USD`): the auto-renew
    /// settings, `None` when auto-renew is off. Bitfinex does not document this layout; the
    /// `fa-req` data layout `[CURRENCY, PERIOD, RATE, THRESHOLD]` is read, bare or wrapped.
    pub async fn auto_renew_status(&self, currency: &str) -> Result<Option<AutoRenew>, Error> {
        let p = "auth/r/funding/auto/status";
        let v = self
            .auth(p, &json!({ "currency": currency }), Kind::Read)
            .await?;
        match &v {
            Value::Null => Ok(None),
            Value::Array(a) if a.is_empty() => Ok(None),
            Value::Array(a) if a.len() == 1 && a[0].is_array() => {
                one(p, &a[0], AutoRenew::from_row).map(Some)
            }
            _ => one(p, &v, AutoRenew::from_row).map(Some),
        }
    }

    // ---- funding: writes (never retried blindly) ----

    /// `POST /v2/auth/w/funding/offer/submit`: places a lending offer and returns it as
    /// Bitfinex recorded it.
    ///
    /// Refused before sending ([`Error::Refused`]) unless the amount is positive (we never
    /// borrow), the period is 2–120 days, the symbol is a funding symbol (`fUSD`), and the
    /// rate fits the type: `LIMIT` > 0, `FRRDELTAVAR` offset ≥ 0, `FRRDELTAFIX` any offset.
    /// Amount and rate go on the wire as JSON strings, exactly as given.
    pub async fn submit_funding_offer(&self, offer: &NewOffer) -> Result<FundingOffer, Error> {
        offer.validate()?;
        let p = "auth/w/funding/offer/submit";
        let body = json!({
            "type": offer.offer_type.as_str(),
            "symbol": offer.symbol,
            "amount": offer.amount.to_string(),
            "rate": offer.rate.to_string(),
            "period": offer.period,
            "flags": if offer.hidden { FLAG_HIDDEN } else { 0 },
        });
        let n = self.write(p, &body).await?;
        applied(p, &n, FundingOffer::from_row)
    }

    /// `POST /v2/auth/w/funding/offer/cancel`: cancels one offer (its id from
    /// [`Client::funding_offers`]) and returns it.
    pub async fn cancel_funding_offer(&self, id: i64) -> Result<FundingOffer, Error> {
        let p = "auth/w/funding/offer/cancel";
        let n = self.write(p, &json!({ "id": id })).await?;
        applied(p, &n, FundingOffer::from_row)
    }

    /// `POST /v2/auth/w/funding/offer/cancel/all` for one currency (`USD`, no `f`).
    ///
    /// This cancels *every* offer of the currency, including those the user placed by hand;
    /// the engine cancels its own offers one by one with [`Client::cancel_funding_offer`].
    pub async fn cancel_all_funding_offers(&self, currency: &str) -> Result<Notification, Error> {
        self.write(
            "auth/w/funding/offer/cancel/all",
            &json!({ "currency": currency }),
        )
        .await
    }

    /// `POST /v2/auth/w/funding/close`: returns a credit or loan early (its id from
    /// [`Client::funding_credits`] / [`Client::funding_loans`], not an offer id).
    pub async fn close_funding(&self, id: i64) -> Result<Notification, Error> {
        self.write("auth/w/funding/close", &json!({ "id": id }))
            .await
    }

    /// `POST /v2/auth/w/funding/auto`: turns auto-renew on (with amount, rate and period) or
    /// off for a currency; returns the settings Bitfinex echoed, if any.
    pub async fn set_auto_renew(&self, req: &AutoRenewRequest) -> Result<Option<AutoRenew>, Error> {
        let p = "auth/w/funding/auto";
        let mut body = json!({ "status": i32::from(req.enabled), "currency": req.currency });
        if req.enabled {
            if !(2..=120).contains(&req.period) {
                return Err(Error::Refused(format!(
                    "period must be 2–120 days, got {}",
                    req.period
                )));
            }
            if req.amount < Decimal::ZERO || req.rate < Decimal::ZERO {
                return Err(Error::Refused(
                    "auto-renew amount and rate cannot be negative".into(),
                ));
            }
            body["amount"] = json!(req.amount.to_string());
            body["rate"] = json!(req.rate.to_string());
            body["period"] = json!(req.period);
        }
        let n = self.write(p, &body).await?;
        Ok(AutoRenew::from_row(&n.data))
    }

    /// `POST /v2/auth/w/transfer` between two of the user's **own** wallets (`exchange`,
    /// `margin`, `funding`), optionally converting to `currency_to`.
    ///
    /// The fields that send to another user (`email_dst`, `user_id_dst`) are never sent;
    /// anything but two different own wallets and a positive amount is refused before
    /// sending.
    pub async fn transfer(
        &self,
        from: &str,
        to: &str,
        currency: &str,
        currency_to: Option<&str>,
        amount: Decimal,
    ) -> Result<Transfer, Error> {
        const WALLETS: [&str; 3] = ["exchange", "margin", "funding"];
        if !WALLETS.contains(&from) || !WALLETS.contains(&to) || from == to {
            return Err(Error::Refused(
                "transfers go between two different wallets of your own (exchange, margin, funding)"
                    .into(),
            ));
        }
        if amount <= Decimal::ZERO {
            return Err(Error::Refused("amount must be positive".into()));
        }
        let p = "auth/w/transfer";
        let mut body =
            json!({ "from": from, "to": to, "currency": currency, "amount": amount.to_string() });
        if let Some(c) = currency_to {
            body["currency_to"] = json!(c);
        }
        let n = self.write(p, &body).await?;
        applied(p, &n, Transfer::from_row)
    }

    // ---- public ----

    /// `GET /v2/ticker/{symbol}` for a funding symbol (`fUSD`; funding layout, FRR first).
    pub async fn ticker(&self, symbol: &str) -> Result<FundingTicker, Error> {
        let p = format!("ticker/{}", funding_sym(symbol)?);
        let v = self.public(&p, &[], Family::Tickers).await?;
        let mut t = one(&p, &v, FundingTicker::from_row)?;
        t.symbol.get_or_insert_with(|| symbol.to_owned());
        Ok(t)
    }

    /// `GET /v2/ticker/t{PAIR}` (trading layout): the last price, e.g. `tBTCUSD` → USD per
    /// BTC. Used to convert the 150 USD minimum offer into other currencies.
    pub async fn last_price(&self, pair: &str) -> Result<Decimal, Error> {
        if !pair.starts_with('t') {
            return Err(Error::Refused(format!(
                "{pair:?} is not a trading pair (like tBTCUSD)"
            )));
        }
        let p = format!("ticker/{}", seg(pair)?);
        let v = self.public(&p, &[], Family::Tickers).await?;
        // [BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE, DAILY_CHANGE_RELATIVE, LAST_PRICE, ...]
        one(&p, &v, |v| Row::of(v).and_then(|r| r.dec(6)))
    }

    /// `GET /v2/tickers?symbols=...`: several funding tickers (funding symbols only; each row
    /// starts with its symbol).
    pub async fn tickers(&self, symbols: &[&str]) -> Result<Vec<FundingTicker>, Error> {
        let p = "tickers";
        for s in symbols {
            funding_sym(s)?;
        }
        let v = self
            .public(p, &[("symbols", symbols.join(","))], Family::Tickers)
            .await?;
        rows(p, &v, FundingTicker::from_row)
    }

    /// `GET /v2/book/{symbol}/P{precision}?len=`: aggregated levels (precision 0–4, `len`
    /// 1, 25 or 100). Amount > 0 is a lender's offer, < 0 a borrower's bid.
    pub async fn book(
        &self,
        symbol: &str,
        precision: u8,
        len: Option<u32>,
    ) -> Result<Vec<BookLevel>, Error> {
        if precision > 4 {
            return Err(Error::Refused("book precision is P0–P4".into()));
        }
        let p = format!("book/{}/P{precision}", seg(symbol)?);
        let v = self.public(&p, &book_len(len)?, Family::Book).await?;
        rows(&p, &v, BookLevel::from_row)
    }

    /// `GET /v2/book/{symbol}/R0?len=`: every single offer and bid (`len` 1, 25 or 100).
    pub async fn raw_book(
        &self,
        symbol: &str,
        len: Option<u32>,
    ) -> Result<Vec<RawBookEntry>, Error> {
        let p = format!("book/{}/R0", seg(symbol)?);
        let v = self.public(&p, &book_len(len)?, Family::Book).await?;
        rows(&p, &v, RawBookEntry::from_row)
    }

    /// `GET /v2/trades/{symbol}/hist?limit&start&end&sort`: public funding trades, newest
    /// first unless `sort` = 1.
    pub async fn trades(
        &self,
        symbol: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
        sort: Option<i8>,
    ) -> Result<Vec<PublicTrade>, Error> {
        let p = format!("trades/{}/hist", seg(symbol)?);
        let q = query(limit, start, end, sort);
        let v = self.public(&p, &q, Family::Trades).await?;
        rows(&p, &v, PublicTrade::from_row)
    }

    /// `GET /v2/candles/{key}/hist?limit&start&end&sort`. Funding keys need a period:
    /// `trade:1m:fUSD:p30`, or aggregated `trade:1h:fUSD:a30:p2:p30` (see
    /// [`funding_candle_key`] and [`funding_candle_key_aggregated`]).
    pub async fn candles(
        &self,
        key: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
        sort: Option<i8>,
    ) -> Result<Vec<Candle>, Error> {
        check_candle_key(key)?;
        let p = format!("candles/{key}/hist");
        let v = self
            .public(&p, &query(limit, start, end, sort), Family::Candles)
            .await?;
        rows(&p, &v, Candle::from_row)
    }

    /// `GET /v2/candles/{key}/last`: the latest candle, `None` when there is none.
    pub async fn last_candle(&self, key: &str) -> Result<Option<Candle>, Error> {
        check_candle_key(key)?;
        let p = format!("candles/{key}/last");
        let v = self.public(&p, &[], Family::Candles).await?;
        match &v {
            Value::Null => Ok(None),
            Value::Array(a) if a.is_empty() => Ok(None),
            _ => one(&p, &v, Candle::from_row).map(Some),
        }
    }

    /// `GET /v2/funding/stats/{symbol}/hist?limit&start&end`: hourly funding statistics,
    /// newest first (FRR there is FRR ÷ 365, see [`FundingStat::frr_daily`]).
    pub async fn funding_stats(
        &self,
        symbol: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
    ) -> Result<Vec<FundingStat>, Error> {
        let p = format!("funding/stats/{}/hist", funding_sym(symbol)?);
        let v = self
            .public(&p, &query(limit, start, end, None), Family::Stats)
            .await?;
        rows(&p, &v, FundingStat::from_row)
    }

    /// `GET /v2/platform/status`: `Ok(())` when operative (`[1]`), [`Error::Maintenance`]
    /// when not (`[0]`).
    pub async fn platform_status(&self) -> Result<(), Error> {
        let p = "platform/status";
        let v = self.public(p, &[], Family::Status).await?;
        match one(p, &v, |v| Row::of(v).and_then(|r| r.i64(0)))? {
            1 => Ok(()),
            _ => Err(Error::Maintenance),
        }
    }
}

fn rows<T>(path: &str, v: &Value, f: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>, Error> {
    let bad = || Error::Decode {
        endpoint: path.into(),
        snippet: snippet(v.to_string().as_bytes()),
    };
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a.iter().map(|r| f(r).ok_or_else(bad)).collect(),
        _ => Err(bad()),
    }
}

fn one<T>(path: &str, v: &Value, f: impl Fn(&Value) -> Option<T>) -> Result<T, Error> {
    f(v).ok_or_else(|| Error::Decode {
        endpoint: path.into(),
        snippet: snippet(v.to_string().as_bytes()),
    })
}

/// The data of a successful write. Bitfinex applied it, so data that cannot be read is an
/// unknown outcome (reconcile), not a decoding error.
fn applied<T>(path: &str, n: &Notification, f: impl Fn(&Value) -> Option<T>) -> Result<T, Error> {
    f(&n.data).ok_or_else(|| Error::Unknown {
        endpoint: path.into(),
        message: format!(
            "{} {}, but its data could not be read: {}",
            n.kind,
            n.status,
            snippet(n.data.to_string().as_bytes())
        ),
    })
}

fn sym_path(base: &str, symbol: Option<&str>, tail: &str) -> Result<String, Error> {
    Ok(match symbol {
        Some(s) => format!("{base}/{}{tail}", seg(s)?),
        None => format!("{base}{tail}"),
    })
}

/// A symbol, currency or candle key put into a URL path: letters, digits and `:` only, so
/// it can never change the path (or the signed string) it is put into.
fn seg(s: &str) -> Result<&str, Error> {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
        Ok(s)
    } else {
        Err(Error::Refused(format!(
            "{s:?} is not a Bitfinex symbol, currency or key"
        )))
    }
}

/// A funding symbol (`fUSD`) for the public funding endpoints.
fn funding_sym(s: &str) -> Result<&str, Error> {
    if s.starts_with('f') && s.len() > 1 {
        seg(s)
    } else {
        Err(Error::Refused(format!(
            "{s:?} is not a funding symbol (like fUSD)"
        )))
    }
}

fn window(start: Option<i64>, end: Option<i64>, limit: Option<u32>, sort: Option<i8>) -> Value {
    let mut body = serde_json::Map::new();
    if let Some(s) = start {
        body.insert("start".into(), json!(s));
    }
    if let Some(e) = end {
        body.insert("end".into(), json!(e));
    }
    if let Some(l) = limit {
        body.insert("limit".into(), json!(l));
    }
    if let Some(s) = sort {
        body.insert("sort".into(), json!(s));
    }
    Value::Object(body)
}

fn book_len(len: Option<u32>) -> Result<Vec<(&'static str, String)>, Error> {
    match len {
        None => Ok(Vec::new()),
        Some(l @ (1 | 25 | 100)) => Ok(vec![("len", l.to_string())]),
        Some(l) => Err(Error::Refused(format!(
            "book length must be 1, 25 or 100, got {l}"
        ))),
    }
}

fn check_candle_key(key: &str) -> Result<(), Error> {
    seg(key)?;
    let parts: Vec<&str> = key.split(':').collect();
    let funding = parts.get(2).is_some_and(|s| s.starts_with('f'));
    if parts.len() < 3 || parts[0] != "trade" || (funding && parts.len() < 4) {
        return Err(Error::Refused(format!(
            "candle key {key:?}: funding keys look like trade:1m:fUSD:p30 or trade:1h:fUSD:a30:p2:p30"
        )));
    }
    Ok(())
}

fn query(
    limit: Option<u32>,
    start: Option<i64>,
    end: Option<i64>,
    sort: Option<i8>,
) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(l) = limit {
        q.push(("limit", l.to_string()));
    }
    if let Some(s) = start {
        q.push(("start", s.to_string()));
    }
    if let Some(e) = end {
        q.push(("end", e.to_string()));
    }
    if let Some(s) = sort {
        q.push(("sort", s.to_string()));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert!(check_base("https://api.bitfinex.com", true).is_ok());
        assert!(check_base("http://127.0.0.1:4000", true).is_ok());
        assert!(check_base("http://localhost:4000", true).is_ok());
        assert!(check_base("http://[::1]:4000", true).is_ok());
        assert!(
            check_base("http://example.com", false).is_ok(),
            "public data only"
        );
        assert!(matches!(
            check_base("http://example.com", true),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            check_base("ftp://example.com", false),
            Err(Error::Refused(_))
        ));
        assert!(matches!(
            check_base("not a url", false),
            Err(Error::Refused(_))
        ));
    }

    #[test]
    fn candle_keys() {
        assert!(check_candle_key("trade:1m:fUSD:p30").is_ok());
        assert!(check_candle_key("trade:1h:fUSD:a30:p2:p30").is_ok());
        assert!(check_candle_key("trade:1m:tBTCUSD").is_ok());
        assert!(
            check_candle_key("trade:1m:fUSD").is_err(),
            "period is mandatory"
        );
        assert!(check_candle_key("1m:fUSD:p30").is_err());
    }

    #[test]
    fn path_segments() {
        assert!(seg("fUSD").is_ok() && seg("tTESTBTC:TESTUSD").is_ok());
        for bad in ["", "fUSD/hist", "a b", "x?y=1", "..", "f%2F"] {
            assert!(seg(bad).is_err(), "{bad}");
        }
        assert!(funding_sym("fUST").is_ok());
        assert!(funding_sym("tBTCUSD").is_err() && funding_sym("f").is_err());
        assert_eq!(
            sym_path("auth/r/funding/offers", Some("fUSD"), "/hist").unwrap(),
            "auth/r/funding/offers/fUSD/hist"
        );
        assert_eq!(
            sym_path("auth/r/ledgers", None, "/hist").unwrap(),
            "auth/r/ledgers/hist"
        );
    }

    #[test]
    fn book_lengths() {
        assert!(book_len(None).unwrap().is_empty());
        assert_eq!(book_len(Some(25)).unwrap(), vec![("len", "25".to_owned())]);
        assert!(book_len(Some(50)).is_err());
    }

    #[test]
    fn config_debug_has_no_store_details() {
        let mut c = ClientConfig::for_base("http://127.0.0.1:1/");
        assert_eq!(c.auth_url, "http://127.0.0.1:1");
        c.nonce_store = Some(Arc::new(MemoryNonceStore::default()));
        let s = format!("{c:?}");
        assert!(s.contains("127.0.0.1:1") && s.contains("nonce_store: Some"));
    }
}
