//! The HTTP client: signing, nonces, pacing, error classification, and one method per endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{self, Error, RATE_LIMIT_BLOCK};
use crate::limits::{Family, RateLimits};
use crate::models::*;
use crate::nonce::{MemoryNonceStore, NonceSource, NonceStore, now_us};
use crate::secret::Credentials;
use crate::sign::sign_rest;
use crate::wire::{Row, snippet};

/// Bitfinex's authenticated API host.
pub const DEFAULT_AUTH_URL: &str = "https://api.bitfinex.com";
/// Bitfinex's public API host.
pub const DEFAULT_PUBLIC_URL: &str = "https://api-pub.bitfinex.com";

/// Client settings. Both base URLs get `/v2/...` appended.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base of the authenticated API (`https://api.bitfinex.com`, or `http://127.0.0.1:PORT`).
    pub auth_url: String,
    /// Base of the public API (`https://api-pub.bitfinex.com`).
    pub public_url: String,
    /// Whole-request timeout. A write that runs out of it returns [`Error::Unknown`].
    pub timeout: Duration,
    /// Connection timeout (a write that cannot connect was never sent: [`Error::Transport`]).
    pub connect_timeout: Duration,
    /// Pace calls to Bitfinex's published budgets (turn off only for a local emulator).
    pub rate_limits: bool,
    /// Where the last nonce is kept between runs (in memory when `None`).
    pub nonce_store: Option<Arc<dyn NonceStore>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            auth_url: DEFAULT_AUTH_URL.into(),
            public_url: DEFAULT_PUBLIC_URL.into(),
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            rate_limits: true,
            nonce_store: None,
        }
    }
}

impl ClientConfig {
    /// One base URL for both APIs (e.g. `bfx-sim` on `http://127.0.0.1:PORT`).
    pub fn for_base(url: &str) -> Self {
        let url = url.trim_end_matches('/').to_owned();
        Self {
            auth_url: url.clone(),
            public_url: url,
            ..Self::default()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// The Bitfinex API v2 client. Cheap to share behind an `Arc`; signed requests of its key are
/// serialized so nonces arrive in order.
pub struct Client {
    http: reqwest::Client,
    cfg: ClientConfig,
    creds: Option<Credentials>,
    nonce: Option<NonceSource>,
    sign_lock: tokio::sync::Mutex<()>,
    limits: RateLimits,
    calls: [AtomicU64; 7],
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("auth_url", &self.cfg.auth_url)
            .field("public_url", &self.cfg.public_url)
            .field("creds", &self.creds)
            .finish_non_exhaustive()
    }
}

fn family_index(f: Family) -> usize {
    Family::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

impl Client {
    /// Builds a client; `creds` may be `None` for public data only.
    pub fn new(cfg: ClientConfig, creds: Option<Credentials>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .user_agent(concat!("yieldsforge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport {
                message: e.to_string(),
            })?;
        let nonce = creds.as_ref().map(|c| {
            let key_id = hex::encode(Sha256::digest(c.key.as_bytes()));
            let store = cfg
                .nonce_store
                .clone()
                .unwrap_or_else(|| Arc::new(MemoryNonceStore::default()));
            NonceSource::new(key_id, store)
        });
        Ok(Self {
            http,
            limits: RateLimits::new(cfg.rate_limits),
            cfg,
            creds,
            nonce,
            sign_lock: tokio::sync::Mutex::new(()),
            calls: Default::default(),
        })
    }

    /// Requests sent so far to an endpoint family (for "API calls per hour" figures).
    pub fn calls(&self, family: Family) -> u64 {
        self.calls[family_index(family)].load(Ordering::Relaxed)
    }

    /// Requests sent so far, all families.
    pub fn total_calls(&self) -> u64 {
        self.calls.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    fn gate(&self, family: Family) -> Result<(), Error> {
        match self.limits.blocked_for(family) {
            Some(retry_after) => Err(Error::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    fn on_error(&self, family: Family, e: Error) -> Error {
        if let Error::RateLimited { .. } = e {
            self.limits.block(family, RATE_LIMIT_BLOCK);
        }
        e
    }

    fn transport(&self, path: &str, kind: Kind, e: &reqwest::Error) -> Error {
        let message = if e.is_timeout() {
            "timed out".to_owned()
        } else {
            e.to_string()
        };
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
    fn decode(&self, path: &str, status: u16, bytes: &[u8]) -> Result<Value, Error> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) if status == 429 => {
                return Err(Error::RateLimited {
                    retry_after: RATE_LIMIT_BLOCK,
                });
            }
            Err(_) if status >= 500 => {
                return Err(Error::Transport {
                    message: format!("HTTP {status}: {}", snippet(bytes)),
                });
            }
            Err(_) => {
                return Err(Error::Decode {
                    endpoint: path.into(),
                    snippet: snippet(bytes),
                });
            }
        };
        if let Some(e) = error::from_response(status, &value) {
            return Err(e);
        }
        if !(200..300).contains(&status) {
            return Err(Error::Api {
                code: Some(i64::from(status)),
                message: snippet(bytes),
            });
        }
        Ok(value)
    }

    /// A signed POST to `auth/...`.
    async fn auth(&self, path: &str, body: &Value, kind: Kind) -> Result<Value, Error> {
        let (creds, nonces) = match (&self.creds, &self.nonce) {
            (Some(c), Some(n)) => (c, n),
            _ => return Err(Error::NoCredentials),
        };
        self.gate(Family::Auth)?;
        self.limits.acquire(Family::Auth).await;
        let raw = serde_json::to_vec(body).map_err(|e| Error::Refused(e.to_string()))?;
        let url = format!("{}/v2/{path}", self.cfg.auth_url.trim_end_matches('/'));
        // One signed request at a time per key: nonces must reach Bitfinex in order.
        let _serial = self.sign_lock.lock().await;
        for attempt in 0..2 {
            let nonce = nonces.next(now_us()).to_string();
            let sig = sign_rest(creds.secret.expose(), path, &nonce, &raw);
            let started = Instant::now();
            self.calls[family_index(Family::Auth)].fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("bfx-nonce", &nonce)
                .header("bfx-apikey", &creds.key)
                .header("bfx-signature", sig)
                .body(raw.clone())
                .send()
                .await;
            let resp = sent.map_err(|e| self.transport(path, kind, &e))?;
            let status = resp.status().as_u16();
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| self.transport(path, kind, &e))?;
            tracing::debug!(
                endpoint = path,
                status,
                ms = started.elapsed().as_millis() as u64,
                "bitfinex auth call"
            );
            match self.decode(path, status, &bytes) {
                // Not applied by Bitfinex: safe to retry once with a nonce well ahead.
                Err(Error::Nonce) if attempt == 0 => nonces.skip_ahead(),
                Err(e) => return Err(self.on_error(Family::Auth, e)),
                Ok(v) => return Ok(v),
            }
        }
        Err(Error::Nonce)
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
        let url = format!("{}/v2/{path}", self.cfg.public_url.trim_end_matches('/'));
        self.calls[family_index(family)].fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let resp = self
            .http
            .get(&url)
            .query(query)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport(path, Kind::Read, &e))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.transport(path, Kind::Read, &e))?;
        tracing::debug!(
            endpoint = path,
            status,
            ms = started.elapsed().as_millis() as u64,
            "bitfinex public call"
        );
        self.decode(path, status, &bytes)
            .map_err(|e| self.on_error(family, e))
    }

    /// A signed read returning a list.
    async fn list<T>(
        &self,
        path: String,
        body: Value,
        f: impl Fn(&Value) -> Option<T>,
    ) -> Result<Vec<T>, Error> {
        let v = self.auth(&path, &body, Kind::Read).await?;
        Self::rows(&path, &v, f)
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

    /// Parses a write's notification; an ERROR/FAILURE status is [`Error::Rejected`].
    fn notification(path: &str, v: &Value) -> Result<Notification, Error> {
        let n = Self::one(path, v, Notification::from_row)?;
        if n.is_success() {
            Ok(n)
        } else {
            Err(Error::Rejected { text: n.text })
        }
    }

    fn sym_path(base: &str, symbol: Option<&str>, tail: &str) -> String {
        match symbol {
            Some(s) => format!("{base}/{s}{tail}"),
            None => format!("{base}{tail}"),
        }
    }

    fn window(start: Option<i64>, end: Option<i64>, limit: Option<u32>) -> Value {
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
        Value::Object(body)
    }

    // ---- account ----

    /// `POST auth/r/permissions`: the key's scopes, unknown ones included.
    pub async fn permissions(&self) -> Result<Permissions, Error> {
        let p = "auth/r/permissions";
        let v = self.auth(p, &json!({}), Kind::Read).await?;
        Ok(Permissions(Self::rows(p, &v, Permission::from_row)?))
    }

    /// `POST auth/r/wallets`: every wallet.
    pub async fn wallets(&self) -> Result<Vec<Wallet>, Error> {
        let p = "auth/r/wallets";
        let v = self.auth(p, &json!({}), Kind::Read).await?;
        Self::rows(p, &v, Wallet::from_row)
    }

    /// `POST auth/r/info/user`.
    pub async fn user_info(&self) -> Result<UserInfo, Error> {
        let p = "auth/r/info/user";
        let v = self.auth(p, &json!({}), Kind::Read).await?;
        Self::one(p, &v, UserInfo::from_row)
    }

    // ---- funding: reads ----

    /// `POST auth/r/funding/offers[/{symbol}]`: active offers (all currencies without a symbol).
    pub async fn funding_offers(&self, symbol: Option<&str>) -> Result<Vec<FundingOffer>, Error> {
        self.list(
            Self::sym_path("auth/r/funding/offers", symbol, ""),
            json!({}),
            FundingOffer::from_row,
        )
        .await
    }

    /// `POST auth/r/funding/offers[/{symbol}]/hist`: closed offers.
    pub async fn funding_offers_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingOffer>, Error> {
        let p = Self::sym_path("auth/r/funding/offers", symbol, "/hist");
        let v = self
            .auth(&p, &Self::window(start, end, limit), Kind::Read)
            .await?;
        Self::rows(&p, &v, FundingOffer::from_row)
    }

    /// `POST auth/r/funding/credits[/{symbol}]`: active credits (funds lent and used).
    pub async fn funding_credits(&self, symbol: Option<&str>) -> Result<Vec<FundingCredit>, Error> {
        self.list(
            Self::sym_path("auth/r/funding/credits", symbol, ""),
            json!({}),
            FundingCredit::from_row,
        )
        .await
    }

    /// `POST auth/r/funding/credits[/{symbol}]/hist`.
    pub async fn funding_credits_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingCredit>, Error> {
        let p = Self::sym_path("auth/r/funding/credits", symbol, "/hist");
        let v = self
            .auth(&p, &Self::window(start, end, limit), Kind::Read)
            .await?;
        Self::rows(&p, &v, FundingCredit::from_row)
    }

    /// `POST auth/r/funding/loans[/{symbol}]`: active loans.
    pub async fn funding_loans(&self, symbol: Option<&str>) -> Result<Vec<FundingCredit>, Error> {
        self.list(
            Self::sym_path("auth/r/funding/loans", symbol, ""),
            json!({}),
            FundingCredit::from_row,
        )
        .await
    }

    /// `POST auth/r/funding/loans[/{symbol}]/hist`.
    pub async fn funding_loans_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingCredit>, Error> {
        let p = Self::sym_path("auth/r/funding/loans", symbol, "/hist");
        let v = self
            .auth(&p, &Self::window(start, end, limit), Kind::Read)
            .await?;
        Self::rows(&p, &v, FundingCredit::from_row)
    }

    /// `POST auth/r/funding/trades[/{symbol}]/hist`: our fills.
    pub async fn funding_trades_hist(
        &self,
        symbol: Option<&str>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<FundingTrade>, Error> {
        let p = Self::sym_path("auth/r/funding/trades", symbol, "/hist");
        let v = self
            .auth(&p, &Self::window(start, end, limit), Kind::Read)
            .await?;
        Self::rows(&p, &v, FundingTrade::from_row)
    }

    /// `POST auth/r/ledgers[/{currency}]/hist` with an optional category (28 = interest),
    /// `start`/`end` in UTC ms and `limit` (1–2500).
    pub async fn ledgers(
        &self,
        currency: Option<&str>,
        category: Option<i64>,
        start: Option<i64>,
        end: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<LedgerEntry>, Error> {
        if limit.is_some_and(|l| !(1..=2500).contains(&l)) {
            return Err(Error::Refused("ledger limit must be 1–2500".into()));
        }
        let p = Self::sym_path("auth/r/ledgers", currency, "/hist");
        let mut body = Self::window(start, end, limit);
        if let (Some(c), Value::Object(o)) = (category, &mut body) {
            o.insert("category".into(), json!(c));
        }
        let v = self.auth(&p, &body, Kind::Read).await?;
        Self::rows(&p, &v, LedgerEntry::from_row)
    }

    /// `POST auth/r/info/funding/{symbol}`.
    pub async fn funding_info(&self, symbol: &str) -> Result<FundingInfo, Error> {
        let p = format!("auth/r/info/funding/{symbol}");
        let v = self.auth(&p, &json!({}), Kind::Read).await?;
        Self::one(&p, &v, FundingInfo::from_row)
    }

    /// `POST auth/r/funding/auto/status`: the currency's auto-renew settings, `None` when off.
    pub async fn auto_renew_status(&self, currency: &str) -> Result<Option<AutoRenew>, Error> {
        let p = "auth/r/funding/auto/status";
        let v = self
            .auth(p, &json!({ "currency": currency }), Kind::Read)
            .await?;
        match &v {
            Value::Null => Ok(None),
            Value::Array(a) if a.is_empty() => Ok(None),
            _ => Self::one(p, &v, AutoRenew::from_row).map(Some),
        }
    }

    // ---- funding: writes (never retried blindly) ----

    /// `POST auth/w/funding/offer/submit`: a lending offer. Refused before sending unless
    /// the amount is positive (we never borrow), the period 2–120 days and the rate ≥ 0.
    pub async fn submit_funding_offer(&self, offer: &NewOffer) -> Result<FundingOffer, Error> {
        if offer.amount <= Decimal::ZERO {
            return Err(Error::Refused(format!(
                "amount must be positive (lending only), got {}",
                offer.amount
            )));
        }
        if !(2..=120).contains(&offer.period) {
            return Err(Error::Refused(format!(
                "period must be 2–120 days, got {}",
                offer.period
            )));
        }
        if offer.rate < Decimal::ZERO {
            return Err(Error::Refused("rate cannot be negative".into()));
        }
        let p = "auth/w/funding/offer/submit";
        let body = json!({
            "type": offer.offer_type.as_str(),
            "symbol": offer.symbol,
            "amount": offer.amount.to_string(),
            "rate": offer.rate.to_string(),
            "period": offer.period,
            "flags": if offer.hidden { FLAG_HIDDEN } else { 0 },
        });
        let v = self.auth(p, &body, Kind::Write).await?;
        let n = Self::notification(p, &v)?;
        Self::one(p, &n.data, FundingOffer::from_row)
    }

    /// `POST auth/w/funding/offer/cancel`.
    pub async fn cancel_funding_offer(&self, id: i64) -> Result<FundingOffer, Error> {
        let p = "auth/w/funding/offer/cancel";
        let v = self.auth(p, &json!({ "id": id }), Kind::Write).await?;
        let n = Self::notification(p, &v)?;
        Self::one(p, &n.data, FundingOffer::from_row)
    }

    /// `POST auth/w/funding/offer/cancel/all` for one currency (`USD`, no `f`).
    pub async fn cancel_all_funding_offers(&self, currency: &str) -> Result<Notification, Error> {
        let p = "auth/w/funding/offer/cancel/all";
        let v = self
            .auth(p, &json!({ "currency": currency }), Kind::Write)
            .await?;
        Self::notification(p, &v)
    }

    /// `POST auth/w/funding/close`: returns a credit or loan early (its id, not an offer id).
    pub async fn close_funding(&self, id: i64) -> Result<Notification, Error> {
        let p = "auth/w/funding/close";
        let v = self.auth(p, &json!({ "id": id }), Kind::Write).await?;
        Self::notification(p, &v)
    }

    /// `POST auth/w/funding/auto`: turns auto-renew on or off for a currency.
    pub async fn set_auto_renew(&self, req: &AutoRenewRequest) -> Result<Option<AutoRenew>, Error> {
        let p = "auth/w/funding/auto";
        let mut body = json!({ "status": i32::from(req.enabled), "currency": req.currency });
        if req.enabled {
            body["amount"] = json!(req.amount.to_string());
            body["rate"] = json!(req.rate.to_string());
            body["period"] = json!(req.period);
        }
        let v = self.auth(p, &body, Kind::Write).await?;
        let n = Self::notification(p, &v)?;
        Ok(AutoRenew::from_row(&n.data))
    }

    /// `POST auth/w/transfer` between the user's **own** wallets. The fields that send to
    /// another user (`email_dst`, `user_id_dst`) are never sent.
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
                "transfers go between two of your own wallets".into(),
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
        let v = self.auth(p, &body, Kind::Write).await?;
        let n = Self::notification(p, &v)?;
        Self::one(p, &n.data, Transfer::from_row)
    }

    // ---- public ----

    /// `GET ticker/{symbol}` (funding layout, FRR first).
    pub async fn ticker(&self, symbol: &str) -> Result<FundingTicker, Error> {
        let p = format!("ticker/{symbol}");
        let v = self.public(&p, &[], Family::Tickers).await?;
        let mut t = Self::one(&p, &v, FundingTicker::from_row)?;
        t.symbol.get_or_insert_with(|| symbol.to_owned());
        Ok(t)
    }

    /// `GET ticker/t{PAIR}` (trading layout): the last price, e.g. `tBTCUSD` → USD per BTC.
    /// Used to convert the 150 USD minimum into other currencies.
    pub async fn last_price(&self, pair: &str) -> Result<Decimal, Error> {
        let p = format!("ticker/{pair}");
        let v = self.public(&p, &[], Family::Tickers).await?;
        // [BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE, DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH, LOW]
        Row::of(&v)
            .and_then(|r| r.dec(6))
            .ok_or_else(|| Error::Decode {
                endpoint: p.clone(),
                snippet: snippet(v.to_string().as_bytes()),
            })
    }

    /// `GET tickers?symbols=...`.
    pub async fn tickers(&self, symbols: &[&str]) -> Result<Vec<FundingTicker>, Error> {
        let p = "tickers";
        let v = self
            .public(p, &[("symbols", symbols.join(","))], Family::Tickers)
            .await?;
        Self::rows(p, &v, FundingTicker::from_row)
    }

    /// `GET book/{symbol}/{P0..P4}?len=`: aggregated levels.
    pub async fn book(
        &self,
        symbol: &str,
        precision: u8,
        len: Option<u32>,
    ) -> Result<Vec<BookLevel>, Error> {
        if precision > 4 {
            return Err(Error::Refused("book precision is P0–P4".into()));
        }
        let p = format!("book/{symbol}/P{precision}");
        let q: Vec<_> = len.map(|l| ("len", l.to_string())).into_iter().collect();
        let v = self.public(&p, &q, Family::Book).await?;
        Self::rows(&p, &v, BookLevel::from_row)
    }

    /// `GET book/{symbol}/R0?len=`: every offer and bid.
    pub async fn raw_book(
        &self,
        symbol: &str,
        len: Option<u32>,
    ) -> Result<Vec<RawBookEntry>, Error> {
        let p = format!("book/{symbol}/R0");
        let q: Vec<_> = len.map(|l| ("len", l.to_string())).into_iter().collect();
        let v = self.public(&p, &q, Family::Book).await?;
        Self::rows(&p, &v, RawBookEntry::from_row)
    }

    /// `GET trades/{symbol}/hist` (newest first unless `sort` = 1).
    pub async fn trades(
        &self,
        symbol: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
        sort: Option<i8>,
    ) -> Result<Vec<PublicTrade>, Error> {
        let p = format!("trades/{symbol}/hist");
        let q = query(limit, start, end, sort);
        let v = self.public(&p, &q, Family::Trades).await?;
        Self::rows(&p, &v, PublicTrade::from_row)
    }

    /// `GET candles/{key}/hist` (e.g. key `trade:1m:fUSD:a30:p2:p30` or `trade:1h:fUSD:p30`).
    pub async fn candles(
        &self,
        key: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
        sort: Option<i8>,
    ) -> Result<Vec<Candle>, Error> {
        let p = format!("candles/{key}/hist");
        let v = self
            .public(&p, &query(limit, start, end, sort), Family::Candles)
            .await?;
        Self::rows(&p, &v, Candle::from_row)
    }

    /// `GET candles/{key}/last`.
    pub async fn last_candle(&self, key: &str) -> Result<Option<Candle>, Error> {
        let p = format!("candles/{key}/last");
        let v = self.public(&p, &[], Family::Candles).await?;
        match &v {
            Value::Array(a) if a.is_empty() => Ok(None),
            _ => Self::one(&p, &v, Candle::from_row).map(Some),
        }
    }

    /// `GET funding/stats/{symbol}/hist`.
    pub async fn funding_stats(
        &self,
        symbol: &str,
        limit: Option<u32>,
        start: Option<i64>,
        end: Option<i64>,
    ) -> Result<Vec<FundingStat>, Error> {
        let p = format!("funding/stats/{symbol}/hist");
        let v = self
            .public(&p, &query(limit, start, end, None), Family::Stats)
            .await?;
        Self::rows(&p, &v, FundingStat::from_row)
    }

    /// `GET platform/status`: `Ok(())` when operative, [`Error::Maintenance`] when not.
    pub async fn platform_status(&self) -> Result<(), Error> {
        let p = "platform/status";
        let v = self.public(p, &[], Family::Status).await?;
        match Row::of(&v).and_then(|r| r.i64(0)) {
            Some(1) => Ok(()),
            Some(_) => Err(Error::Maintenance),
            None => Err(Error::Decode {
                endpoint: p.into(),
                snippet: snippet(v.to_string().as_bytes()),
            }),
        }
    }
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
