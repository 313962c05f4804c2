//! Plain English for people: amounts in cents (or trimmed to 8 decimals for coins), rates as
//! %/day and APR, and the engine's states and reasons in words rather than Rust's `{:?}`.

use lender::engine::{EngineState, OfferView};
use lender::model::{Halt, OfferKind};
use lender::planner::{CancelReason, IdleReason, LongBasis, OfferReason, Plan};
use rust_decimal::{Decimal, RoundingStrategy};

/// Currencies shown in cents (dollars, Tether, other fiat).
fn in_cents(currency: &str) -> bool {
    matches!(
        currency.to_ascii_uppercase().as_str(),
        "USD" | "UST" | "USDT" | "EUR" | "GBP" | "JPY" | "CNH" | "CHF"
    )
}

/// An amount without its unit: 2 decimals for dollar-like currencies, at most 8 (trailing
/// zeros trimmed) for coins.
pub fn amount(currency: &str, d: Decimal) -> String {
    if in_cents(currency) {
        format!(
            "{:.2}",
            d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        )
    } else {
        let r = d
            .round_dp_with_strategy(8, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
        if r.is_zero() {
            "0".to_owned()
        } else {
            r.to_string()
        }
    }
}

/// True when `d` shows as zero (`0.00`, `0`).
pub fn negligible(currency: &str, d: Decimal) -> bool {
    let dp = if in_cents(currency) { 2 } else { 8 };
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
        .is_zero()
}

/// An amount with its unit: `1000.00 USD`, `0.5 BTC`.
pub fn money(currency: &str, d: Decimal) -> String {
    format!("{} {currency}", amount(currency, d))
}

/// A daily rate as a percentage per day, 4 decimals: `0.0123 %/day`.
pub fn per_day(daily: Decimal) -> String {
    format!(
        "{:.4} %/day",
        (daily * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// A daily rate as an annual percentage (daily × 365, not compounded), 2 decimals: `4.49 % APR`.
pub fn apr(daily: Decimal) -> String {
    format!(
        "{:.2} % APR",
        (daily * Decimal::from(365) * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    )
}

/// A daily rate both ways: `0.0123 %/day (4.49 % APR)`.
pub fn rate(daily: Decimal) -> String {
    format!("{} ({})", per_day(daily), apr(daily))
}

/// A range of daily rates: `0.0120 to 0.0150 %/day (4.38 to 5.48 % APR)`.
pub fn rate_range(lo: Decimal, hi: Decimal) -> String {
    let num = |s: String| s.split(' ').next().unwrap_or_default().to_owned();
    format!(
        "{} to {} ({} to {})",
        num(per_day(lo)),
        per_day(hi),
        num(apr(lo)),
        apr(hi)
    )
}

/// The rate of an offer: a fixed rate, or the Flash Return Rate plus an offset.
pub fn offer_rate(kind: OfferKind, rate_or_offset: Decimal) -> String {
    match kind {
        OfferKind::Limit => rate(rate_or_offset),
        OfferKind::FrrDeltaVar if rate_or_offset.is_zero() => {
            "the Flash Return Rate (FRR)".to_owned()
        }
        OfferKind::FrrDeltaVar => format!("FRR + {}", per_day(rate_or_offset)),
    }
}

/// `1 day`, `2 days`.
pub fn days(n: u32) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// One offer on the book: `1000.00 USD at 0.0123 %/day (4.49 % APR) for 2 days`.
pub fn offer(currency: &str, o: &OfferView) -> String {
    format!(
        "{} at {} for {}",
        money(currency, o.amount),
        offer_rate(o.kind, o.rate),
        days(o.period)
    )
}

/// Local wall-clock time of a UTC millisecond timestamp: `14:05:03`.
pub fn clock(mts: i64) -> String {
    chrono::DateTime::from_timestamp_millis(mts).map_or_else(
        || mts.to_string(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        },
    )
}

/// Local date and time of a UTC millisecond timestamp: `2026-06-23 14:05`.
pub fn date_time(mts: i64) -> String {
    chrono::DateTime::from_timestamp_millis(mts).map_or_else(
        || mts.to_string(),
        |t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        },
    )
}

/// Why the engine stopped writing.
pub fn halt(h: Halt) -> &'static str {
    match h {
        Halt::Paused => "paused",
        Halt::KeyProblem => "a problem with the API key",
        Halt::RateLimited => "Bitfinex asked us to slow down",
        Halt::Maintenance => "Bitfinex is in maintenance",
        Halt::AnotherEngine => "another program is lending with this API key",
        Halt::Storage => "the local database cannot be written",
    }
}

/// The engine's state: `running`, `paused`, `halted: <why> (trying again at 14:05:03)`.
pub fn state(s: &EngineState) -> String {
    match s {
        EngineState::Paused => "paused".to_owned(),
        EngineState::Running => "running".to_owned(),
        EngineState::Halted {
            reason,
            message,
            retry_at_mts,
        } => {
            let why = if message.trim().is_empty() {
                halt(*reason).to_owned()
            } else {
                message.trim().trim_end_matches('.').to_owned()
            };
            match retry_at_mts {
                Some(t) => format!("halted: {why} (trying again at {})", clock(*t)),
                None => format!("halted: {why}"),
            }
        }
    }
}

/// Why money is idle, in words; `plan` gives the minimum offer.
pub fn idle_reason(currency: &str, reason: IdleReason, plan: &Plan) -> String {
    match reason {
        IdleReason::Reserve => "kept back as your reserve".to_owned(),
        IdleReason::BelowMinimum if plan.min_offer > Decimal::ZERO => format!(
            "below Bitfinex's minimum offer ({})",
            money(currency, plan.min_offer)
        ),
        IdleReason::BelowMinimum => "below Bitfinex's minimum offer (150 USD)".to_owned(),
        IdleReason::MaxToLend => "the most you set to lend is already lent or on offer".to_owned(),
        IdleReason::DailyBudget => "today's budget for new offers is used up".to_owned(),
        IdleReason::Disabled => format!("lending {currency} is switched off"),
        IdleReason::NoMarket => {
            "no market to price from (no offers on the book and no FRR)".to_owned()
        }
        IdleReason::Paused => "lending is paused".to_owned(),
        IdleReason::KeyProblem => "a problem with the API key".to_owned(),
        IdleReason::RateLimited => "Bitfinex asked us to slow down".to_owned(),
        IdleReason::Maintenance => "Bitfinex is in maintenance".to_owned(),
        IdleReason::BadData => {
            "Bitfinex's data did not add up; nothing is sent until it does".to_owned()
        }
        IdleReason::MarketUnavailable => "the order book or FRR could not be read".to_owned(),
        IdleReason::AnotherEngine => "another program is lending with this API key".to_owned(),
        IdleReason::Storage => "the local database cannot be written".to_owned(),
    }
}

/// Why an offer is placed.
pub fn offer_reason(r: &OfferReason) -> String {
    match r {
        OfferReason::Ladder {
            step,
            of,
            ahead_usd,
            top_from,
        } => {
            let what = if *of > 1 {
                format!("ladder step {step} of {of}")
            } else {
                "short loan".to_owned()
            };
            let what = match ahead_usd {
                Some(a) => format!(
                    "{what}, priced where {} USD of other offers are cheaper",
                    compact(*a)
                ),
                None => what,
            };
            match top_from {
                Some(t) => format!(
                    "{what}; in the top 5 % of the last day's short trades (from {}), so lent for longer",
                    per_day(*t)
                ),
                None => what,
            }
        }
        OfferReason::Spike {
            into: Some(x),
            level: Some(l),
            ..
        } if !l.is_zero() => format!(
            "offered into a rate spike: trades at {}, {} × the last day's level ({}); lent for longer",
            per_day(*x),
            (*x / *l).round_dp(1).normalize(),
            per_day(*l)
        ),
        OfferReason::Spike { times, top, .. } => match (times, top) {
            (Some(t), Some(top)) => format!(
                "held for rate spikes at {} × the ladder's top rate ({})",
                t.normalize(),
                per_day(*top)
            ),
            _ => "held high for rate spikes".to_owned(),
        },
        OfferReason::AtFloor { market } => match market {
            Some(m) => format!(
                "at your minimum rate; the book offered {} at this depth",
                per_day(*m)
            ),
            None => "at your minimum rate, above the market".to_owned(),
        },
        OfferReason::Frr { delta } => match delta {
            Some(d) if !d.is_zero() => {
                format!("follows the Flash Return Rate, {} above it", per_day(*d))
            }
            _ => "follows the Flash Return Rate".to_owned(),
        },
        OfferReason::Reprice { from_rate } => {
            format!("unfilled, lowered from {}", per_day(*from_rate))
        }
        OfferReason::Long {
            frr,
            factor,
            basis,
            seen,
        } => {
            let why = match basis {
                LongBasis::FrrFactor => format!(
                    "long loan at {factor} × FRR ({}), where long borrowers bid",
                    per_day(*frr)
                ),
                LongBasis::Floor => format!(
                    "long loan at your minimum rate ({factor} × FRR {})",
                    per_day(*frr)
                ),
                LongBasis::ShortMarket => format!(
                    "long loan at the short market's best offer ({factor} × FRR {}): never lent long for less than 2 days pay",
                    per_day(*frr)
                ),
            };
            match seen {
                Some(s) => format!("{why}; {}", long_seen(s)),
                None => why,
            }
        }
    }
}

/// What the last day's long trades say about a long offer's rate.
pub fn long_seen(s: &lender::estimate::LongSeen) -> String {
    let hours = s.hours.round_dp(0).normalize();
    let Some(share) = s.share_at_or_above else {
        return format!("no long loans traded in the last {hours} h");
    };
    let mut out = format!(
        "in the last {hours} h, {} % of long-loan volume ({} of {}) traded at or above this rate",
        (share * Decimal::from(100)).round_dp(0).normalize(),
        compact(s.volume_at_or_above),
        compact(s.long_volume)
    );
    if let Some(m) = s.pace_minutes {
        out.push_str(&format!(
            "; at that pace this offer could be taken in about {}",
            minutes(m)
        ));
    }
    out
}

/// `1.2 M`, `192 k`, `950`.
fn compact(x: Decimal) -> String {
    let m = Decimal::from(1_000_000);
    let k = Decimal::from(1_000);
    if x >= m {
        format!("{} M", (x / m).round_dp(1).normalize())
    } else if x >= k {
        format!("{} k", (x / k).round_dp(0).normalize())
    } else {
        x.round_dp(0).normalize().to_string()
    }
}

/// `45 min`, `3 h`, `2 days`.
fn minutes(m: Decimal) -> String {
    let m = m.round_dp(0);
    if m < Decimal::from(120) {
        format!("{} min", m.normalize())
    } else if m < Decimal::from(48 * 60) {
        format!("{} h", (m / Decimal::from(60)).round_dp(0).normalize())
    } else {
        format!("{} days", (m / Decimal::from(1440)).round_dp(0).normalize())
    }
}

/// Why an offer is cancelled.
pub fn cancel_reason(r: CancelReason) -> &'static str {
    match r {
        CancelReason::RateMoved => "the market moved away from its rate",
        CancelReason::Reprice => "it sat unfilled and is offered again lower",
        CancelReason::Superseded => "the settings changed",
        CancelReason::OverCap => "more was on offer than your reserve or cap allow",
        CancelReason::Disabled => "lending this currency was switched off",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(min_offer: Decimal) -> Plan {
        Plan {
            keep: Vec::new(),
            cancel: Vec::new(),
            submit: Vec::new(),
            idle: Vec::new(),
            floor: Decimal::ZERO,
            market_rate: None,
            min_offer,
        }
    }

    #[test]
    fn amounts_in_cents_or_trimmed_coins() {
        assert_eq!(amount("USD", dec!(10000)), "10000.00");
        assert_eq!(amount("USD", dec!(1234.5678)), "1234.57");
        assert_eq!(amount("UST", dec!(0.005)), "0.01");
        assert_eq!(amount("USD", Decimal::ZERO), "0.00");
        assert_eq!(amount("BTC", dec!(0.50000000)), "0.5");
        assert_eq!(amount("ETH", dec!(1.123456789)), "1.12345679");
        assert_eq!(amount("BTC", Decimal::ZERO), "0");
        assert_eq!(money("USD", dec!(151.5)), "151.50 USD");
        assert!(negligible("USD", dec!(0.000004)) && !negligible("USD", dec!(0.005)));
        assert!(negligible("BTC", dec!(0.000000004)) && !negligible("BTC", dec!(0.00000001)));
    }

    #[test]
    fn rates_per_day_and_apr() {
        assert_eq!(rate(dec!(0.000123)), "0.0123 %/day (4.49 % APR)");
        assert_eq!(rate(dec!(0.0002)), "0.0200 %/day (7.30 % APR)");
        assert_eq!(per_day(dec!(0.0001455)), "0.0146 %/day");
        assert_eq!(apr(dec!(0.0001455)), "5.31 % APR");
        assert_eq!(
            rate_range(dec!(0.00012), dec!(0.00015)),
            "0.0120 to 0.0150 %/day (4.38 to 5.48 % APR)"
        );
        assert_eq!(
            offer_rate(OfferKind::FrrDeltaVar, Decimal::ZERO),
            "the Flash Return Rate (FRR)"
        );
        assert_eq!(
            offer_rate(OfferKind::FrrDeltaVar, dec!(0.00001)),
            "FRR + 0.0010 %/day"
        );
    }

    #[test]
    fn states_in_words() {
        assert_eq!(state(&EngineState::Running), "running");
        assert_eq!(state(&EngineState::Paused), "paused");
        let s = state(&EngineState::Halted {
            reason: Halt::Maintenance,
            message: "Bitfinex is in maintenance.".into(),
            retry_at_mts: None,
        });
        assert_eq!(s, "halted: Bitfinex is in maintenance");
        let s = state(&EngineState::Halted {
            reason: Halt::RateLimited,
            message: String::new(),
            retry_at_mts: Some(0),
        });
        assert!(
            s.starts_with("halted: Bitfinex asked us to slow down (trying again at "),
            "{s}"
        );
        assert!(!s.contains('{'));
    }

    #[test]
    fn reasons_in_words() {
        assert_eq!(
            offer_reason(&OfferReason::Ladder {
                step: 1,
                of: 3,
                ahead_usd: None,
                top_from: None,
            }),
            "ladder step 1 of 3"
        );
        assert_eq!(
            offer_reason(&OfferReason::Ladder {
                step: 2,
                of: 3,
                ahead_usd: Some(dec!(340000)),
                top_from: None,
            }),
            "ladder step 2 of 3, priced where 340 k USD of other offers are cheaper"
        );
        assert_eq!(
            offer_reason(&OfferReason::Ladder {
                step: 3,
                of: 3,
                ahead_usd: Some(dec!(840000)),
                top_from: Some(dec!(0.00012)),
            }),
            "ladder step 3 of 3, priced where 840 k USD of other offers are cheaper; in the top 5 % of the last day's short trades (from 0.0120 %/day), so lent for longer"
        );
        assert_eq!(
            offer_reason(&OfferReason::Spike {
                times: Some(dec!(2.0)),
                top: Some(dec!(0.00014)),
                into: None,
                level: None,
            }),
            "held for rate spikes at 2 × the ladder's top rate (0.0140 %/day)"
        );
        assert_eq!(
            offer_reason(&OfferReason::Spike {
                times: Some(dec!(2.0)),
                top: Some(dec!(0.00014)),
                into: Some(dec!(0.0006)),
                level: Some(dec!(0.00015)),
            }),
            "offered into a rate spike: trades at 0.0600 %/day, 4 × the last day's level (0.0150 %/day); lent for longer"
        );
        assert_eq!(
            offer_reason(&OfferReason::AtFloor {
                market: Some(dec!(0.0001))
            }),
            "at your minimum rate; the book offered 0.0100 %/day at this depth"
        );
        assert_eq!(
            offer_reason(&OfferReason::Frr { delta: None }),
            "follows the Flash Return Rate"
        );
        assert_eq!(
            offer_reason(&OfferReason::Reprice {
                from_rate: dec!(0.00015)
            }),
            "unfilled, lowered from 0.0150 %/day"
        );
        assert_eq!(
            offer_reason(&OfferReason::Long {
                frr: dec!(0.00037),
                factor: dec!(0.8),
                basis: LongBasis::FrrFactor,
                seen: None,
            }),
            "long loan at 0.8 × FRR (0.0370 %/day), where long borrowers bid"
        );
        assert_eq!(
            offer_reason(&OfferReason::Long {
                frr: dec!(0.00037),
                factor: dec!(0.8),
                basis: LongBasis::FrrFactor,
                seen: Some(lender::estimate::LongSeen {
                    hours: dec!(24),
                    long_volume: dec!(2800000),
                    volume_at_or_above: dec!(2100000),
                    share_at_or_above: Some(dec!(0.75)),
                    pace_minutes: Some(dec!(40)),
                }),
            }),
            "long loan at 0.8 × FRR (0.0370 %/day), where long borrowers bid; in the last 24 h, 75 % of long-loan volume (2.1 M of 2.8 M) traded at or above this rate; at that pace this offer could be taken in about 40 min"
        );
        assert_eq!(
            idle_reason("USD", IdleReason::BelowMinimum, &plan(dec!(151.5))),
            "below Bitfinex's minimum offer (151.50 USD)"
        );
        assert_eq!(
            idle_reason("UST", IdleReason::Disabled, &plan(Decimal::ZERO)),
            "lending UST is switched off"
        );
        assert_eq!(
            cancel_reason(CancelReason::RateMoved),
            "the market moved away from its rate"
        );
    }

    #[test]
    fn an_offer_in_one_line() {
        let o = OfferView {
            id: 7,
            amount: dec!(3000),
            rate: dec!(0.0001455),
            period: 2,
            kind: OfferKind::Limit,
            owned: true,
            created_mts: 0,
            reason: None,
        };
        assert_eq!(
            offer("USD", &o),
            "3000.00 USD at 0.0146 %/day (5.31 % APR) for 2 days"
        );
    }
}
