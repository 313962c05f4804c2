//! What the engine needs from an exchange, as a trait: the real Bitfinex client (through
//! `bfx`) and `bfx-sim` are both reached through it, with the same HTTP API.

use std::future::Future;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{Credit, MarketSnapshot, OfferId, OfferKind, PublicPrint};
use crate::planner::DesiredOffer;

/// A funding wallet as the exchange reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingWallet {
    /// Currency (`USD`, `UST`, `BTC`, ...).
    pub currency: String,
    /// Total balance.
    pub balance: Decimal,
    /// Available to offer; `None` when the exchange did not say (Bitfinex leaves it `null`
    /// until it has computed it).
    pub available: Option<Decimal>,
}

/// An offer's state on the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OfferStatus {
    /// On the book (possibly partially filled).
    Active,
    /// Fully filled.
    Executed,
    /// Cancelled.
    Canceled,
}

/// A funding offer as the exchange reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeOffer {
    /// Exchange id.
    pub id: OfferId,
    /// Currency (`USD`, not `fUSD`).
    pub currency: String,
    /// Amount still on offer.
    pub amount: Decimal,
    /// Amount when placed.
    pub amount_orig: Decimal,
    /// Daily rate (offset for FRR offers).
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Pricing kind.
    pub kind: OfferKind,
    /// Hidden flag.
    pub hidden: bool,
    /// When created (UTC ms).
    pub created_mts: i64,
    /// State.
    pub status: OfferStatus,
    /// Fields the exchange left out or sent unreadable (`rate`, `period`, ...): their values
    /// above are placeholders and must not be acted on.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// A credit with its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyCredit {
    /// Currency.
    pub currency: String,
    /// The credit.
    pub credit: Credit,
}

/// What went wrong talking to the exchange, as the engine acts on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExchangeError {
    /// Wrong key or secret, revoked key, or key not confirmed.
    #[error("the API key was refused: {0}")]
    InvalidKey(String),
    /// The key lacks a permission.
    #[error("the API key lacks a permission: {0}")]
    PermissionDenied(String),
    /// Another program uses the same key.
    #[error("{0}")]
    Nonce(String),
    /// Slow down.
    #[error("rate limited; retry in {} s", retry_after.as_secs())]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// Maintenance.
    #[error("Bitfinex is in maintenance")]
    Maintenance,
    /// The exchange refused the request (nothing changed).
    #[error("refused by Bitfinex: {0}")]
    Rejected(String),
    /// The request did not reach the exchange (connect failed, DNS, ...): nothing changed.
    #[error("network problem: {0}")]
    Transport(String),
    /// A write whose outcome is unknown (timeout, lost response).
    #[error("no answer to a write; its outcome is unknown: {0}")]
    Unknown(String),
    /// The answer could not be understood.
    #[error("unexpected answer from Bitfinex: {0}")]
    Decode(String),
}

impl ExchangeError {
    /// What went wrong, in a few words for the user; the details (which can carry an HTTP
    /// library's text or part of an answer) belong in the log.
    pub fn user_reason(&self) -> &'static str {
        match self {
            Self::InvalidKey(_) => "the API key was refused",
            Self::PermissionDenied(_) => "the API key lacks a permission",
            Self::Nonce(_) => "requests out of order: another program uses the key",
            Self::RateLimited { .. } => "Bitfinex asked to slow down",
            Self::Maintenance => "Bitfinex is in maintenance",
            Self::Rejected(_) => "Bitfinex answered with an error",
            Self::Transport(_) => "no connection to Bitfinex",
            Self::Unknown(_) => "no answer in time",
            Self::Decode(_) => "an answer that could not be read",
        }
    }
}

/// The operations the engine uses. Implementations must never borrow, transfer or withdraw.
pub trait Exchange: Send + Sync {
    /// Funding wallets of every currency.
    fn funding_wallets(
        &self,
    ) -> impl Future<Output = Result<Vec<FundingWallet>, ExchangeError>> + Send;
    /// All active funding offers of the account (ours and manual ones).
    fn active_offers(
        &self,
    ) -> impl Future<Output = Result<Vec<ExchangeOffer>, ExchangeError>> + Send;
    /// Closed offers of a currency since `since_mts` (for reconciliation).
    fn offer_history(
        &self,
        currency: &str,
        since_mts: i64,
    ) -> impl Future<Output = Result<Vec<ExchangeOffer>, ExchangeError>> + Send;
    /// Active credits (money lent) of every currency.
    fn credits(&self) -> impl Future<Output = Result<Vec<CurrencyCredit>, ExchangeError>> + Send;
    /// The book, FRR and USD price of a currency.
    fn market(
        &self,
        currency: &str,
    ) -> impl Future<Output = Result<MarketSnapshot, ExchangeError>> + Send;
    /// Public funding trades of a currency from `since_mts` on, oldest first (one page: at most
    /// the exchange's page size).
    fn public_trades(
        &self,
        currency: &str,
        since_mts: i64,
    ) -> impl Future<Output = Result<Vec<PublicPrint>, ExchangeError>> + Send;
    /// The rate of the last public funding trade of each currency (one call for all: the
    /// between-cycles spike watch). A currency without a trade is left out.
    fn last_rates(
        &self,
        currencies: &[String],
    ) -> impl Future<Output = Result<Vec<(String, Decimal)>, ExchangeError>> + Send;
    /// Submits a lending offer (amount > 0 only).
    fn submit_offer(
        &self,
        currency: &str,
        offer: &DesiredOffer,
    ) -> impl Future<Output = Result<ExchangeOffer, ExchangeError>> + Send;
    /// Cancels an offer.
    fn cancel_offer(&self, id: OfferId) -> impl Future<Output = Result<(), ExchangeError>> + Send;
}

/// A source of the current time (UTC ms): the system clock live, the simulator's in replays.
pub trait Clock: Send + Sync {
    /// Now, in UTC milliseconds.
    fn now_mts(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_mts(&self) -> i64 {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}
