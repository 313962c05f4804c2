//! The lending domain: what to offer, at which rate and period, and why money is idle.
//!
//! - [`planner`]: the pure strategy planner. Market snapshot + balances + own offers and
//!   credits + settings + `now` → the offers to keep, cancel and submit, and the reason for
//!   every idle amount. No I/O and no clock: the same inputs always give the same plan.
//! - [`settings`]: per-currency strategy settings, the presets and their validation.
//! - [`model`]: the plain domain types the planner speaks (the engine converts exchange data
//!   into them).
//! - [`estimate`]: what the recent public trades say about long loans (volume by rate),
//!   computed outside the planner and handed to it.
//! - [`engine`]: the actor that reads Bitfinex, plans, acts (write-ahead logged) and records
//!   history; [`exchange`], [`bfx_exchange`]: what it needs from an exchange and the Bitfinex
//!   client behind it.
//! - [`checks`]: exchange data is checked before it is acted on (wallet arithmetic, book
//!   bounds, own offers that could not be read); [`problems`]: what the engine tells the user
//!   it could not do.
//!
//! Money and rates are [`rust_decimal::Decimal`]; rates are daily fractions as on Bitfinex
//! (0.0002 = 0.02 %/day). This crate never borrows: every amount it produces is positive.

pub mod bfx_exchange;
pub mod checks;
pub mod earnings;
pub mod engine;
pub mod estimate;
pub mod exchange;
pub mod keycheck;
pub mod metrics;
pub mod model;
pub mod planner;
pub mod problems;
pub mod settings;
pub mod sync;
pub mod verify;

pub use model::*;
pub use planner::{Plan, PlanInput, plan};
pub use settings::{FieldError, PeriodThreshold, Preset, StrategySettings};
