//! A typed Bitfinex API v2 REST client for margin funding (lending).
//!
//! What it does: signs requests (`HMAC-SHA384` over `"/api/v2/" + path + nonce + body`),
//! keeps nonces strictly increasing per key (across concurrent calls and, through a
//! [`NonceStore`], across restarts), stays under Bitfinex's per-endpoint rate limits by itself
//! and backs off for 60 s when told to slow down, classifies every error form into one
//! [`Error`] the engine and the UI can act on, and decodes every funding-related array layout
//! into typed models with exact [`rust_decimal::Decimal`] amounts and rates.
//!
//! What it is not: a trading client (no orders, positions or withdrawals — it cannot send
//! funds to anyone), a strategy, or a WebSocket client.
//!
//! Writes never retry blindly: a write that times out after it may have reached Bitfinex
//! returns [`Error::Unknown`], and the caller reconciles from the exchange's state.
//!
//! # Example: read the funding wallet and list active offers
//! ```no_run
//! # async fn demo() -> Result<(), bfx::Error> {
//! use bfx::{Client, ClientConfig, Credentials};
//!
//! let creds = Credentials::new("your-api-key", "your-api-secret");
//! let client = Client::new(ClientConfig::default(), Some(creds))?;
//! for w in client.wallets().await?.iter().filter(|w| w.wallet_type == "funding") {
//!     println!("{} {} (available {:?})", w.currency, w.balance, w.available);
//! }
//! for offer in client.funding_offers(Some("fUSD")).await? {
//!     println!("offer {}: {} at {}/day for {} days", offer.id, offer.amount, offer.rate, offer.period);
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

pub use client::{Client, ClientConfig, DEFAULT_AUTH_URL, DEFAULT_PUBLIC_URL, LEDGER_PAGE_MAX};
pub use error::Error;
pub use limits::{Family, RateLimits};
pub use models::*;
pub use nonce::{MAX_NONCE, MemoryNonceStore, NonceSource, NonceStore};
pub use secret::{Credentials, Sensitive};
pub use sign::{sign_rest, sign_ws_auth};
