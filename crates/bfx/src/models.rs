//! Typed models of every array layout the client reads (reference §2–§3), and the requests
//! it writes.
//!
//! Each model has a `from_row` that decodes Bitfinex's positional array: it tolerates `null`s
//! and missing or extra trailing fields and returns `None` only when a field the model cannot
//! do without is missing. Amounts and rates are exact [`Decimal`]s (parsed from the number's
//! text, never through `f64`); timestamps are UTC milliseconds (`i64`).

use rust_decimal::Decimal;
use serde_json::Value;

use crate::wire::Row;

/// One row of `POST /v2/auth/r/permissions`: `[SCOPE, READ, WRITE]`. Unknown scopes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// Scope name (`funding`, `wallets`, `withdraw`, ... or any new one).
    pub scope: String,
    /// Read allowed.
    pub read: bool,
    /// Write allowed.
    pub write: bool,
}

impl Permission {
    /// Decodes `[SCOPE, READ, WRITE]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            scope: r.string(0)?,
            read: r.flag(1),
            write: r.flag(2),
        })
    }
}

/// A key's permissions (`POST /v2/auth/r/permissions`, [`Client::permissions`]), with the
/// checks the app needs.
///
/// [`Client::permissions`]: crate::Client::permissions
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Permissions(pub Vec<Permission>);

impl Permissions {
    /// True if `scope` has read (or write, when `write`) allowed. Unknown scopes are `false`.
    pub fn can(&self, scope: &str, write: bool) -> bool {
        self.0
            .iter()
            .any(|p| p.scope == scope && if write { p.write } else { p.read })
    }

    /// True if `scope` may be read.
    pub fn can_read(&self, scope: &str) -> bool {
        self.can(scope, false)
    }

    /// True if `scope` may be written.
    pub fn can_write(&self, scope: &str) -> bool {
        self.can(scope, true)
    }

    /// The scope's row, if Bitfinex listed it.
    pub fn get(&self, scope: &str) -> Option<&Permission> {
        self.0.iter().find(|p| p.scope == scope)
    }

    /// Every scope whose name contains `withdraw` (`withdraw`, `ui_withdraw`,
    /// `eaas_withdraw`, any future one) with read or write set. The app refuses a key for
    /// which this is not empty.
    pub fn withdraw_scopes(&self) -> Vec<&Permission> {
        self.0
            .iter()
            .filter(|p| p.scope.to_ascii_lowercase().contains("withdraw") && (p.read || p.write))
            .collect()
    }
}

/// A row of `POST /v2/auth/r/wallets`:
/// `[TYPE, CURRENCY, BALANCE, UNSETTLED_INTEREST, AVAILABLE, LAST_CHANGE, DETAILS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    /// `exchange`, `margin` or `funding`.
    pub wallet_type: String,
    /// Currency (`USD`, `UST`, `BTC`, ...).
    pub currency: String,
    /// Total balance.
    pub balance: Decimal,
    /// Interest not yet settled.
    pub unsettled_interest: Decimal,
    /// Available balance (may be `null` on Bitfinex until computed).
    pub available: Option<Decimal>,
    /// Description of the last change.
    pub last_change: Option<String>,
}

/// The wallet type lending works from.
pub const FUNDING_WALLET: &str = "funding";

impl Wallet {
    /// True for the funding wallet (the one offers lend from).
    pub fn is_funding(&self) -> bool {
        self.wallet_type == FUNDING_WALLET
    }

    /// Decodes a wallet row.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            wallet_type: r.string(0)?,
            currency: r.string(1)?,
            balance: r.dec(2).unwrap_or_default(),
            unsettled_interest: r.dec(3).unwrap_or_default(),
            available: r.dec(4),
            last_change: r.string(5),
        })
    }
}

/// `POST /v2/auth/r/info/user` (55 fields): the ones the app shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// Account id.
    pub id: i64,
    /// E-mail.
    pub email: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// Account creation (UTC ms).
    pub created_mts: Option<i64>,
    /// Verified account.
    pub verified: bool,
    /// Verification level.
    pub verification_level: Option<i64>,
    /// Time zone.
    pub timezone: Option<String>,
}

impl UserInfo {
    /// Decodes `[ID, EMAIL, USERNAME, MTS_ACCOUNT_CREATE, VERIFIED, VERIFICATION_LEVEL, _, TIMEZONE, ...]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            id: r.i64(0)?,
            email: r.string(1),
            username: r.string(2),
            created_mts: r.i64(3),
            verified: r.flag(4),
            verification_level: r.i64(5),
            timezone: r.string(7),
        })
    }
}

/// The hidden-offer flag of `POST /v2/auth/w/funding/offer/submit` (and of offer rows).
pub const FLAG_HIDDEN: i64 = 64;

/// A funding offer (21 fields, reference §3.3), from `POST /v2/auth/r/funding/offers`,
/// `.../offers/hist`, and the notifications of `auth/w/funding/offer/submit` and `.../cancel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingOffer {
    /// Offer id.
    pub id: i64,
    /// Symbol (`fUSD`).
    pub symbol: String,
    /// Created (UTC ms).
    pub mts_created: i64,
    /// Updated (UTC ms).
    pub mts_updated: i64,
    /// Amount left on offer (> 0 for lending offers).
    pub amount: Decimal,
    /// Original amount.
    pub amount_orig: Decimal,
    /// `LIMIT`, `FRRDELTAVAR`, `FRRDELTAFIX`.
    pub offer_type: String,
    /// Flags (64 = hidden).
    pub flags: i64,
    /// `ACTIVE`, `PARTIALLY FILLED`, `EXECUTED`, `CANCELED` (may carry details after).
    pub status: String,
    /// Daily rate (for FRR offers, the offset).
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Notify flag.
    pub notify: bool,
    /// Hidden.
    pub hidden: bool,
    /// Auto-renew.
    pub renew: bool,
    /// Fields the exchange left out or sent in a form that could not be read (`rate`,
    /// `period`, ...): their values above are placeholders, never to be acted on.
    pub unreadable: Vec<&'static str>,
}

impl FundingOffer {
    /// Decodes an offer array. The id, symbol and amount are required; any other field
    /// missing is named in [`FundingOffer::unreadable`].
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        let flags = r.i64(9).unwrap_or(0);
        let unreadable = [
            ("created time", r.i64(2).is_none()),
            ("original amount", r.dec(5).is_none()),
            ("type", r.str(6).is_none()),
            ("status", r.str(10).is_none()),
            ("rate", r.dec(14).is_none()),
            ("period", r.u32(15).is_none_or(|p| p == 0)),
        ]
        .into_iter()
        .filter_map(|(name, bad)| bad.then_some(name))
        .collect();
        Some(Self {
            unreadable,
            id: r.i64(0)?,
            symbol: r.string(1)?,
            mts_created: r.i64(2).unwrap_or(0),
            mts_updated: r.i64(3).unwrap_or(0),
            amount: r.dec(4)?,
            amount_orig: r.dec(5).unwrap_or_default(),
            offer_type: r.string(6).unwrap_or_default(),
            flags,
            status: r.string(10).unwrap_or_default(),
            rate: r.dec(14).unwrap_or_default(),
            period: r.u32(15).unwrap_or(0),
            notify: r.flag(16),
            hidden: r.flag(17) || flags & FLAG_HIDDEN != 0,
            renew: r.flag(19),
        })
    }

    /// The status's first word(s) before any detail (`EXECUTED at 0.01% (150.0)` → `EXECUTED`).
    pub fn status_kind(&self) -> &str {
        ["PARTIALLY FILLED", "ACTIVE", "EXECUTED", "CANCELED"]
            .into_iter()
            .find(|s| self.status.starts_with(s))
            .unwrap_or(self.status.as_str())
    }
}

/// A funding credit (22 fields, `POST /v2/auth/r/funding/credits[/hist]`) or loan (21
/// fields, `POST /v2/auth/r/funding/loans[/hist]`), reference §3.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingCredit {
    /// Credit id (the id `auth/w/funding/close` takes).
    pub id: i64,
    /// Symbol.
    pub symbol: String,
    /// 1 = we lend, 0 = both, −1 = we borrow.
    pub side: i64,
    /// Created (UTC ms).
    pub mts_create: i64,
    /// Updated (UTC ms).
    pub mts_update: i64,
    /// Amount.
    pub amount: Decimal,
    /// Flags.
    pub flags: i64,
    /// Status (`ACTIVE`, ...).
    pub status: String,
    /// `FIXED` or `VAR`.
    pub rate_type: Option<String>,
    /// Daily rate.
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
    /// Opened (UTC ms).
    pub mts_opening: i64,
    /// Last payout (UTC ms).
    pub mts_last_payout: Option<i64>,
    /// Hidden.
    pub hidden: bool,
    /// Auto-renew.
    pub renew: bool,
    /// Cannot be closed early.
    pub no_close: bool,
    /// The position pair it funds (credits only).
    pub position_pair: Option<String>,
}

impl FundingCredit {
    /// Decodes a credit (22 fields) or loan (21 fields) array.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            id: r.i64(0)?,
            symbol: r.string(1)?,
            side: r.i64(2).unwrap_or(0),
            mts_create: r.i64(3).unwrap_or(0),
            mts_update: r.i64(4).unwrap_or(0),
            amount: r.dec(5)?,
            flags: r.i64(6).unwrap_or(0),
            status: r.string(7).unwrap_or_default(),
            rate_type: r.string(8),
            rate: r.dec(11).unwrap_or_default(),
            period: r.u32(12).unwrap_or(0),
            mts_opening: r.i64(13).unwrap_or(0),
            mts_last_payout: r.i64(14),
            hidden: r.flag(16),
            renew: r.flag(18),
            no_close: r.flag(20),
            position_pair: r.string(21),
        })
    }
}

/// One of the account's funding fills (`POST /v2/auth/r/funding/trades[/{symbol}]/hist`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingTrade {
    /// Trade id.
    pub id: i64,
    /// Symbol.
    pub symbol: String,
    /// When (UTC ms).
    pub mts_create: i64,
    /// The offer that filled.
    pub offer_id: i64,
    /// Amount (positive: we lent).
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period.
    pub period: u32,
    /// Maker (when reported).
    pub maker: Option<bool>,
}

impl FundingTrade {
    /// Decodes `[ID, CURRENCY, MTS_CREATE, OFFER_ID, AMOUNT, RATE, PERIOD, MAKER?]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            id: r.i64(0)?,
            symbol: r.string(1)?,
            mts_create: r.i64(2)?,
            offer_id: r.i64(3).unwrap_or(0),
            amount: r.dec(4)?,
            rate: r.dec(5)?,
            period: r.u32(6).unwrap_or(0),
            maker: r.value(7).map(|_| r.flag(7)),
        })
    }
}

/// Ledger `category` of margin-funding interest payments (`POST /v2/auth/r/ledgers/.../hist`).
pub const LEDGER_INTEREST: i64 = 28;

/// A row of `POST /v2/auth/r/ledgers[/{currency}]/hist` (reference §3.6). Interest paid to
/// a lender: wallet `funding`, category 28, description
/// `Margin Funding Payment on wallet funding`, amount > 0 (net of Bitfinex's fee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Ledger id.
    pub id: i64,
    /// Currency.
    pub currency: String,
    /// Wallet (`funding`, ...), if reported.
    pub wallet: Option<String>,
    /// When (UTC ms).
    pub mts: i64,
    /// Amount (positive: credited).
    pub amount: Decimal,
    /// Balance after.
    pub balance: Decimal,
    /// Description.
    pub description: String,
}

impl LedgerEntry {
    /// Decodes `[ID, CURRENCY, WALLET, MTS, _, AMOUNT, BALANCE, _, DESCRIPTION]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            id: r.i64(0)?,
            currency: r.string(1)?,
            wallet: r.string(2),
            mts: r.i64(3)?,
            amount: r.dec(5)?,
            balance: r.dec(6).unwrap_or_default(),
            description: r.string(8).unwrap_or_default(),
        })
    }
}

/// `POST /v2/auth/r/info/funding/{symbol}`: average yields and durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingInfo {
    /// Symbol.
    pub symbol: String,
    /// Average yield on loans taken.
    pub yield_loan: Decimal,
    /// Average yield on funds lent.
    pub yield_lend: Decimal,
    /// Average duration of loans taken.
    pub duration_loan: Decimal,
    /// Average duration of funds lent.
    pub duration_lend: Decimal,
}

impl FundingInfo {
    /// Decodes `["sym", SYMBOL, [YIELD_LOAN, YIELD_LEND, DURATION_LOAN, DURATION_LEND]]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        let inner = Row::of(r.value(2)?)?;
        Some(Self {
            symbol: r.string(1)?,
            yield_loan: inner.dec(0).unwrap_or_default(),
            yield_lend: inner.dec(1).unwrap_or_default(),
            duration_loan: inner.dec(2).unwrap_or_default(),
            duration_lend: inner.dec(3).unwrap_or_default(),
        })
    }
}

/// Auto-renew settings: the data of `POST /v2/auth/w/funding/auto`'s `fa-req` notification,
/// and (same layout assumed) `POST /v2/auth/r/funding/auto/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRenew {
    /// Currency.
    pub currency: String,
    /// Period in days.
    pub period: u32,
    /// Daily rate (0 = FRR).
    pub rate: Decimal,
    /// Most to renew (0 = everything).
    pub threshold: Decimal,
}

impl AutoRenew {
    /// Decodes `[CURRENCY, PERIOD, RATE, THRESHOLD]` (the status layout is not documented
    /// by Bitfinex; this is the `fa-req` data layout).
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            currency: r.string(0)?,
            period: r.u32(1).unwrap_or(0),
            rate: r.dec(2).unwrap_or_default(),
            threshold: r.dec(3).unwrap_or_default(),
        })
    }
}

/// A transfer between the user's own wallets: the data of `POST /v2/auth/w/transfer`'s
/// `acc_tf` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// When (UTC ms).
    pub mts: i64,
    /// From wallet.
    pub wallet_from: String,
    /// To wallet.
    pub wallet_to: String,
    /// Currency.
    pub currency: String,
    /// Currency after conversion.
    pub currency_to: Option<String>,
    /// Amount.
    pub amount: Decimal,
}

impl Transfer {
    /// Decodes `[MTS, WALLET_FROM, WALLET_TO, _, CURRENCY, CURRENCY_TO, _, AMOUNT]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            mts: r.i64(0).unwrap_or(0),
            wallet_from: r.string(1)?,
            wallet_to: r.string(2)?,
            currency: r.string(4)?,
            currency_to: r.string(5),
            amount: r.dec(7)?,
        })
    }
}

/// The envelope of every `POST /v2/auth/w/*` answer:
/// `[MTS, TYPE, MESSAGE_ID, _, DATA, CODE, STATUS, TEXT]`, parsed once for success and
/// rejection alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// When (UTC ms).
    pub mts: i64,
    /// Type (`fon-req`, `foc-req`, `fa-req`, `acc_tf`, ...).
    pub kind: String,
    /// Message id.
    pub message_id: Option<i64>,
    /// The data (unwrapped when it is an array holding one array).
    pub data: Value,
    /// Code.
    pub code: Option<i64>,
    /// `SUCCESS`, `ERROR`, `FAILURE`, ...
    pub status: String,
    /// Text.
    pub text: String,
}

impl Notification {
    /// Decodes the envelope; `None` unless it has a type and a status. A `DATA` that is an
    /// array holding exactly one array is unwrapped.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        let mut data = r.value(4).cloned().unwrap_or(Value::Null);
        if let Value::Array(a) = &data
            && a.len() == 1
            && a[0].is_array()
        {
            data = a[0].clone();
        }
        Some(Self {
            mts: r.i64(0).unwrap_or(0),
            kind: r.string(1)?,
            message_id: r.i64(2),
            data,
            code: r.i64(5),
            status: r.string(6)?,
            text: r.string(7).unwrap_or_default(),
        })
    }

    /// True unless the status is `ERROR` or `FAILURE` (a rejection: nothing was applied).
    pub fn is_success(&self) -> bool {
        !matches!(self.status.as_str(), "ERROR" | "FAILURE")
    }
}

/// A funding ticker from `GET /v2/ticker/{symbol}` or `GET /v2/tickers` (reference §3.1):
/// FRR first, then bid, bid period, bid size, ask, ask period, ask size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingTicker {
    /// Symbol, when the answer carried it (`tickers`).
    pub symbol: Option<String>,
    /// Flash Return Rate (daily).
    pub frr: Decimal,
    /// Best bid rate.
    pub bid: Decimal,
    /// Best bid period.
    pub bid_period: u32,
    /// Bid size.
    pub bid_size: Decimal,
    /// Best ask rate.
    pub ask: Decimal,
    /// Best ask period.
    pub ask_period: u32,
    /// Ask size.
    pub ask_size: Decimal,
    /// Daily change.
    pub daily_change: Decimal,
    /// Daily change, relative.
    pub daily_change_relative: Decimal,
    /// Last traded rate.
    pub last_price: Decimal,
    /// Volume.
    pub volume: Decimal,
    /// High.
    pub high: Decimal,
    /// Low.
    pub low: Decimal,
    /// Funding available at FRR.
    pub frr_amount_available: Option<Decimal>,
}

impl FundingTicker {
    /// Decodes `ticker/fSYM` (no symbol) or a `tickers` row (symbol first).
    pub fn from_row(v: &Value) -> Option<Self> {
        let a = v.as_array()?;
        let (symbol, rest) = match a.first() {
            Some(Value::String(s)) => (Some(s.clone()), &a[1..]),
            _ => (None, &a[..]),
        };
        let r = Row(rest);
        Some(Self {
            symbol,
            frr: r.dec(0)?,
            bid: r.dec(1).unwrap_or_default(),
            bid_period: r.u32(2).unwrap_or(0),
            bid_size: r.dec(3).unwrap_or_default(),
            ask: r.dec(4).unwrap_or_default(),
            ask_period: r.u32(5).unwrap_or(0),
            ask_size: r.dec(6).unwrap_or_default(),
            daily_change: r.dec(7).unwrap_or_default(),
            daily_change_relative: r.dec(8).unwrap_or_default(),
            last_price: r.dec(9).unwrap_or_default(),
            volume: r.dec(10).unwrap_or_default(),
            high: r.dec(11).unwrap_or_default(),
            low: r.dec(12).unwrap_or_default(),
            frr_amount_available: r.dec(15),
        })
    }
}

/// An aggregated funding book level from `GET /v2/book/{symbol}/P0`–`P4`: amount > 0 is a
/// lender's offer (ask), < 0 a borrower's bid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookLevel {
    /// Daily rate.
    pub rate: Decimal,
    /// Period.
    pub period: u32,
    /// Number of offers.
    pub count: u32,
    /// Amount (sign = side).
    pub amount: Decimal,
}

impl BookLevel {
    /// Decodes `[RATE, PERIOD, COUNT, AMOUNT]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            rate: r.dec(0)?,
            period: r.u32(1)?,
            count: r.u32(2).unwrap_or(0),
            amount: r.dec(3)?,
        })
    }
}

/// One offer or bid of the raw funding book, `GET /v2/book/{symbol}/R0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBookEntry {
    /// Offer id.
    pub offer_id: i64,
    /// Period.
    pub period: u32,
    /// Daily rate.
    pub rate: Decimal,
    /// Amount (sign = side).
    pub amount: Decimal,
}

impl RawBookEntry {
    /// Decodes `[OFFER_ID, PERIOD, RATE, AMOUNT]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            offer_id: r.i64(0)?,
            period: r.u32(1)?,
            rate: r.dec(2)?,
            amount: r.dec(3)?,
        })
    }
}

/// A public funding trade from `GET /v2/trades/{symbol}/hist`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicTrade {
    /// Trade id.
    pub id: i64,
    /// When (UTC ms).
    pub mts: i64,
    /// Amount (sign = taker side).
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period.
    pub period: u32,
}

impl PublicTrade {
    /// Decodes `[ID, MTS, AMOUNT, RATE, PERIOD]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            id: r.i64(0)?,
            mts: r.i64(1)?,
            amount: r.dec(2)?,
            rate: r.dec(3)?,
            period: r.u32(4).unwrap_or(0),
        })
    }
}

/// A funding candle from `GET /v2/candles/{key}/hist` or `.../last`. Note Bitfinex's order:
/// open, **close**, high, low.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candle {
    /// Start (UTC ms).
    pub mts: i64,
    /// Opening rate.
    pub open: Decimal,
    /// Closing rate.
    pub close: Decimal,
    /// Highest rate.
    pub high: Decimal,
    /// Lowest rate.
    pub low: Decimal,
    /// Volume.
    pub volume: Decimal,
}

impl Candle {
    /// Decodes `[MTS, OPEN, CLOSE, HIGH, LOW, VOLUME]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            mts: r.i64(0)?,
            open: r.dec(1)?,
            close: r.dec(2)?,
            high: r.dec(3)?,
            low: r.dec(4)?,
            volume: r.dec(5).unwrap_or_default(),
        })
    }
}

/// Hourly funding statistics from `GET /v2/funding/stats/{symbol}/hist`. Bitfinex reports
/// FRR here as FRR ÷ 365.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingStat {
    /// When (UTC ms).
    pub mts: i64,
    /// FRR ÷ 365, as reported.
    pub frr_div_365: Decimal,
    /// Average period.
    pub avg_period: Decimal,
    /// Funding offered.
    pub funding_amount: Decimal,
    /// Funding used.
    pub funding_amount_used: Decimal,
    /// Offers below 0.75 %.
    pub funding_below_threshold: Decimal,
}

impl FundingStat {
    /// Decodes `[MTS, _, _, FRR, AVG_PERIOD, _, _, AMOUNT, AMOUNT_USED, _, _, BELOW_THRESHOLD]`.
    pub fn from_row(v: &Value) -> Option<Self> {
        let r = Row::of(v)?;
        Some(Self {
            mts: r.i64(0)?,
            frr_div_365: r.dec(3).unwrap_or_default(),
            avg_period: r.dec(4).unwrap_or_default(),
            funding_amount: r.dec(7).unwrap_or_default(),
            funding_amount_used: r.dec(8).unwrap_or_default(),
            funding_below_threshold: r.dec(11).unwrap_or_default(),
        })
    }

    /// The FRR as a daily rate (× 365).
    pub fn frr_daily(&self) -> Decimal {
        self.frr_div_365 * Decimal::from(365)
    }
}

/// The `type` of `POST /v2/auth/w/funding/offer/submit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferType {
    /// Fixed rate.
    Limit,
    /// Floats with FRR; `rate` is the offset (≥ 0); offset 0 = an FRR offer.
    FrrDeltaVar,
    /// FRR + offset at creation.
    FrrDeltaFix,
}

impl OfferType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Limit => "LIMIT",
            Self::FrrDeltaVar => "FRRDELTAVAR",
            Self::FrrDeltaFix => "FRRDELTAFIX",
        }
    }
}

/// A lending offer to submit with `POST /v2/auth/w/funding/offer/submit`
/// ([`Client::submit_funding_offer`]).
///
/// [`Client::submit_funding_offer`]: crate::Client::submit_funding_offer
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    /// Pricing.
    pub offer_type: OfferType,
    /// Symbol (`fUSD`).
    pub symbol: String,
    /// Amount; must be > 0 (the client refuses anything else: we never borrow).
    pub amount: Decimal,
    /// Daily rate, or the FRR offset.
    pub rate: Decimal,
    /// Period, 2–120 days.
    pub period: u32,
    /// Hidden from the public book.
    pub hidden: bool,
}

impl NewOffer {
    /// Checks the offer before anything is sent: amount > 0 (lending only, we never
    /// borrow), period 2–120 days, a funding symbol (`f` + currency), and a rate that fits
    /// the type (`LIMIT` > 0, `FRRDELTAVAR` offset ≥ 0, `FRRDELTAFIX` any offset).
    pub fn validate(&self) -> Result<(), crate::Error> {
        let refuse = |m: String| Err(crate::Error::Refused(m));
        if self.amount <= Decimal::ZERO {
            return refuse(format!(
                "amount must be positive (lending only), got {}",
                self.amount
            ));
        }
        if !(MIN_PERIOD..=MAX_PERIOD).contains(&self.period) {
            return refuse(format!(
                "period must be {MIN_PERIOD}–{MAX_PERIOD} days, got {}",
                self.period
            ));
        }
        let cur = self.symbol.strip_prefix('f').unwrap_or("");
        if cur.is_empty() || !cur.chars().all(|c| c.is_ascii_alphanumeric()) {
            return refuse(format!(
                "{:?} is not a funding symbol (like fUSD)",
                self.symbol
            ));
        }
        match self.offer_type {
            OfferType::Limit if self.rate <= Decimal::ZERO => refuse(format!(
                "a LIMIT offer needs a rate above 0, got {}",
                self.rate
            )),
            OfferType::FrrDeltaVar if self.rate < Decimal::ZERO => refuse(format!(
                "an FRRDELTAVAR offset cannot be negative, got {}",
                self.rate
            )),
            _ => Ok(()),
        }
    }
}

/// Shortest offer period Bitfinex accepts, in days.
pub const MIN_PERIOD: u32 = 2;
/// Longest offer period Bitfinex accepts, in days.
pub const MAX_PERIOD: u32 = 120;

/// A funding candle key for `GET /v2/candles/{key}/...`: `trade:{timeframe}:{symbol}:p{period}`
/// (e.g. `trade:1m:fUSD:p30`). Timeframes: `1m 5m 15m 30m 1h 3h 6h 12h 1D 1W 14D 1M`.
pub fn funding_candle_key(timeframe: &str, symbol: &str, period: u32) -> String {
    format!("trade:{timeframe}:{symbol}:p{period}")
}

/// An aggregated funding candle key for `GET /v2/candles/{key}/...`:
/// `trade:{timeframe}:{symbol}:a{aggregation}:p{from}:p{to}` (e.g. `trade:1h:fUSD:a30:p2:p30`,
/// every period from 2 to 30 days; aggregation 10 or 30).
pub fn funding_candle_key_aggregated(
    timeframe: &str,
    symbol: &str,
    aggregation: u32,
    from_period: u32,
    to_period: u32,
) -> String {
    format!("trade:{timeframe}:{symbol}:a{aggregation}:p{from_period}:p{to_period}")
}

/// Auto-renew settings to set with `POST /v2/auth/w/funding/auto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRenewRequest {
    /// On or off.
    pub enabled: bool,
    /// Currency (`USD`).
    pub currency: String,
    /// Most to renew (0 = all).
    pub amount: Decimal,
    /// Daily rate (0 = FRR).
    pub rate: Decimal,
    /// Period in days.
    pub period: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn permissions_sample_with_withdraw_write_only() {
        let v = parse(
            r#"[["account",1,1],["history",1,1],["orders",1,1],["positions",0,0],["funding",1,1],["settings",0,0],["wallets",1,1],["withdraw",0,1],["ui_withdraw",0,0],["bfxpay",0,0],["eaas_agreement",1,0]]"#,
        );
        let p = Permissions(
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| Permission::from_row(r).unwrap())
                .collect(),
        );
        assert!(p.can("funding", true) && p.can("wallets", false));
        assert_eq!(
            p.withdraw_scopes()
                .iter()
                .map(|p| p.scope.as_str())
                .collect::<Vec<_>>(),
            vec!["withdraw"]
        );
        assert_eq!(p.0.len(), 11, "unknown scopes kept");
    }

    #[test]
    fn wallet_sample() {
        let w = Wallet::from_row(&parse(r#"["exchange","UST",19788.65,0,19788.65,"Exchange 2.0 UST for USD @ 11.696",{"reason":"TRADE"}]"#)).unwrap();
        assert_eq!(
            (w.wallet_type.as_str(), w.currency.as_str()),
            ("exchange", "UST")
        );
        assert_eq!(w.balance, d("19788.65"));
        assert_eq!(w.available, Some(d("19788.65")));
        let f = Wallet::from_row(&json!(["funding", "USD", 1000, 0, null, null, null])).unwrap();
        assert_eq!(f.available, None);
    }

    #[test]
    fn offer_sample() {
        let o = FundingOffer::from_row(&parse(r#"[41238747,"fUST",1575026670000,1575026670000,5000,5000,"LIMIT",null,null,0,"ACTIVE",null,null,null,0.006,30,0,0,null,0,null]"#)).unwrap();
        assert_eq!(o.id, 41238747);
        assert_eq!(o.amount, d("5000"));
        assert_eq!(o.rate, d("0.006"));
        assert_eq!(o.period, 30);
        assert!(!o.hidden);
        assert_eq!(o.status_kind(), "ACTIVE");
        let hidden = FundingOffer::from_row(&json!([
            1,
            "fUSD",
            1,
            1,
            150,
            150,
            "LIMIT",
            null,
            null,
            64,
            "EXECUTED at 0.02% (150.0)",
            null,
            null,
            null,
            0.0002,
            2,
            0,
            1,
            null,
            0,
            null,
            "extra"
        ]))
        .unwrap();
        assert!(hidden.hidden);
        assert_eq!(hidden.status_kind(), "EXECUTED");
    }

    #[test]
    fn credit_and_loan() {
        let credit = parse(
            r#"[26222883,"fUSD",1,1574013661000,1574079687000,350,0,"ACTIVE","FIXED",null,null,0.0024,2,1574013661000,1574078487000,0,0,null,0,null,0,"tBTCUSD"]"#,
        );
        let c = FundingCredit::from_row(&credit).unwrap();
        assert_eq!((c.id, c.side, c.period), (26222883, 1, 2));
        assert_eq!(c.rate, d("0.0024"));
        assert_eq!(c.position_pair.as_deref(), Some("tBTCUSD"));
        let loan = json!([
            1, "fUSD", 1, 1, 1, 200, 0, "ACTIVE", "FIXED", null, null, 0.0001, 2, 1, null, 0, 0,
            null, 0, null, 0
        ]);
        assert_eq!(FundingCredit::from_row(&loan).unwrap().position_pair, None);
    }

    #[test]
    fn ledger_sample() {
        let l = LedgerEntry::from_row(&parse(r#"[2531822314,"USD","margin",1573521810000,null,0.01644445,0,null,"Settlement @ 185.79 on wallet margin"]"#)).unwrap();
        assert_eq!(l.amount, d("0.01644445"));
        assert_eq!(l.wallet.as_deref(), Some("margin"));
    }

    #[test]
    fn ticker_samples() {
        let row = parse(
            r#"["fUSD",0.000344704,0.000316,30,1681669.14,0.00033268,2,146425121.01,-0.00001062,-0.0307,0.00033534,157503514.8,0.000347,4e-7,null,null,146212916.17]"#,
        );
        let t = FundingTicker::from_row(&row).unwrap();
        assert_eq!(t.symbol.as_deref(), Some("fUSD"));
        assert_eq!(t.frr, d("0.000344704"));
        assert_eq!((t.bid_period, t.ask_period), (30, 2));
        assert_eq!(t.bid_size, d("1681669.14"));
        assert_eq!(t.low, d("0.0000004"));
        assert_eq!(t.frr_amount_available, Some(d("146212916.17")));
        let no_symbol =
            FundingTicker::from_row(&json!(row.as_array().unwrap()[1..].to_vec())).unwrap();
        assert_eq!(no_symbol.frr, t.frr);
        assert_eq!(no_symbol.symbol, None);
    }

    #[test]
    fn book_samples() {
        let p = BookLevel::from_row(&json!([0.0003301, 30, 1, -3862.874])).unwrap();
        assert_eq!((p.period, p.count), (30, 1));
        assert!(p.amount < Decimal::ZERO);
        let r = RawBookEntry::from_row(&json!([645902785, 30, 0.0003301, -3862.874])).unwrap();
        assert_eq!(r.offer_id, 645902785);
        assert_eq!(r.rate, d("0.0003301"));
    }

    #[test]
    fn trades_candles_stats_info() {
        let t =
            PublicTrade::from_row(&parse("[421418213,1777606784000,500,0.00029452,120]")).unwrap();
        assert_eq!((t.period, t.amount), (120, d("500")));
        let c = Candle::from_row(&json!([1, 0.0001, 0.0002, 0.0003, 0.00005, 1000])).unwrap();
        assert_eq!(
            (c.open, c.close, c.high, c.low),
            (d("0.0001"), d("0.0002"), d("0.0003"), d("0.00005"))
        );
        let s = FundingStat::from_row(&parse("[1678467900000,null,null,0.00000187,68.88,null,null,3230660371.44,2988430006.46,null,null,1447938775.57]")).unwrap();
        assert_eq!(s.frr_daily(), d("0.00068255"));
        let fi = FundingInfo::from_row(&json!(["sym", "fUSD", [0.0001, 0.0002, 10, 2.5]])).unwrap();
        assert_eq!(fi.yield_lend, d("0.0002"));
        let mt = FundingTrade::from_row(&json!([1, "fUSD", 5, 9, 150, 0.0002, 2, 1])).unwrap();
        assert_eq!((mt.offer_id, mt.maker), (9, Some(true)));
    }

    #[test]
    fn notification_envelopes() {
        let ok = Notification::from_row(&json!([
            1575293958819u64,
            "fon-req",
            null,
            null,
            [[
                41238905, "fUSD", 1, 1, 150, 150, "LIMIT", null, null, 0, "ACTIVE", null, null,
                null, 0.0002, 2, 0, 0, null, 0, null
            ]],
            null,
            "SUCCESS",
            "Submitting funding bid of 150.0 USD at 0.02000 for 2 days."
        ]))
        .unwrap();
        assert!(ok.is_success());
        assert_eq!(FundingOffer::from_row(&ok.data).unwrap().id, 41238905);
        let err = Notification::from_row(&json!([
            1,
            "fon-req",
            null,
            null,
            null,
            null,
            "ERROR",
            "Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in USD"
        ]))
        .unwrap();
        assert!(!err.is_success());
        assert!(err.text.contains("minimum is 150"));
        let tf = Notification::from_row(&json!([
            1,
            "acc_tf",
            null,
            null,
            [1, "exchange", "funding", null, "USD", null, null, 500],
            null,
            "SUCCESS",
            "500.0 USD transfered from Exchange to Funding"
        ]))
        .unwrap();
        assert_eq!(Transfer::from_row(&tf.data).unwrap().amount, d("500"));
        let fa = Notification::from_row(&json!([
            1,
            "fa-req",
            null,
            null,
            ["USD", 2, 0, 0],
            null,
            "SUCCESS",
            null
        ]))
        .unwrap();
        assert_eq!(AutoRenew::from_row(&fa.data).unwrap().period, 2);
    }

    #[test]
    fn permissions_with_newer_scopes() {
        let v = parse(
            r#"[["funding",1,1],["wallets",1,0],["withdraw",0,0],["ui_withdraw",0,0],["eaas_withdraw",1,0],["eaas_agreement",1,1],["brand_new",1,1,"extra"],null]"#,
        );
        let p = Permissions(
            v.as_array()
                .unwrap()
                .iter()
                .filter_map(Permission::from_row)
                .collect(),
        );
        assert_eq!(p.0.len(), 7);
        assert!(p.can_read("wallets") && !p.can_write("wallets"));
        assert!(p.can_write("brand_new"));
        assert!(!p.can_read("never_heard_of"));
        assert_eq!(
            p.get("withdraw").map(|w| (w.read, w.write)),
            Some((false, false))
        );
        let unsafe_scopes: Vec<_> = p
            .withdraw_scopes()
            .iter()
            .map(|p| p.scope.clone())
            .collect();
        assert_eq!(
            unsafe_scopes,
            vec!["eaas_withdraw"],
            "read alone is enough to refuse"
        );
        let stringly = Permission::from_row(&json!(["withdraw", "0", "1"])).unwrap();
        assert!(
            !stringly.read && stringly.write,
            "flags sent as strings still count"
        );
    }

    #[test]
    fn user_info_full_layout() {
        // 55 entries, like Bitfinex's answer (JK GetUserInfo sample shape).
        let mut row = vec![json!(null); 55];
        row[0] = json!(1234567);
        row[1] = json!("alice@example.com");
        row[2] = json!("alice");
        row[3] = json!(1600000000000i64);
        row[4] = json!(1);
        row[5] = json!(2);
        row[7] = json!("Europe/Zurich");
        row[8] = json!("en_US");
        row[26] = json!(["u2f"]);
        row[44] = json!("2022-09-06T12:14:14.600Z");
        let u = UserInfo::from_row(&Value::Array(row)).unwrap();
        assert_eq!(u.id, 1234567);
        assert_eq!(u.email.as_deref(), Some("alice@example.com"));
        assert_eq!(u.username.as_deref(), Some("alice"));
        assert_eq!(u.created_mts, Some(1600000000000));
        assert!(u.verified);
        assert_eq!(u.verification_level, Some(2));
        assert_eq!(u.timezone.as_deref(), Some("Europe/Zurich"));
        let short = UserInfo::from_row(&json!([7, null, null, null, 0])).unwrap();
        assert_eq!((short.id, short.verified, short.timezone), (7, false, None));
        assert_eq!(
            UserInfo::from_row(&json!([null, "x"])),
            None,
            "an id is required"
        );
    }

    #[test]
    fn funding_wallet_helper() {
        let w = Wallet::from_row(&json!(["funding", "USD", "1000.5", 0, 800])).unwrap();
        assert!(w.is_funding());
        assert_eq!(w.balance, d("1000.5"));
        assert_eq!(w.last_change, None, "missing trailing fields are None");
    }

    #[test]
    fn new_offer_validation() {
        let ok = NewOffer {
            offer_type: OfferType::Limit,
            symbol: "fUSD".into(),
            amount: d("150.01"),
            rate: d("0.0002"),
            period: 2,
            hidden: false,
        };
        assert!(ok.validate().is_ok());
        let bad = |o: NewOffer| matches!(o.validate(), Err(crate::Error::Refused(_)));
        assert!(
            bad(NewOffer {
                amount: d("-150"),
                ..ok.clone()
            }),
            "never borrow"
        );
        assert!(bad(NewOffer {
            amount: Decimal::ZERO,
            ..ok.clone()
        }));
        assert!(bad(NewOffer {
            period: 1,
            ..ok.clone()
        }));
        assert!(bad(NewOffer {
            period: 121,
            ..ok.clone()
        }));
        assert!(
            NewOffer {
                period: 120,
                ..ok.clone()
            }
            .validate()
            .is_ok()
        );
        assert!(bad(NewOffer {
            symbol: "tBTCUSD".into(),
            ..ok.clone()
        }));
        assert!(bad(NewOffer {
            symbol: "f".into(),
            ..ok.clone()
        }));
        assert!(
            bad(NewOffer {
                rate: Decimal::ZERO,
                ..ok.clone()
            }),
            "LIMIT at 0 lends for nothing"
        );
        let frr = NewOffer {
            offer_type: OfferType::FrrDeltaVar,
            rate: Decimal::ZERO,
            ..ok.clone()
        };
        assert!(frr.validate().is_ok(), "an FRR offer is FRRDELTAVAR at 0");
        assert!(bad(NewOffer {
            rate: d("-0.0001"),
            ..frr.clone()
        }));
        let fix = NewOffer {
            offer_type: OfferType::FrrDeltaFix,
            rate: d("-0.00001"),
            ..ok
        };
        assert!(
            fix.validate().is_ok(),
            "FRRDELTAFIX offsets may be negative"
        );
        assert_eq!(
            [
                OfferType::Limit,
                OfferType::FrrDeltaVar,
                OfferType::FrrDeltaFix
            ]
            .map(OfferType::as_str),
            ["LIMIT", "FRRDELTAVAR", "FRRDELTAFIX"]
        );
    }

    #[test]
    fn candle_keys() {
        assert_eq!(funding_candle_key("1m", "fUSD", 30), "trade:1m:fUSD:p30");
        assert_eq!(
            funding_candle_key_aggregated("1h", "fUSD", 30, 2, 30),
            "trade:1h:fUSD:a30:p2:p30"
        );
    }

    #[test]
    fn notifications_need_a_type_and_a_status() {
        assert_eq!(Notification::from_row(&json!([])), None);
        assert_eq!(Notification::from_row(&json!({"error": "x"})), None);
        assert_eq!(
            Notification::from_row(&json!([1, "fon-req", null, null, null, null, null, "x"])),
            None
        );
        let failure = Notification::from_row(&json!([
            1,
            "foc-req",
            null,
            null,
            null,
            null,
            "FAILURE",
            "Offer not found"
        ]))
        .unwrap();
        assert!(!failure.is_success());
        assert_eq!(failure.data, Value::Null);
    }
}
