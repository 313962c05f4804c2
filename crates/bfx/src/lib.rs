//! A typed Bitfinex API v2 REST client for margin funding (lending) with the user's own key.
//!
//! **What it is for.** Everything Yieldsforge needs to talk to Bitfinex (or to `bfx-sim`, its
//! local emulator, which speaks the same API):
//!
//! * **Signing** — `bfx-signature` = hex HMAC-SHA384 of `"/api/v2/" + path + nonce + body`
//!   over the exact body bytes sent (compact JSON, `{}` without parameters), with `bfx-nonce`,
//!   `bfx-apikey` and JSON content type ([`sign_rest`], [`sign_ws_auth`]).
//! * **Nonces** — `max(now_µs, last + 1)`, below `MAX_SAFE_INTEGER`, recorded in a
//!   [`NonceStore`] before each request (the app backs it with SQLite), so they keep increasing
//!   across restarts. All signed requests of one key in the process go one at a time, even
//!   from several [`Client`]s. A `10114 nonce: small` is moved past and retried once; twice
//!   is [`Error::Nonce`] ("another program is using this key: use a dedicated key").
//! * **Rate limits** — one budget per endpoint [`Family`] (authenticated 90/min, book 240,
//!   candles 30, trades 15, tickers 30, …), never exceeded in any 60 s window; after a
//!   rate-limit answer in any form the family is paused for 60 s and calls return
//!   [`Error::RateLimited`] without being sent. [`Client::calls`] counts requests per family.
//! * **Errors** — one [`Error`] enum classified by Bitfinex code and message text:
//!   `InvalidKey`, `PermissionDenied`, `Nonce`, `RateLimited`, `Maintenance`, `InvalidParams`,
//!   `Rejected`, `Transport`, `Unknown`, `Decode`, … No error, log line or `Debug` output
//!   carries the secret ([`Sensitive`]).
//! * **Endpoints and models** — permissions, wallets, user info, funding offers, credits,
//!   loans and trades (active and history), ledgers with paging, funding info, submit /
//!   cancel / cancel-all offers, close funding, auto-renew, transfers between the user's own
//!   wallets; public funding ticker, book (P0–P4, R0), trades, candles, funding stats and
//!   platform status. Amounts and rates are exact [`rust_decimal::Decimal`]s (never `f64`),
//!   timestamps UTC milliseconds; rows tolerate `null`s and extra trailing fields.
//!
//! **Write outcomes.** Writes (`auth/w/*`) return `Result<T, Error>` and are never retried
//! (except after `nonce: small`, which Bitfinex refused before applying anything). A write
//! that may have been applied without our knowing — sent and then timed out, connection lost
//! before the answer, a 5xx without a Bitfinex error body, an answer that cannot be read — is
//! [`Error::Unknown`]: reconcile from the exchange's state before sending anything else. A
//! notification with status `ERROR`/`FAILURE` is [`Error::Rejected`] (nothing changed).
//!
//! **What it is not.** Not a trading client (no orders, positions, deposits or withdrawals),
//! and it cannot send funds to anyone: it only lends (offer amounts must be > 0, it never
//! borrows) and transfers between the user's own wallets (never `email_dst`/`user_id_dst`).
//! Not a strategy (that is `lender`), not an emulator (`bfx-sim`), not a WebSocket client
//! (only the WS auth signature is here), and not a secret store (`vault`).
//!
//! # Example: read the funding wallet and list active offers
//! ```no_run
//! # async fn demo() -> Result<(), bfx::Error> {
//! use bfx::{Client, ClientConfig, Credentials};
//!
//! let creds = Credentials::new("your-api-key", "your-api-secret");
//! // `ClientConfig::for_base("http://127.0.0.1:PORT")` talks to a local bfx-sim instead.
//! let client = Client::new(ClientConfig::default(), Some(creds))?;
//! for w in client.wallets().await?.iter().filter(|w| w.is_funding()) {
//!     println!("{} {} (available {:?})", w.currency, w.balance, w.available);
//! }
//! for offer in client.funding_offers(Some("fUSD")).await? {
//!     println!(
//!         "offer {}: {} at {}/day for {} days",
//!         offer.id, offer.amount, offer.rate, offer.period
//!     );
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod client;
mod error;
mod limits;
pub mod models;
mod nonce;
mod secret;
mod sign;
mod wire;

pub use client::{
    Client, ClientConfig, DEFAULT_AUTH_URL, DEFAULT_PUBLIC_URL, LEDGER_PAGE_MAX,
    OFFERS_HIST_PAGE_MAX, TRADES_PAGE_MAX,
};
pub use error::Error;
pub use limits::{Family, RateLimits};
pub use models::*;
pub use nonce::{MAX_NONCE, MemoryNonceStore, NonceSource, NonceStore};
pub use secret::{Credentials, Sensitive};
pub use sign::{sign_rest, sign_ws_auth};
