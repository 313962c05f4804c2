//! The simulated exchange: accounts, wallets, keys, funding books, matching, credits,
//! interest and ledgers. Deterministic: given the same seed (or tape) and the same calls at
//! the same simulated times, the same ledger comes out.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::prelude::*;
use serde::Serialize;

use crate::driver::{Demand, Driver};

/// One day in ms.
pub const DAY_MS: i64 = 86_400_000;
/// One hour in ms.
pub const HOUR_MS: i64 = 3_600_000;
/// Bitfinex keeps 15 % of lenders' interest.
pub const FEE: Decimal = Decimal::from_parts(15, 0, 0, false, 2);
/// Minimum offer in USD-equivalent.
pub const MIN_OFFER_USD: Decimal = Decimal::from_parts(150, 0, 0, false, 0);
/// Interest is paid daily at this time of day (UTC), as observed on real accounts (≈01:30).
pub const PAYOUT_TIME_OF_DAY_MS: i64 = HOUR_MS + HOUR_MS / 2;
/// The funding symbols simulated.
pub const SYMBOLS: [&str; 4] = ["fUSD", "fUST", "fBTC", "fETH"];
/// Wallet types.
pub const WALLET_TYPES: [&str; 3] = ["exchange", "margin", "funding"];

/// Offer pricing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OfferKind {
    /// Fixed rate.
    Limit,
    /// FRR + offset, floating.
    FrrDeltaVar,
    /// FRR + offset at creation (stored as a fixed rate).
    FrrDeltaFix,
}

impl OfferKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Limit => "LIMIT",
            Self::FrrDeltaVar => "FRRDELTAVAR",
            Self::FrrDeltaFix => "FRRDELTAFIX",
        }
    }
}

/// A lender's offer on the book.
#[derive(Debug, Clone, Serialize)]
pub struct Offer {
    /// Id.
    pub id: i64,
    /// Owner (`None`: a simulated other lender).
    pub account: Option<u64>,
    /// Symbol.
    pub symbol: String,
    /// Created (UTC ms).
    pub created: i64,
    /// Updated (UTC ms).
    pub updated: i64,
    /// Left on offer.
    pub amount: Decimal,
    /// Original amount.
    pub amount_orig: Decimal,
    /// Pricing.
    pub kind: OfferKind,
    /// Rate (offset above FRR for `FrrDeltaVar`).
    pub rate: Decimal,
    /// Period (days).
    pub period: u32,
    /// Hidden from the public book.
    pub hidden: bool,
    /// `ACTIVE`, `PARTIALLY FILLED`, `EXECUTED at ...`, `CANCELED`.
    pub status: String,
    /// Placed by auto-renew.
    pub renew: bool,
    /// FRR offers: where the offer stands in the line of FRR offers, for bids of up to 7
    /// days and for longer bids (the amount taken at FRR before it, since the market began).
    #[serde(skip)]
    pub queue: [Decimal; 2],
}

/// Money lent by an account and used by a borrower.
#[derive(Debug, Clone, Serialize)]
pub struct Credit {
    /// Id.
    pub id: i64,
    /// Lender.
    pub account: u64,
    /// Symbol.
    pub symbol: String,
    /// Amount.
    pub amount: Decimal,
    /// Daily rate.
    pub rate: Decimal,
    /// Period (days).
    pub period: u32,
    /// Opened (UTC ms).
    pub opened: i64,
    /// When the borrower returns it (early repayment or maturity).
    pub ends: i64,
    /// Interest accrued up to here.
    pub accrued_to: i64,
    /// The offer it came from.
    pub offer_id: i64,
    /// Last payout (UTC ms).
    pub last_payout: i64,
    /// Closed (UTC ms), once ended.
    pub closed: Option<i64>,
}

/// A ledger row.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerRow {
    /// Id.
    pub id: i64,
    /// Currency.
    pub currency: String,
    /// Wallet.
    pub wallet: String,
    /// When.
    pub mts: i64,
    /// Amount.
    pub amount: Decimal,
    /// Balance after.
    pub balance: Decimal,
    /// Description.
    pub description: String,
    /// Category (28 = interest, 51 = transfer, 0 = other).
    pub category: i64,
}

/// One of an account's fills.
#[derive(Debug, Clone, Serialize)]
pub struct OwnTrade {
    /// Id.
    pub id: i64,
    /// Symbol.
    pub symbol: String,
    /// When.
    pub mts: i64,
    /// Offer that filled.
    pub offer_id: i64,
    /// Amount.
    pub amount: Decimal,
    /// Rate.
    pub rate: Decimal,
    /// Period.
    pub period: u32,
}

/// A public funding trade.
#[derive(Debug, Clone, Serialize)]
pub struct PublicTrade {
    /// Id.
    pub id: i64,
    /// When.
    pub mts: i64,
    /// Amount.
    pub amount: Decimal,
    /// Rate.
    pub rate: Decimal,
    /// Period.
    pub period: u32,
    /// How long the borrower keeps the money (model; not published).
    #[serde(skip)]
    pub life_ms: i64,
}

/// A long-period bid resting on the book.
#[derive(Debug, Clone, Serialize)]
pub struct RestingBid {
    /// Still wanted.
    pub amount: Decimal,
    /// Period (days).
    pub period: u32,
    /// Rate.
    pub rate: Decimal,
    /// Until when it rests (then other lenders take the rest).
    pub until: i64,
    /// How long the borrower keeps the money.
    pub life_ms: i64,
}

/// A loan a lender could have made: a borrower who took funding at `start_mts` and repaid at
/// `end_mts`, paying at most `rate`, of whom our lender could have had at most `amount`. The
/// hindsight bound is computed from these.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    /// When the borrower came.
    pub start_mts: i64,
    /// When the money came back.
    pub end_mts: i64,
    /// The most the borrower paid (daily).
    pub rate: Decimal,
    /// The most our lender could have lent to this borrower.
    pub amount: Decimal,
}

/// How FRR offers are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum FrrRule {
    /// At the FRR price level, in time order behind the other lenders' FRR offers: filled when
    /// a bid reaches FRR and the line in front has been taken (what the sources support).
    #[default]
    Calibrated,
    /// Filled whenever a bid or trade reaches FRR, with nobody in front (the lower edge of the
    /// old model; kept for the sensitivity band).
    TradesReachFrr,
    /// Filled first by any bid, at FRR, as if FRR offers had priority (the upper edge of the
    /// band; no source supports it).
    Optimistic,
}

/// Auto-renew settings of an account for a currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoRenew {
    /// Period.
    pub period: u32,
    /// Rate (0 = FRR offer).
    pub rate: Decimal,
    /// Most to renew (0 = all).
    pub threshold: Decimal,
}

/// A user's account.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Account {
    /// Id.
    pub id: u64,
    /// Balances by (wallet type, currency).
    pub wallets: BTreeMap<(String, String), Decimal>,
    /// Net interest accrued and not yet paid, by currency.
    pub accrued: BTreeMap<String, Decimal>,
    /// Ledger, oldest first.
    pub ledger: Vec<LedgerRow>,
    /// Fills, oldest first.
    pub trades: Vec<OwnTrade>,
    /// Closed offers.
    pub offer_hist: Vec<Offer>,
    /// Closed credits.
    pub credit_hist: Vec<Credit>,
    /// Auto-renew, by currency.
    pub auto_renew: BTreeMap<String, AutoRenew>,
}

/// An API key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    /// The key.
    pub key: String,
    /// Its secret (the emulator's own test keys only).
    pub secret: String,
    /// Account.
    pub account: u64,
    /// `[scope, read, write]`, any scopes.
    pub permissions: Vec<(String, bool, bool)>,
    /// Last nonce accepted.
    pub last_nonce: u64,
    /// Revoked keys are refused like unknown ones.
    pub revoked: bool,
}

impl ApiKey {
    /// True if the key allows `scope` (read or write).
    pub fn allows(&self, scope: &str, write: bool) -> bool {
        self.permissions
            .iter()
            .any(|(s, r, w)| s == scope && if write { *w } else { *r })
    }
}

/// One funding market.
#[derive(Debug, Clone, Serialize)]
pub struct Market {
    /// Symbol.
    pub symbol: String,
    /// Active offers (accounts' and simulated lenders').
    pub offers: Vec<Offer>,
    /// Active credits of accounts.
    pub credits: Vec<Credit>,
    /// Public trades (recent ones; older are pruned).
    pub trades: Vec<PublicTrade>,
    /// Flash Return Rate (daily).
    pub frr: Decimal,
    /// Where the market trades now (daily; the driver's state).
    pub market_rate: Decimal,
    /// Hourly statistics rows `[mts, frr, avg_period, amount, used]`.
    pub stats: Vec<(i64, Decimal, Decimal, Decimal, Decimal)>,
    /// Count of trades ever printed.
    pub trade_count: u64,
    /// When the other lenders' offers were last rebuilt (UTC ms).
    pub refreshed_mts: i64,
    /// Long bids resting on the book.
    pub resting: Vec<RestingBid>,
    /// Amount taken at the FRR price level so far, for bids of up to 7 days and for longer
    /// bids: an FRR offer fills once this passes its place in the line.
    pub frr_line: [Decimal; 2],
}

/// How the accounts' offers compete with the rest of the market.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FillModel {
    /// Replay: the most of one tape trade's amount our offers may take (0–1).
    pub participation: Decimal,
    /// FRR offers fill like market offers (optimistic) instead of only when trades print at
    /// or above FRR (conservative).
    pub frr_optimistic: bool,
}

impl Default for FillModel {
    fn default() -> Self {
        Self {
            participation: Decimal::new(5, 1),
            frr_optimistic: false,
        }
    }
}

/// Why a request was refused, with Bitfinex's own texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Below the minimum.
    #[error("Invalid offer: incorrect amount, minimum is 150.0 dollar or equivalent in {0}")]
    BelowMinimum(String),
    /// Not enough available balance.
    #[error("Invalid offer: not enough balance")]
    NotEnoughBalance,
    /// Period outside 2–120 days.
    #[error("Invalid period: must be between 2 and 120 days")]
    Period,
    /// Borrowing is not simulated.
    #[error("Invalid offer: amount must be positive (only lending is simulated)")]
    NotLending,
    /// FRR offset too large.
    #[error("FRR offset larger than 30% of FRR, aborting.")]
    FrrOffset,
    /// Rate out of range.
    #[error("Invalid offer: rate must be between 0 and 0.07")]
    Rate,
    /// Unknown offer.
    #[error("Offer not found.")]
    OfferNotFound,
    /// Unknown credit.
    #[error("Funding not found.")]
    FundingNotFound,
    /// Unknown symbol or currency.
    #[error("symbol: invalid")]
    Symbol,
    /// Bad wallet.
    #[error("wallet: invalid")]
    Wallet,
    /// Not enough money to transfer.
    #[error("Insufficient balance")]
    Insufficient,
}

/// The whole simulated exchange.
pub struct World {
    /// Simulated now (UTC ms).
    pub now: i64,
    rng: ChaCha8Rng,
    next_id: i64,
    /// Accounts.
    pub accounts: BTreeMap<u64, Account>,
    /// API keys by key.
    pub keys: BTreeMap<String, ApiKey>,
    /// Markets by symbol.
    pub markets: BTreeMap<String, Market>,
    /// USD price per currency.
    pub usd_prices: BTreeMap<String, Decimal>,
    /// How our offers compete.
    pub fill: FillModel,
    driver: Driver,
    next_payout: i64,
    next_stats: i64,
    /// Public trades older than this are pruned (ms).
    pub keep_trades_ms: i64,
    /// How FRR offers are matched (`fill.frr_optimistic` overrides it with `Optimistic`).
    pub frr_rule: FrrRule,
    /// When set, every borrower is recorded as a lending opportunity (for the hindsight bound).
    pub opportunities: Option<Vec<Opportunity>>,
    /// Other lenders' FRR offers in front of a new FRR offer (short, long bids), and the
    /// calibration the market runs on.
    pub calibration: crate::driver::Calibration,
}

fn down8(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(8, RoundingStrategy::ToZero)
}

/// `fUSD` → `USD`.
pub fn currency_of(symbol: &str) -> &str {
    symbol.strip_prefix('f').unwrap_or(symbol)
}

impl World {
    /// A world at `start_mts` with a market driver.
    pub fn new(seed: u64, start_mts: i64, driver: Driver) -> Self {
        let mut markets = BTreeMap::new();
        for s in SYMBOLS {
            let base = driver.initial_rate(s);
            let frr = driver.initial_frr(s);
            markets.insert(
                s.to_owned(),
                Market {
                    symbol: s.into(),
                    offers: Vec::new(),
                    credits: Vec::new(),
                    trades: Vec::new(),
                    frr,
                    market_rate: base,
                    stats: Vec::new(),
                    trade_count: 0,
                    refreshed_mts: start_mts,
                    resting: Vec::new(),
                    frr_line: [Decimal::ZERO; 2],
                },
            );
        }
        let usd_prices = [("USD", 1), ("UST", 1), ("BTC", 60_000), ("ETH", 3_000)]
            .into_iter()
            .map(|(c, p)| (c.to_owned(), Decimal::from(p)))
            .collect();
        let day = start_mts - start_mts.rem_euclid(DAY_MS);
        let mut next_payout = day + PAYOUT_TIME_OF_DAY_MS;
        if next_payout <= start_mts {
            next_payout += DAY_MS;
        }
        let mut w = Self {
            now: start_mts,
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_id: 1_000_000,
            accounts: BTreeMap::new(),
            keys: BTreeMap::new(),
            markets,
            usd_prices,
            fill: FillModel::default(),
            calibration: driver.calibration(),
            driver,
            next_payout,
            next_stats: start_mts - start_mts.rem_euclid(HOUR_MS) + HOUR_MS,
            keep_trades_ms: 7 * DAY_MS,
            frr_rule: FrrRule::default(),
            opportunities: None,
        };
        for s in SYMBOLS {
            w.refresh_other_lenders(s);
        }
        w
    }

    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// The random source (deterministic).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    // ---- accounts, keys, wallets ----

    /// Creates an account; returns its id.
    pub fn create_account(&mut self) -> u64 {
        let id = self.accounts.keys().next_back().map_or(1, |k| k + 1);
        self.accounts.insert(
            id,
            Account {
                id,
                ..Account::default()
            },
        );
        id
    }

    /// Creates an API key with its secret for an account; returns `(key, secret)`.
    pub fn create_key(
        &mut self,
        account: u64,
        permissions: Vec<(String, bool, bool)>,
    ) -> (String, String) {
        let make = |rng: &mut ChaCha8Rng| -> String {
            const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            (0..43)
                .map(|_| ABC[rng.random_range(0..ABC.len())] as char)
                .collect()
        };
        let key = make(&mut self.rng);
        let secret = make(&mut self.rng);
        self.keys.insert(
            key.clone(),
            ApiKey {
                key: key.clone(),
                secret: secret.clone(),
                account,
                permissions,
                last_nonce: 0,
                revoked: false,
            },
        );
        (key, secret)
    }

    /// The permissions a demo/lending key normally has.
    pub fn lending_permissions() -> Vec<(String, bool, bool)> {
        [
            ("account", true, false),
            ("history", true, false),
            ("orders", false, false),
            ("positions", false, false),
            ("funding", true, true),
            ("settings", false, false),
            ("wallets", true, false),
            ("withdraw", false, false),
            ("ui_withdraw", false, false),
            ("bfxpay", false, false),
        ]
        .into_iter()
        .map(|(s, r, w)| (s.to_owned(), r, w))
        .collect()
    }

    /// Adds `amount` to a wallet (a deposit), with a ledger row.
    pub fn fund(&mut self, account: u64, wallet: &str, currency: &str, amount: Decimal) {
        let now = self.now;
        let id = self.id();
        let a = self.accounts.entry(account).or_insert_with(|| Account {
            id: account,
            ..Account::default()
        });
        let bal = a
            .wallets
            .entry((wallet.to_owned(), currency.to_owned()))
            .or_default();
        *bal += amount;
        let balance = *bal;
        a.ledger.push(LedgerRow {
            id,
            currency: currency.into(),
            wallet: wallet.into(),
            mts: now,
            amount,
            balance,
            description: format!("Deposit ({currency}) on wallet {wallet}"),
            category: 101,
        });
    }

    /// Total balance of a wallet.
    pub fn balance(&self, account: u64, wallet: &str, currency: &str) -> Decimal {
        self.accounts
            .get(&account)
            .and_then(|a| a.wallets.get(&(wallet.to_owned(), currency.to_owned())))
            .copied()
            .unwrap_or_default()
    }

    /// Available balance: the funding wallet less what is on offer or lent.
    pub fn available(&self, account: u64, wallet: &str, currency: &str) -> Decimal {
        let bal = self.balance(account, wallet, currency);
        if wallet != "funding" {
            return bal;
        }
        let sym = format!("f{currency}");
        let Some(m) = self.markets.get(&sym) else {
            return bal;
        };
        let offered: Decimal = m
            .offers
            .iter()
            .filter(|o| o.account == Some(account))
            .map(|o| o.amount)
            .sum();
        let lent: Decimal = m
            .credits
            .iter()
            .filter(|c| c.account == account)
            .map(|c| c.amount)
            .sum();
        bal - offered - lent
    }

    /// Moves money between two of an account's own wallets.
    pub fn transfer(
        &mut self,
        account: u64,
        from: &str,
        to: &str,
        currency: &str,
        amount: Decimal,
    ) -> Result<(), Refusal> {
        if !WALLET_TYPES.contains(&from) || !WALLET_TYPES.contains(&to) || from == to {
            return Err(Refusal::Wallet);
        }
        if !self.usd_prices.contains_key(currency) {
            return Err(Refusal::Symbol);
        }
        if amount <= Decimal::ZERO || self.available(account, from, currency) < amount {
            return Err(Refusal::Insufficient);
        }
        let now = self.now;
        let (id1, id2) = (self.id(), self.id());
        let a = self.accounts.get_mut(&account).ok_or(Refusal::Wallet)?;
        for (id, wallet, delta) in [(id1, from, -amount), (id2, to, amount)] {
            let bal = a
                .wallets
                .entry((wallet.to_owned(), currency.to_owned()))
                .or_default();
            *bal += delta;
            let balance = *bal;
            a.ledger.push(LedgerRow {
                id,
                currency: currency.into(),
                wallet: wallet.into(),
                mts: now,
                amount: delta,
                balance,
                description: format!(
                    "Transfer of {amount} {currency} from wallet {from} to {to} on wallet {wallet}"
                ),
                category: 51,
            });
        }
        Ok(())
    }

    // ---- offers ----

    fn usd_value(&self, currency: &str, amount: Decimal) -> Decimal {
        amount
            * self
                .usd_prices
                .get(currency)
                .copied()
                .unwrap_or(Decimal::ONE)
    }

    /// Places a lending offer for an account.
    #[allow(clippy::too_many_arguments)]
    pub fn submit_offer(
        &mut self,
        account: u64,
        symbol: &str,
        kind: OfferKind,
        amount: Decimal,
        rate: Decimal,
        period: u32,
        hidden: bool,
    ) -> Result<Offer, Refusal> {
        if !self.markets.contains_key(symbol) {
            return Err(Refusal::Symbol);
        }
        let currency = currency_of(symbol).to_owned();
        if amount <= Decimal::ZERO {
            return Err(Refusal::NotLending);
        }
        if self.usd_value(&currency, amount) < MIN_OFFER_USD {
            return Err(Refusal::BelowMinimum(currency));
        }
        if !(2..=120).contains(&period) {
            return Err(Refusal::Period);
        }
        let frr = self.markets[symbol].frr;
        let rate = match kind {
            OfferKind::Limit => {
                if rate <= Decimal::ZERO || rate > Decimal::new(7, 2) {
                    return Err(Refusal::Rate);
                }
                rate
            }
            OfferKind::FrrDeltaVar | OfferKind::FrrDeltaFix => {
                if rate < Decimal::ZERO && kind == OfferKind::FrrDeltaVar {
                    return Err(Refusal::FrrOffset);
                }
                if rate.abs() > frr * Decimal::new(3, 1) {
                    return Err(Refusal::FrrOffset);
                }
                if kind == OfferKind::FrrDeltaFix {
                    frr + rate
                } else {
                    rate
                }
            }
        };
        if self.available(account, "funding", &currency) < amount {
            return Err(Refusal::NotEnoughBalance);
        }
        let id = self.id();
        let pool = self.calibration.frr_pool_usd;
        let price = self
            .usd_prices
            .get(&currency)
            .copied()
            .unwrap_or(Decimal::ONE);
        let line = self.markets[symbol].frr_line;
        let queue = [
            line[0] + Decimal::from_f64(pool.0).unwrap_or_default() / price,
            line[1] + Decimal::from_f64(pool.1).unwrap_or_default() / price,
        ];
        let offer = Offer {
            id,
            account: Some(account),
            symbol: symbol.into(),
            created: self.now,
            updated: self.now,
            amount,
            amount_orig: amount,
            kind: if kind == OfferKind::FrrDeltaFix {
                OfferKind::Limit
            } else {
                kind
            },
            rate,
            period,
            hidden,
            status: "ACTIVE".into(),
            renew: false,
            queue,
        };
        self.markets
            .get_mut(symbol)
            .expect("checked")
            .offers
            .push(offer.clone());
        self.match_resting(symbol, id);
        Ok(offer)
    }

    /// Cancels an account's offer.
    pub fn cancel_offer(&mut self, account: u64, id: i64) -> Result<Offer, Refusal> {
        let now = self.now;
        for m in self.markets.values_mut() {
            if let Some(i) = m
                .offers
                .iter()
                .position(|o| o.id == id && o.account == Some(account))
            {
                let mut o = m.offers.remove(i);
                o.status = "CANCELED".into();
                o.updated = now;
                self.accounts
                    .get_mut(&account)
                    .expect("owner exists")
                    .offer_hist
                    .push(o.clone());
                return Ok(o);
            }
        }
        Err(Refusal::OfferNotFound)
    }

    /// Cancels all of an account's offers in a currency.
    pub fn cancel_all(&mut self, account: u64, currency: &str) -> usize {
        let sym = format!("f{currency}");
        let ids: Vec<i64> = self
            .markets
            .get(&sym)
            .map(|m| {
                m.offers
                    .iter()
                    .filter(|o| o.account == Some(account))
                    .map(|o| o.id)
                    .collect()
            })
            .unwrap_or_default();
        ids.iter()
            .filter(|id| self.cancel_offer(account, **id).is_ok())
            .count()
    }

    /// Returns a credit early (the lender asks the borrower to repay).
    pub fn close_credit(&mut self, account: u64, id: i64) -> Result<(), Refusal> {
        let now = self.now;
        for m in self.markets.values_mut() {
            if let Some(c) = m
                .credits
                .iter_mut()
                .find(|c| c.id == id && c.account == account)
            {
                c.ends = c.ends.min(now);
                return Ok(());
            }
        }
        Err(Refusal::FundingNotFound)
    }

    /// Sets (or clears with `None`) an account's auto-renew for a currency. Turning it on
    /// offers the idle funding balance at once under the new settings (as Bitfinex does), and
    /// again whenever money comes back.
    pub fn set_auto_renew(
        &mut self,
        account: u64,
        currency: &str,
        cfg: Option<AutoRenew>,
    ) -> Result<(), Refusal> {
        if !self.usd_prices.contains_key(currency) {
            return Err(Refusal::Symbol);
        }
        let a = self.accounts.get_mut(&account).ok_or(Refusal::Wallet)?;
        let on = cfg.is_some();
        match cfg {
            Some(c) => a.auto_renew.insert(currency.into(), c),
            None => a.auto_renew.remove(currency),
        };
        if on {
            self.auto_renew(account, currency);
        }
        Ok(())
    }

    // ---- time ----

    /// Processes every market event up to `t` (demand, repayments, payouts, book refreshes).
    pub fn advance_to(&mut self, t: i64) {
        loop {
            let next_demand = self.driver.peek_time();
            let next_end = self
                .markets
                .values()
                .flat_map(|m| m.credits.iter().map(|c| c.ends))
                .min();
            let next_rest = self
                .markets
                .values()
                .flat_map(|m| m.resting.iter().map(|b| b.until))
                .min();
            let mut next = self.next_payout.min(self.next_stats);
            if let Some(r) = next_rest {
                next = next.min(r);
            }
            if let Some(d) = next_demand {
                next = next.min(d);
            }
            if let Some(e) = next_end {
                next = next.min(e);
            }
            if next > t {
                break;
            }
            self.now = self.now.max(next);
            if next_end == Some(next) {
                self.end_credits(next);
            } else if next_rest == Some(next) {
                self.expire_resting(next);
            } else if next == self.next_payout {
                self.payout();
                self.next_payout += DAY_MS;
            } else if next == self.next_stats {
                self.hourly();
                self.next_stats += HOUR_MS;
            } else if next_demand == Some(next) {
                let demands = self.driver.pop();
                for d in demands {
                    self.on_demand(&d);
                }
            }
        }
        self.now = self.now.max(t);
    }

    fn end_credits(&mut self, t: i64) {
        let mut ended = Vec::new();
        for m in self.markets.values_mut() {
            let (done, keep): (Vec<Credit>, Vec<Credit>) =
                m.credits.drain(..).partition(|c| c.ends <= t);
            m.credits = keep;
            ended.extend(done);
        }
        for mut c in ended {
            // At least one hour of interest is charged.
            let charge_to = c.ends.max(c.opened + HOUR_MS);
            self.accrue(&mut c, charge_to);
            c.closed = Some(t);
            let account = c.account;
            let currency = currency_of(&c.symbol).to_owned();
            if let Some(a) = self.accounts.get_mut(&account) {
                a.credit_hist.push(c);
            }
            self.auto_renew(account, &currency);
        }
    }

    fn accrue(&mut self, c: &mut Credit, upto: i64) {
        if upto <= c.accrued_to {
            return;
        }
        let gross = c.amount * c.rate * Decimal::from(upto - c.accrued_to) / Decimal::from(DAY_MS);
        c.accrued_to = upto;
        let net = gross * (Decimal::ONE - FEE);
        if let Some(a) = self.accounts.get_mut(&c.account) {
            *a.accrued
                .entry(currency_of(&c.symbol).to_owned())
                .or_default() += net;
        }
    }

    fn payout(&mut self) {
        let t = self.next_payout;
        let mut credits: Vec<(String, usize)> = Vec::new();
        for (s, m) in &self.markets {
            for i in 0..m.credits.len() {
                credits.push((s.clone(), i));
            }
        }
        for (s, i) in credits {
            let mut c = self.markets[&s].credits[i].clone();
            self.accrue(&mut c, t);
            c.last_payout = t;
            self.markets.get_mut(&s).expect("exists").credits[i] = c;
        }
        let ids: Vec<u64> = self.accounts.keys().copied().collect();
        for acc in ids {
            let owed: Vec<(String, Decimal)> = self.accounts[&acc]
                .accrued
                .iter()
                .map(|(c, v)| (c.clone(), *v))
                .collect();
            for (cur, amount) in owed {
                let pay = down8(amount);
                if pay <= Decimal::ZERO {
                    continue;
                }
                let id = self.id();
                let a = self.accounts.get_mut(&acc).expect("exists");
                *a.accrued.get_mut(&cur).expect("exists") -= pay;
                let bal = a
                    .wallets
                    .entry(("funding".into(), cur.clone()))
                    .or_default();
                *bal += pay;
                let balance = *bal;
                a.ledger.push(LedgerRow {
                    id,
                    currency: cur.clone(),
                    wallet: "funding".into(),
                    mts: t,
                    amount: pay,
                    balance,
                    description: "Margin Funding Payment on wallet funding".into(),
                    category: 28,
                });
                self.auto_renew(acc, &cur);
            }
        }
    }

    /// Offers an account's idle funding under its auto-renew settings.
    fn auto_renew(&mut self, account: u64, currency: &str) {
        let Some(cfg) = self
            .accounts
            .get(&account)
            .and_then(|a| a.auto_renew.get(currency))
            .cloned()
        else {
            return;
        };
        let sym = format!("f{currency}");
        let mut amount = self.available(account, "funding", currency);
        if cfg.threshold > Decimal::ZERO {
            let offered: Decimal = self.markets[&sym]
                .offers
                .iter()
                .filter(|o| o.account == Some(account) && o.renew)
                .map(|o| o.amount)
                .sum();
            let lent: Decimal = self.markets[&sym]
                .credits
                .iter()
                .filter(|c| c.account == account)
                .map(|c| c.amount)
                .sum();
            amount = amount.min((cfg.threshold - offered - lent).max(Decimal::ZERO));
        }
        let amount = down8(amount);
        let (kind, rate) = if cfg.rate.is_zero() {
            (OfferKind::FrrDeltaVar, Decimal::ZERO)
        } else {
            (OfferKind::Limit, cfg.rate)
        };
        if let Ok(o) = self.submit_offer(account, &sym, kind, amount, rate, cfg.period, false)
            && let Some(off) = self
                .markets
                .get_mut(&sym)
                .and_then(|m| m.offers.iter_mut().find(|x| x.id == o.id))
        {
            off.renew = true;
        }
    }

    fn hourly(&mut self) {
        let t = self.next_stats;
        let keep = self.keep_trades_ms;
        for m in self.markets.values_mut() {
            // FRR is the driver's (a level of its own, or the real statistics in replays).
            // Average period of what is outstanding: each loan of the last day weighs by
            // amount × how long it stays out (a stationary stock).
            let since = t - DAY_MS;
            let (mut w, mut wp) = (0.0f64, 0.0f64);
            for tr in m.trades.iter().rev().take_while(|tr| tr.mts >= since) {
                let a = tr.amount.abs().to_f64().unwrap_or(0.0);
                let life = tr.life_ms.clamp(HOUR_MS, i64::from(tr.period) * DAY_MS) as f64;
                w += a * life;
                wp += a * life * f64::from(tr.period);
            }
            let avg_period = if w > 0.0 {
                Decimal::from_f64(wp / w).unwrap_or_default().round_dp(2)
            } else {
                Decimal::ZERO
            };
            let offered: Decimal = m.offers.iter().map(|o| o.amount).sum();
            let used: Decimal = m.credits.iter().map(|c| c.amount).sum();
            m.stats.push((t, m.frr, avg_period, offered + used, used));
            m.trades.retain(|tr| tr.mts >= t - keep);
            m.stats.retain(|s| s.0 >= t - 120 * DAY_MS);
        }
    }

    /// Rebuilds the simulated other lenders' part of the book: a ladder of short offers from
    /// just under the short market's level upwards, and a thin ladder of long offers above
    /// where long bids sit (so that those bids rest on the book, as on the real one).
    pub fn refresh_other_lenders(&mut self, symbol: &str) {
        let now = self.now;
        let price = self
            .usd_prices
            .get(currency_of(symbol))
            .copied()
            .unwrap_or(Decimal::ONE);
        let rate = self.markets[symbol].market_rate;
        let frr = self.markets[symbol].frr;
        let long_level =
            frr * Decimal::from_f64(self.calibration.long_bid_ratio).unwrap_or(Decimal::new(81, 2));
        let mut fresh = Vec::new();
        for k in 0..46u32 {
            let (r, usd, period) = if k < 40 {
                let step = Decimal::new(97, 2) + Decimal::new(4, 2) * Decimal::from(k);
                let usd: f64 = 20_000.0 * (1.0 + self.rng.random::<f64>() * 30.0);
                let period = if k % 9 == 8 { 7 } else { 2 };
                (rate * step, usd, period)
            } else {
                let j = k - 40;
                let step = Decimal::new(106, 2) + Decimal::new(4, 2) * Decimal::from(j);
                let usd: f64 = 1_000.0 * (1.0 + self.rng.random::<f64>() * 7.0);
                (long_level * step, usd, if j % 2 == 0 { 120 } else { 30 })
            };
            let amount = down8(Decimal::from_f64(usd).unwrap_or_default() / price);
            let id = self.id();
            fresh.push(Offer {
                id,
                account: None,
                symbol: symbol.into(),
                created: now,
                updated: now,
                amount,
                amount_orig: amount,
                kind: OfferKind::Limit,
                rate: r.round_dp(8),
                period,
                hidden: false,
                status: "ACTIVE".into(),
                renew: false,
                queue: [Decimal::ZERO; 2],
            });
        }
        let m = self.markets.get_mut(symbol).expect("known symbol");
        m.offers.retain(|o| o.account.is_some());
        m.offers.extend(fresh);
        m.refreshed_mts = now;
    }

    fn effective_rate(o: &Offer, frr: Decimal) -> Decimal {
        match o.kind {
            OfferKind::FrrDeltaVar => frr + o.rate,
            _ => o.rate,
        }
    }

    /// The ticker's `FRR_AMOUNT_AVAILABLE`: the FRR offers waiting at FRR — the accounts' own
    /// and, under the calibrated rule, the other lenders' line a new FRR offer joins the back of
    /// (`Calibration::frr_pool_usd`, both period classes, in units of the currency).
    pub fn frr_amount_available(&self, symbol: &str) -> Option<Decimal> {
        let m = self.markets.get(symbol)?;
        let own: Decimal = m
            .offers
            .iter()
            .filter(|o| o.kind == OfferKind::FrrDeltaVar)
            .map(|o| o.amount)
            .sum();
        if self.rule() != FrrRule::Calibrated {
            return Some(own);
        }
        let currency = symbol.strip_prefix('f').unwrap_or(symbol);
        let price = self
            .usd_prices
            .get(currency)
            .copied()
            .filter(|p| *p > Decimal::ZERO)
            .unwrap_or(Decimal::ONE);
        let (a, b) = self.calibration.frr_pool_usd;
        let pool = Decimal::from_f64(a + b).unwrap_or_default() / price;
        Some((own + pool).round_dp(8))
    }

    fn rule(&self) -> FrrRule {
        if self.fill.frr_optimistic {
            FrrRule::Optimistic
        } else {
            self.frr_rule
        }
    }

    fn record(&mut self, start: i64, life_ms: i64, period: u32, rate: Decimal, amount: Decimal) {
        if let Some(v) = self.opportunities.as_mut() {
            v.push(Opportunity {
                start_mts: start,
                end_mts: start + life_ms.clamp(60_000, i64::from(period) * DAY_MS),
                rate,
                amount: amount.abs(),
            });
        }
    }

    /// Applies one market event now, as the driver would (tests and the admin API: a borrower
    /// sweeping the book, a rate jump).
    pub fn inject(&mut self, d: &Demand) {
        self.on_demand(d);
    }

    fn on_demand(&mut self, d: &Demand) {
        match d {
            Demand::SetRate { symbol, rate } => {
                if let Some(m) = self.markets.get_mut(symbol) {
                    m.market_rate = *rate;
                }
                self.refresh_other_lenders(symbol);
            }
            Demand::SetFrr { symbol, frr } => {
                if let Some(m) = self.markets.get_mut(symbol) {
                    m.frr = *frr;
                }
            }
            Demand::Borrow {
                symbol,
                amount,
                period,
                max_rate,
                life_ms,
            } => {
                self.record(self.now, *life_ms, *period, *max_rate, *amount);
                self.sweep(symbol, *amount, *period, *max_rate, *life_ms);
            }
            Demand::LongBid {
                symbol,
                amount,
                period,
                rate,
                rest_ms,
                life_ms,
            } => {
                // The bid may be taken any time while it rests: the opportunity spans that.
                self.record(self.now, rest_ms + life_ms, *period, *rate, *amount);
                let left = self.sweep(symbol, *amount, *period, *rate, *life_ms);
                if left > Decimal::ZERO
                    && let Some(m) = self.markets.get_mut(symbol)
                {
                    m.resting.push(RestingBid {
                        amount: left,
                        period: *period,
                        rate: *rate,
                        until: self.now + rest_ms,
                        life_ms: *life_ms,
                    });
                }
            }
            Demand::TapeTrade {
                symbol,
                id,
                amount,
                rate,
                period,
                life_ms,
            } => {
                let cap = amount.abs() * self.fill.participation;
                self.record(self.now, *life_ms, *period, *rate, cap);
                self.tape_trade(symbol, *id, *amount, *rate, *period, *life_ms);
            }
        }
    }

    fn print(&mut self, symbol: &str, amount: Decimal, rate: Decimal, period: u32, life_ms: i64) {
        let id = self.id();
        self.print_as(symbol, id, amount, rate, period, life_ms);
    }

    /// Prints a public trade with a given id (a replayed trade keeps the tape's).
    fn print_as(
        &mut self,
        symbol: &str,
        id: i64,
        amount: Decimal,
        rate: Decimal,
        period: u32,
        life_ms: i64,
    ) {
        let now = self.now;
        let m = self.markets.get_mut(symbol).expect("known");
        m.trades.push(PublicTrade {
            id,
            mts: now,
            amount,
            rate,
            period,
            life_ms,
        });
        m.trade_count += 1;
    }

    /// A borrower (or a long bid arriving) takes what is on offer for at least `period` days,
    /// cheapest first and FIFO within a rate, up to `max_rate`. Under the calibrated rule the
    /// FRR price level is a deep line of other lenders' FRR offers: a bid that reaches FRR is
    /// filled there, and our FRR offers get what passes their place in the line. Returns what
    /// is left of the bid.
    fn sweep(
        &mut self,
        symbol: &str,
        amount: Decimal,
        period: u32,
        max_rate: Decimal,
        life_ms: i64,
    ) -> Decimal {
        let rule = self.rule();
        let frr = self.markets[symbol].frr;
        let class = usize::from(period > 7);
        // Under the calibrated rule the FRR level is a deep line: nothing at or above FRR is
        // reached by a sweep.
        let below_frr = rule == FrrRule::Calibrated;
        let (mut fills, mut left) =
            self.take_cheapest(symbol, period, max_rate, false, below_frr, amount);
        if rule == FrrRule::Calibrated && left > Decimal::ZERO && max_rate >= frr {
            // The FRR line takes the rest of the bid.
            let line = self.frr_line_fills(symbol, class, period, left);
            let ours: Decimal = line.iter().map(|f| f.1).sum();
            fills.extend(line);
            let others = left - ours;
            if others > Decimal::ZERO {
                self.print(symbol, -others, frr, period, life_ms);
            }
            left = Decimal::ZERO;
        }
        for (i, take, rate) in &fills {
            let p = self.markets[symbol].offers[*i].period;
            self.print(symbol, -*take, *rate, p, life_ms);
        }
        self.apply_fills(symbol, fills, life_ms);
        left
    }

    /// Offers for at least `period` days at or below `limit` (only the accounts' with
    /// `own_only`; only below FRR with `below_frr`), cheapest first and FIFO within a rate, take
    /// up to `amount`: the fills `(index, amount, rate)` and what is left. FRR offers are not
    /// among them under the calibrated rule (they are in the FRR line), and come first under the
    /// optimistic one.
    fn take_cheapest(
        &self,
        symbol: &str,
        period: u32,
        limit: Decimal,
        own_only: bool,
        below_frr: bool,
        amount: Decimal,
    ) -> (Vec<(usize, Decimal, Decimal)>, Decimal) {
        let rule = self.rule();
        let frr = self.markets[symbol].frr;
        let mut order: Vec<(u8, Decimal, i64, i64, usize)> = Vec::new();
        for (i, o) in self.markets[symbol].offers.iter().enumerate() {
            if o.period < period || (own_only && o.account.is_none()) {
                continue;
            }
            let eff = Self::effective_rate(o, frr);
            match (o.kind, rule) {
                (OfferKind::FrrDeltaVar, FrrRule::Optimistic) => {
                    order.push((0, eff, o.created, o.id, i));
                }
                (OfferKind::FrrDeltaVar, FrrRule::Calibrated) => {}
                _ if eff <= limit && (!below_frr || eff < frr) => {
                    order.push((1, eff, o.created, o.id, i));
                }
                _ => {}
            }
        }
        order.sort();
        let mut left = amount;
        let mut fills = Vec::new();
        for (_, rate, _, _, i) in order {
            if left <= Decimal::ZERO {
                break;
            }
            let take = left.min(self.markets[symbol].offers[i].amount);
            left -= take;
            fills.push((i, take, rate));
        }
        (fills, left)
    }

    /// `amount` taken at the FRR price from the line of FRR offers of `class` (bids of up to
    /// 7 days, longer bids): the line moves on by `amount`, and our FRR offers (offset 0, for
    /// at least `period` days) get the part of it that passes their place.
    fn frr_line_fills(
        &mut self,
        symbol: &str,
        class: usize,
        period: u32,
        amount: Decimal,
    ) -> Vec<(usize, Decimal, Decimal)> {
        let m = &self.markets[symbol];
        let frr = m.frr;
        let (c0, c1) = (m.frr_line[class], m.frr_line[class] + amount);
        let mut fills = Vec::new();
        for (i, o) in m.offers.iter().enumerate() {
            if o.kind != OfferKind::FrrDeltaVar
                || !o.rate.is_zero()
                || o.period < period
                || o.account.is_none()
            {
                continue;
            }
            let from = o.queue[class] + (o.amount_orig - o.amount);
            let overlap = (c1.min(from + o.amount) - c0.max(from)).max(Decimal::ZERO);
            if overlap > Decimal::ZERO {
                fills.push((i, overlap, frr));
            }
        }
        self.markets.get_mut(symbol).expect("known").frr_line[class] = c1;
        fills
    }

    /// A new offer of ours meets the long bids resting on the book: the best bid at or above
    /// its rate, for a period it covers, takes it at the bid's rate (the bid was there first).
    fn match_resting(&mut self, symbol: &str, offer_id: i64) {
        let frr = self.markets[symbol].frr;
        loop {
            let m = &self.markets[symbol];
            let Some(i) = m.offers.iter().position(|o| o.id == offer_id) else {
                return;
            };
            let o = &m.offers[i];
            if o.kind == OfferKind::FrrDeltaVar && self.rule() == FrrRule::Calibrated {
                // At the FRR level: behind the line of FRR offers (bids never rest at FRR).
                return;
            }
            let eff = Self::effective_rate(o, frr);
            let best = m
                .resting
                .iter()
                .enumerate()
                .filter(|(_, b)| b.rate >= eff && b.period <= o.period && b.amount > Decimal::ZERO)
                .max_by(|a, b| a.1.rate.cmp(&b.1.rate).then(b.0.cmp(&a.0)))
                .map(|(j, b)| (j, b.rate, b.life_ms, b.amount));
            let Some((j, rate, life, want)) = best else {
                return;
            };
            let take = want.min(o.amount);
            let period = o.period;
            let m = self.markets.get_mut(symbol).expect("known");
            m.resting[j].amount -= take;
            if m.resting[j].amount <= Decimal::ZERO {
                m.resting.remove(j);
            }
            // A lender hit a resting bid: printed with a positive amount.
            self.print(symbol, take, rate, period, life);
            self.apply_fills(symbol, vec![(i, take, rate)], life);
        }
    }

    /// Bids that rested long enough are taken by other lenders.
    fn expire_resting(&mut self, t: i64) {
        let symbols: Vec<String> = self.markets.keys().cloned().collect();
        for s in symbols {
            let (done, keep): (Vec<RestingBid>, Vec<RestingBid>) = self
                .markets
                .get_mut(&s)
                .expect("known")
                .resting
                .drain(..)
                .partition(|b| b.until <= t);
            self.markets.get_mut(&s).expect("known").resting = keep;
            for b in done {
                self.print(&s, b.amount, b.rate, b.period, b.life_ms);
            }
        }
    }

    /// Replay: a recorded trade. Our offers at or below its rate, with a period at least its
    /// period, fill first, up to `participation` × its amount; the trade prints as recorded.
    /// FRR offers: under the calibrated rule, a trade at or above FRR moves the FRR line (the
    /// 2026 data has none); under the lower band they fill like offers at FRR; under the
    /// upper band they fill whatever the trade's rate.
    fn tape_trade(
        &mut self,
        symbol: &str,
        id: i64,
        amount: Decimal,
        rate: Decimal,
        period: u32,
        life_ms: i64,
    ) {
        let rule = self.rule();
        let frr = self.markets[symbol].frr;
        let class = usize::from(period > 7);
        let cap = amount.abs() * self.fill.participation;
        let (mut fills, left) = self.take_cheapest(symbol, period, rate, true, false, cap);
        if rule == FrrRule::Calibrated && rate >= frr && left > Decimal::ZERO {
            fills.extend(self.frr_line_fills(symbol, class, period, left));
        }
        self.print_as(symbol, id, amount, rate, period, life_ms);
        let now = self.now;
        let m = self.markets.get_mut(symbol).expect("known");
        // The others' book follows the tape (rebuilt at most every 5 minutes).
        if period <= 7 {
            m.market_rate =
                (m.market_rate * Decimal::new(95, 2) + rate * Decimal::new(5, 2)).round_dp(10);
        }
        let stale = now - m.refreshed_mts >= 5 * 60_000;
        self.apply_fills(symbol, fills, life_ms);
        if stale {
            self.refresh_other_lenders(symbol);
        }
    }

    fn apply_fills(&mut self, symbol: &str, fills: Vec<(usize, Decimal, Decimal)>, life_ms: i64) {
        let now = self.now;
        let mut new_credits = Vec::new();
        let mut own_trades = Vec::new();
        let mut closed = Vec::new();
        {
            let m = self.markets.get_mut(symbol).expect("known");
            for (i, take, rate) in &fills {
                let o = &mut m.offers[*i];
                o.amount -= *take;
                o.updated = now;
                if let Some(acc) = o.account {
                    new_credits.push((acc, *take, *rate, o.period, o.id));
                    o.status = if o.amount.is_zero() {
                        format!(
                            "EXECUTED at {}% ({})",
                            (*rate * Decimal::from(100)).round_dp(4),
                            o.amount_orig
                        )
                    } else {
                        "PARTIALLY FILLED".into()
                    };
                    own_trades.push((acc, o.id, *take, *rate, o.period));
                }
            }
            let (done, keep): (Vec<Offer>, Vec<Offer>) =
                m.offers.drain(..).partition(|o| o.amount <= Decimal::ZERO);
            m.offers = keep;
            closed.extend(done.into_iter().filter(|o| o.account.is_some()));
        }
        for o in closed {
            if let Some(a) = self.accounts.get_mut(&o.account.expect("filtered")) {
                a.offer_hist.push(o);
            }
        }
        for (acc, offer_id, amount, rate, period) in own_trades {
            let id = self.id();
            if let Some(a) = self.accounts.get_mut(&acc) {
                a.trades.push(OwnTrade {
                    id,
                    symbol: symbol.into(),
                    mts: now,
                    offer_id,
                    amount,
                    rate,
                    period,
                });
            }
        }
        for (account, amount, rate, period, offer_id) in new_credits {
            let id = self.id();
            let c = Credit {
                id,
                account,
                symbol: symbol.into(),
                amount,
                rate,
                period,
                opened: now,
                ends: now + life_ms.min(i64::from(period) * DAY_MS).max(60_000),
                accrued_to: now,
                offer_id,
                last_payout: now,
                closed: None,
            };
            self.markets.get_mut(symbol).expect("known").credits.push(c);
        }
    }

    /// The driver.
    pub fn driver(&self) -> &Driver {
        &self.driver
    }
}
