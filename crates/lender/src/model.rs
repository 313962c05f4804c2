//! Domain types the planner works with.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An exchange offer id.
pub type OfferId = i64;

/// The exchange's rules for funding offers, as data (they have changed before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRules {
    /// Smallest offer, in USD-equivalent (Bitfinex: 150).
    pub min_offer_usd: Decimal,
    /// Safety margin added on top of the minimum (exactly 150 has been refused for UST).
    pub min_offer_margin: Decimal,
    /// Shortest period in days (2).
    pub min_period: u32,
    /// Longest period in days (120).
    pub max_period: u32,
}

impl Default for ExchangeRules {
    fn default() -> Self {
        Self {
            min_offer_usd: dec!(150),
            min_offer_margin: dec!(0.01),
            min_period: 2,
            max_period: 120,
        }
    }
}

/// How an offer is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum OfferKind {
    /// A fixed daily rate.
    Limit,
    /// Follows the Flash Return Rate plus a non-negative offset (rate field = offset).
    FrrDeltaVar,
}

/// One of the user's offers on the book that this app created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnOffer {
    /// Exchange id.
    pub id: OfferId,
    /// Amount still on offer (positive).
    pub amount: Decimal,
    /// Original amount when placed.
    pub amount_orig: Decimal,
    /// Daily rate (for `FrrDeltaVar`, the offset).
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Pricing kind.
    pub kind: OfferKind,
    /// Hidden from the public book.
    pub hidden: bool,
    /// When it was placed (UTC ms).
    pub created_mts: i64,
}

/// A loan the user has made that a borrower is using (or holding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// Exchange id.
    pub id: i64,
    /// Amount lent.
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// When it started (UTC ms).
    pub opened_mts: i64,
}

/// One lender offer in the public funding book (raw book, `R0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookOffer {
    /// Exchange id (used to leave our own offers out of the depth).
    pub id: OfferId,
    /// Daily rate.
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Amount (positive: lenders' offers).
    pub amount: Decimal,
}

/// The market for one funding currency at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSnapshot {
    /// Flash Return Rate (daily), if known.
    pub frr: Option<Decimal>,
    /// Lenders' offers (asks), any order.
    pub asks: Vec<BookOffer>,
    /// Price of one unit in USD (1 for USD; the ticker for BTC/ETH).
    pub usd_price: Decimal,
    /// The rate of the last funding trade (daily), if known: a second source, besides the book
    /// and FRR, that rates are checked against.
    #[serde(default)]
    pub last_rate: Option<Decimal>,
    /// The amount of FRR offers waiting at FRR (the ticker's `FRR_AMOUNT_AVAILABLE`): the line a
    /// new FRR offer joins the back of. Recorded for the calibrated Auto-Renew figure.
    #[serde(default)]
    pub frr_line: Option<Decimal>,
}

/// One public funding trade (`trades/{fSYM}/hist`), as the calibrated Auto-Renew figure reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPrint {
    /// When (UTC ms).
    pub mts: i64,
    /// Amount (positive, whichever side took).
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
}

/// The funding wallet of one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingBalance {
    /// Total balance (idle + on offer + lent).
    pub total: Decimal,
    /// Available to offer now (not on offer, not lent).
    pub available: Decimal,
}

/// Why the engine is not placing offers at all right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Halt {
    /// The user paused lending (or a new key has not been started yet).
    Paused,
    /// The key was refused, revoked or lost a permission.
    KeyProblem,
    /// Bitfinex asked us to slow down; waiting it out.
    RateLimited,
    /// Bitfinex is in maintenance.
    Maintenance,
    /// Another program (or computer) lends with the same key; the user must choose one.
    AnotherEngine,
    /// The local database cannot be written (disk full, read-only): nothing is sent that
    /// could not be recorded.
    Storage,
}
