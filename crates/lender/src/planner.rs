//! The pure strategy planner.
//!
//! Given one currency's market, funding balance, the offers this app placed, its credits, the
//! settings and the time, [`plan`] says which of our offers to keep, which to cancel and which
//! to submit, and why any money stays idle. It does no I/O and reads no clock.
//!
//! How a plan is made:
//! 1. **Capital** = available balance + what our own offers hold (we may move those).
//!    The reserve is held back, and `max_to_lend` caps lent + offered.
//! 2. **Target slots**: a ladder of `tranches` offers whose rates are read from the book at
//!    cumulative depths spread between `gap_bottom_usd` and `gap_top_usd` (our own offers
//!    are left out of the depth), never below the floor (`min_daily_rate`, and FRR × factor).
//!    A `spike_fraction` share sits at the ladder's top rate × `spike_rate_multiplier`.
//!    In FRR mode a single FRRDELTAVAR slot takes everything. Periods follow the rate
//!    thresholds. Slots larger than `max_order_size` are split; no slot is below the
//!    exchange minimum (150 USD-equivalent plus a margin) — remainders are folded in.
//! 3. **Match** our offers to slots: an offer whose kind, hidden flag and period fit, and whose
//!    rate lies near a slot's rate, is kept — so an unchanged market gives an empty diff.
//!    An offer that sat unfilled for `reprice_after_minutes` is replaced one step lower,
//!    never below the floor. Offers that fit no slot are cancelled.
//! 4. **Fill the gaps**: capital not held by kept offers goes to the slots' shortfalls, within
//!    the daily budget, in offers of at least the minimum. What cannot be placed is reported
//!    as idle with its reason.

use rust_decimal::{Decimal, RoundingStrategy};
use rust_decimal_macros::dec;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{
    Credit, ExchangeRules, FundingBalance, Halt, MarketSnapshot, OfferId, OfferKind, OwnOffer,
};
use crate::settings::StrategySettings;

/// An own offer priced up to this share above its slot's rate still matches it.
const MATCH_ABOVE: Decimal = dec!(0.02);
/// An own offer priced up to this share below its slot's rate still matches it (room for repricing).
const MATCH_BELOW: Decimal = dec!(0.30);
/// A long offer is kept down to this share below its target (a long loan locks its rate for
/// months: one left well under the market would lend cheap for a long time).
const LONG_MATCH_BELOW: Decimal = dec!(0.05);

/// Everything the planner looks at, for one currency.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    /// The strategy.
    pub settings: &'a StrategySettings,
    /// The exchange's offer rules.
    pub rules: &'a ExchangeRules,
    /// Book, FRR and USD price.
    pub market: &'a MarketSnapshot,
    /// The funding wallet.
    pub balance: &'a FundingBalance,
    /// Offers this app placed that are still on the book.
    pub own_offers: &'a [OwnOffer],
    /// Active credits (money lent out).
    pub credits: &'a [Credit],
    /// Amount newly offered since 00:00 UTC (for the daily budget).
    pub deployed_today: Decimal,
    /// Set when the engine must not place offers.
    pub halt: Option<Halt>,
    /// The time of the plan (UTC ms).
    pub now_mts: i64,
    /// Long loans traded recently, by rate ([`crate::estimate`]); shown with long offers.
    pub long_demand: Option<&'a crate::estimate::LongDemand>,
    /// The short market's recent level ([`crate::estimate::RecentPrints::short_level`]): a
    /// last trade at [`SPIKE_TRIGGER`] times it or more is a spike, and the spike tranche is
    /// offered into it.
    pub short_level: Option<Decimal>,
    /// The rate the top 5 % of the recent short volume traded at or above
    /// ([`crate::estimate::RecentPrints::short_top`]): with `longer_when_high`, a limit offer
    /// there is high relative to the recent market and is lent for [`RELATIVE_LONG_DAYS`] (when
    /// a second source confirms it), whatever the settings' absolute thresholds say.
    pub short_top: Option<Decimal>,
}

/// The period of an offer in the top 5 % of the recent short market.
pub const RELATIVE_LONG_DAYS: u32 = 30;

/// A last trade at this many times the short market's recent level is a spike.
pub const SPIKE_TRIGGER: Decimal = dec!(2);
/// Offered into a spike at this share of its last trade's rate (a little under it, so the
/// borrowers still sweeping take it).
pub const SPIKE_INTO: Decimal = dec!(0.95);
/// Offered into a spike for at least this many days: the high rate is kept for longer.
pub const SPIKE_LOCK_DAYS: u32 = 30;

/// Why an offer is wanted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind")]
#[ts(export)]
pub enum OfferReason {
    /// Step `step` of a ladder of `of` steps, priced from the book.
    Ladder {
        /// 1-based step.
        step: u32,
        /// Number of steps.
        of: u32,
        /// Other lenders' offers cheaper than this step, USD-equivalent (the step's depth).
        #[serde(default)]
        #[ts(type = "string | null")]
        ahead_usd: Option<Decimal>,
        /// Set when the rate is in the top 5 % of the recent short market (this rate or
        /// more): then it is lent for longer.
        #[serde(default)]
        #[ts(type = "string | null")]
        top_from: Option<Decimal>,
    },
    /// Held back at a high rate for rate spikes.
    Spike {
        /// The multiple of the ladder's highest rate.
        #[serde(default)]
        #[ts(type = "string | null")]
        times: Option<Decimal>,
        /// The ladder's highest rate.
        #[serde(default)]
        #[ts(type = "string | null")]
        top: Option<Decimal>,
        /// A spike is on: the last trade's rate, which the tranche is offered into.
        #[serde(default)]
        #[ts(type = "string | null")]
        into: Option<Decimal>,
        /// The short market's recent level the spike is measured against.
        #[serde(default)]
        #[ts(type = "string | null")]
        level: Option<Decimal>,
    },
    /// Raised to the minimum rate because the book is cheaper.
    AtFloor {
        /// What the book offered at this step's depth.
        #[serde(default)]
        #[ts(type = "string | null")]
        market: Option<Decimal>,
    },
    /// Follows the Flash Return Rate.
    Frr {
        /// The offset above FRR.
        #[serde(default)]
        #[ts(type = "string | null")]
        delta: Option<Decimal>,
    },
    /// Replaces an offer that sat unfilled, one step lower.
    Reprice {
        /// The previous rate.
        #[ts(type = "string")]
        from_rate: Decimal,
    },
    /// A long loan priced from FRR, where long borrowers bid.
    Long {
        /// FRR when it was priced.
        #[ts(type = "string")]
        frr: Decimal,
        /// The rate ÷ FRR.
        #[ts(type = "string")]
        factor: Decimal,
        /// What set the rate.
        basis: LongBasis,
        /// What the last day's long trades say about this rate, when enough was seen.
        #[serde(default)]
        seen: Option<crate::estimate::LongSeen>,
    },
}

/// What set a long offer's rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum LongBasis {
    /// FRR × the settings' factor.
    FrrFactor,
    /// The minimum rate (FRR × the factor is below it).
    Floor,
    /// The short market's best offer (it pays more than FRR × the factor: no long loan below it).
    ShortMarket,
}

/// An offer to submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DesiredOffer {
    /// Amount (always ≥ the exchange minimum, always positive).
    #[ts(type = "string")]
    pub amount: Decimal,
    /// Daily rate (for `FrrDeltaVar`: the offset above FRR).
    #[ts(type = "string")]
    pub rate: Decimal,
    /// Period in days, within the exchange's bounds.
    pub period: u32,
    /// Pricing kind.
    pub kind: OfferKind,
    /// Hidden from the public book.
    pub hidden: bool,
    /// Why.
    pub reason: OfferReason,
}

/// Why an own offer is cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum CancelReason {
    /// The market moved away from its rate.
    RateMoved,
    /// It sat unfilled; it is replaced one step lower.
    Reprice,
    /// The settings changed (period, FRR mode, hidden flag).
    Superseded,
    /// More is on offer than the reserve or the cap allow.
    OverCap,
    /// Lending of this currency was switched off.
    Disabled,
}

/// An own offer to cancel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Cancel {
    /// The offer.
    #[ts(type = "number")]
    pub id: OfferId,
    /// Why.
    pub reason: CancelReason,
}

/// Why money is idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum IdleReason {
    /// Kept back as the reserve.
    Reserve,
    /// Less than the exchange's minimum offer.
    BelowMinimum,
    /// The maximum to lend is reached.
    MaxToLend,
    /// Today's deployment budget is used up.
    DailyBudget,
    /// Lending of this currency is switched off.
    Disabled,
    /// No book and no FRR to price from.
    NoMarket,
    /// Paused by the user (or a new key not yet started).
    Paused,
    /// A problem with the API key.
    KeyProblem,
    /// Waiting out Bitfinex's rate limit.
    RateLimited,
    /// Bitfinex is in maintenance.
    Maintenance,
    /// Bitfinex's data failed a check (it does not add up, or holds impossible rates):
    /// nothing is done until it is consistent again.
    BadData,
    /// The order book or FRR could not be read.
    MarketUnavailable,
    /// Another program lends with the same key.
    AnotherEngine,
    /// The local database cannot be written.
    Storage,
}

impl From<Halt> for IdleReason {
    fn from(h: Halt) -> Self {
        match h {
            Halt::Paused => Self::Paused,
            Halt::KeyProblem => Self::KeyProblem,
            Halt::RateLimited => Self::RateLimited,
            Halt::Maintenance => Self::Maintenance,
            Halt::AnotherEngine => Self::AnotherEngine,
            Halt::Storage => Self::Storage,
        }
    }
}

/// An idle amount and its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IdleAmount {
    /// How much.
    #[ts(type = "string")]
    pub amount: Decimal,
    /// Why.
    pub reason: IdleReason,
}

/// What to do for one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Plan {
    /// Own offers to leave as they are.
    #[ts(type = "Array<number>")]
    pub keep: Vec<OfferId>,
    /// Own offers to cancel.
    pub cancel: Vec<Cancel>,
    /// Offers to submit.
    pub submit: Vec<DesiredOffer>,
    /// Money that stays idle, by reason.
    pub idle: Vec<IdleAmount>,
    /// The effective minimum rate.
    #[ts(type = "string")]
    pub floor: Decimal,
    /// The best rate other lenders offer (our offers left out), if any.
    #[ts(type = "string | null")]
    pub market_rate: Option<Decimal>,
    /// The smallest offer the exchange accepts, in this currency (with the margin).
    #[ts(type = "string")]
    pub min_offer: Decimal,
}

impl Plan {
    /// True when nothing is to be sent to the exchange.
    pub fn is_noop(&self) -> bool {
        self.cancel.is_empty() && self.submit.is_empty()
    }

    /// True when the floor is above what the market offers: our offers wait at the floor.
    pub fn floor_above_market(&self) -> bool {
        self.market_rate.is_some_and(|m| m < self.floor)
    }

    /// Total idle amount.
    pub fn idle_total(&self) -> Decimal {
        self.idle.iter().map(|i| i.amount).sum()
    }
}

/// A target offer before matching.
#[derive(Debug, Clone)]
struct Slot {
    amount: Decimal,
    rate: Decimal,
    period: u32,
    kind: OfferKind,
    reason: OfferReason,
    /// Amount of own offers matched to it.
    matched: Decimal,
}

fn down8(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(8, RoundingStrategy::ToZero)
}

fn up8(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(8, RoundingStrategy::AwayFromZero)
}

/// Idle below this (in the currency's units) is dust, not worth a line: the last decimals of
/// interest payments, and what the tags on offer amounts leave (at most 0.000002 an offer).
const DUST: Decimal = dec!(0.00001);

fn push_idle(idle: &mut Vec<IdleAmount>, amount: Decimal, reason: IdleReason) {
    if amount <= Decimal::ZERO || (reason == IdleReason::BelowMinimum && amount < DUST) {
        return;
    }
    if let Some(i) = idle.iter_mut().find(|i| i.reason == reason) {
        i.amount += amount;
    } else {
        idle.push(IdleAmount { amount, reason });
    }
}

/// The plan while the engine waits for one currency (its data failed a check, or the market
/// could not be read): nothing to send, our offers stay, the available money idle with the
/// reason.
pub fn waiting(
    own: &[OwnOffer],
    available: Decimal,
    reason: IdleReason,
    settings: &StrategySettings,
) -> Plan {
    let mut plan = Plan {
        keep: own.iter().map(|o| o.id).collect(),
        cancel: Vec::new(),
        submit: Vec::new(),
        idle: Vec::new(),
        floor: settings.min_daily_rate,
        market_rate: None,
        min_offer: Decimal::ZERO,
    };
    // Shown even when nothing is available: it is why nothing is done.
    plan.idle.push(IdleAmount {
        amount: available.max(Decimal::ZERO),
        reason,
    });
    plan
}

/// Makes the plan for one currency. Pure: the same input always gives the same plan.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let s = input.settings;
    let rules = input.rules;
    let own_ids: Vec<OfferId> = input.own_offers.iter().map(|o| o.id).collect();
    let mut asks: Vec<_> = input
        .market
        .asks
        .iter()
        .filter(|a| a.amount > Decimal::ZERO && a.rate > Decimal::ZERO && !own_ids.contains(&a.id))
        .collect();
    asks.sort_by(|a, b| a.rate.cmp(&b.rate).then(a.id.cmp(&b.id)));
    let market_rate = asks.first().map(|a| a.rate);
    let floor = match (s.min_rate_frr_factor, input.market.frr) {
        (Some(f), Some(frr)) => s.min_daily_rate.max(up8(frr * f)),
        _ => s.min_daily_rate,
    };
    let usd = input.market.usd_price;
    let min_offer = if usd > Decimal::ZERO {
        up8(rules.min_offer_usd * (Decimal::ONE + rules.min_offer_margin) / usd)
    } else {
        Decimal::MAX
    };
    let mut plan = Plan {
        keep: Vec::new(),
        cancel: Vec::new(),
        submit: Vec::new(),
        idle: Vec::new(),
        floor,
        market_rate,
        min_offer,
    };
    let available = input.balance.available.max(Decimal::ZERO);
    let own_offered: Decimal = input
        .own_offers
        .iter()
        .map(|o| o.amount.max(Decimal::ZERO))
        .sum();

    if let Some(halt) = input.halt {
        plan.keep = own_ids;
        push_idle(&mut plan.idle, available, halt.into());
        return plan;
    }
    if !s.enabled {
        plan.cancel = own_ids
            .into_iter()
            .map(|id| Cancel {
                id,
                reason: CancelReason::Disabled,
            })
            .collect();
        push_idle(
            &mut plan.idle,
            available + own_offered,
            IdleReason::Disabled,
        );
        return plan;
    }
    if usd <= Decimal::ZERO || (asks.is_empty() && input.market.frr.is_none()) {
        plan.keep = own_ids;
        push_idle(&mut plan.idle, available, IdleReason::NoMarket);
        return plan;
    }

    // 1. Capital.
    let capital = available + own_offered;
    let reserve = s.reserve.max(Decimal::ZERO).min(capital);
    push_idle(&mut plan.idle, reserve, IdleReason::Reserve);
    let mut deployable = capital - reserve;
    if let Some(max) = s.max_to_lend {
        let lent: Decimal = input.credits.iter().map(|c| c.amount).sum();
        let room = (max - lent).max(Decimal::ZERO);
        if deployable > room {
            push_idle(&mut plan.idle, deployable - room, IdleReason::MaxToLend);
            deployable = room;
        }
    }

    // 2. Target slots: the long tranche first, the rest to FRR or the ladder.
    let (long_amount, mut slots) = long_slots(input, &asks, deployable, floor, min_offer);
    let rest = deployable - long_amount;
    slots.extend(if s.frr_mode {
        frr_slots(input, rest, min_offer)
    } else {
        ladder_slots(input, &asks, rest, floor, min_offer)
    });
    let long_period = clamp_period(s.long_period, rules);
    let is_long = |o: &OwnOffer| {
        long_amount > Decimal::ZERO && o.kind == OfferKind::Limit && o.period == long_period
    };

    // 3. Match own offers to slots.
    let mut reprices: Vec<DesiredOffer> = Vec::new();
    let mut kept: Vec<&OwnOffer> = Vec::new();
    let mut sorted_own: Vec<&OwnOffer> = input.own_offers.iter().collect();
    sorted_own.sort_by(|a, b| a.rate.cmp(&b.rate).then(a.id.cmp(&b.id)));
    for own in sorted_own {
        let fits_settings = own.hidden == s.hidden
            && own.amount > Decimal::ZERO
            && match own.kind {
                // Either period is fine: whether a second source confirms the rate changes
                // with the market, and that alone is no reason to churn an offer.
                OfferKind::Limit => {
                    own.period == clamp_period(s.period_for(own.rate), rules)
                        || own.period == period_at(input, own.rate)
                        || (s.longer_when_high
                            && own.period == clamp_period(RELATIVE_LONG_DAYS, rules))
                        || is_long(own)
                }
                OfferKind::FrrDeltaVar => true,
            };
        if !fits_settings {
            plan.cancel.push(Cancel {
                id: own.id,
                reason: CancelReason::Superseded,
            });
            continue;
        }
        let own_long = is_long(own);
        let slot = slots
            .iter_mut()
            .filter(|sl| sl.kind == own.kind && sl.matched < sl.amount)
            .filter(|sl| matches!(sl.reason, OfferReason::Long { .. }) == own_long)
            .filter(|sl| match own.kind {
                OfferKind::FrrDeltaVar => own.rate == sl.rate,
                OfferKind::Limit => {
                    let below = if own_long {
                        LONG_MATCH_BELOW
                    } else {
                        MATCH_BELOW
                    };
                    own.rate >= floor
                        && own.rate <= sl.rate * (Decimal::ONE + MATCH_ABOVE)
                        && own.rate >= (sl.rate * (Decimal::ONE - below)).max(floor)
                }
            })
            .min_by_key(|sl| (own.rate - sl.rate).abs());
        let Some(slot) = slot else {
            plan.cancel.push(Cancel {
                id: own.id,
                reason: CancelReason::RateMoved,
            });
            continue;
        };
        slot.matched += own.amount;
        // A long offer waits at its price: long borrowers come by the hour, and lowering it
        // would lock a lower rate for months.
        let stale = own.kind == OfferKind::Limit
            && !own_long
            && s.reprice_after_minutes > 0
            && own.amount == own.amount_orig
            && input.now_mts - own.created_mts >= i64::from(s.reprice_after_minutes) * 60_000;
        let stepped = down8(own.rate * (Decimal::ONE - s.reprice_step)).max(floor);
        if stale && stepped < own.rate && own.amount >= min_offer {
            plan.cancel.push(Cancel {
                id: own.id,
                reason: CancelReason::Reprice,
            });
            reprices.push(DesiredOffer {
                amount: own.amount,
                rate: stepped,
                period: period_at(input, stepped),
                kind: OfferKind::Limit,
                hidden: s.hidden,
                reason: OfferReason::Reprice {
                    from_rate: own.rate,
                },
            });
        } else {
            kept.push(own);
        }
    }

    // Kept and repriced offers may hold more than is deployable now (reserve raised, cap
    // lowered, credits grew): cancel from the most expensive down until they fit.
    let mut held: Decimal = kept.iter().map(|o| o.amount).sum::<Decimal>()
        + reprices.iter().map(|r| r.amount).sum::<Decimal>();
    while held > deployable {
        let top_kept = kept
            .iter()
            .enumerate()
            .max_by_key(|(_, o)| (o.rate, o.id))
            .map(|(i, _)| i);
        let top_reprice = reprices
            .iter()
            .enumerate()
            .max_by_key(|(_, r)| r.rate)
            .map(|(i, _)| i);
        if let Some(i) = top_reprice {
            held -= reprices.remove(i).amount;
        } else if let Some(i) = top_kept {
            let o = kept.remove(i);
            held -= o.amount;
            plan.cancel.push(Cancel {
                id: o.id,
                reason: CancelReason::OverCap,
            });
        } else {
            break;
        }
    }
    plan.keep = kept.iter().map(|o| o.id).collect();
    plan.keep.sort_unstable();

    // 4. Fill the slots' shortfalls with what is left.
    let mut remaining = deployable - held;
    let budget_left = s
        .daily_budget
        .map(|b| (b - input.deployed_today).max(Decimal::ZERO));
    let mut new_total = Decimal::ZERO;
    let mut budget_idle = Decimal::ZERO;
    slots.sort_by_key(|a| a.rate);
    let open: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].matched < slots[i].amount)
        .collect();
    let mut new_offers: Vec<DesiredOffer> = Vec::new();
    for (n, &i) in open.iter().enumerate() {
        let sl = &slots[i];
        let last = n + 1 == open.len();
        let mut amount = if last {
            remaining
        } else {
            (sl.amount - sl.matched).min(remaining)
        };
        if let Some(left) = budget_left {
            let room = (left - new_total).max(Decimal::ZERO);
            if amount > room {
                budget_idle += amount - room;
                remaining -= amount - room;
                amount = room;
            }
        }
        amount = down8(amount);
        if amount < min_offer {
            continue;
        }
        remaining -= amount;
        new_total += amount;
        new_offers.push(DesiredOffer {
            amount,
            rate: sl.rate,
            period: sl.period,
            kind: sl.kind,
            hidden: s.hidden,
            reason: sl.reason.clone(),
        });
    }
    // A remainder below the minimum joins the last new offer when the budget allows.
    if remaining > Decimal::ZERO
        && let Some(last) = new_offers.last_mut()
    {
        let room = budget_left.map_or(remaining, |l| (l - new_total).max(Decimal::ZERO));
        let add = down8(remaining.min(room));
        last.amount += add;
        remaining -= add;
    }
    push_idle(&mut plan.idle, budget_idle, IdleReason::DailyBudget);
    push_idle(&mut plan.idle, remaining, IdleReason::BelowMinimum);
    plan.submit = reprices;
    plan.submit.extend(new_offers);
    plan
}

fn clamp_period(days: u32, rules: &ExchangeRules) -> u32 {
    days.clamp(rules.min_period, rules.max_period)
}

/// The period for a limit offer at `rate`: the settings' threshold period when FRR or the last
/// trade confirms the rate ([`crate::checks::confirmed`]), else the shortest. A rate read
/// from the book alone never locks money for long.
fn period_at(input: &PlanInput<'_>, rate: Decimal) -> u32 {
    let mut p = clamp_period(input.settings.period_for(rate), input.rules);
    if relatively_high(input, rate) {
        p = p.max(clamp_period(RELATIVE_LONG_DAYS, input.rules));
    }
    if p > input.rules.min_period && !crate::checks::confirmed(rate, input.market) {
        input.rules.min_period
    } else {
        p
    }
}

/// True when `rate` is in the top 5 % of the recent short market.
fn relatively_high(input: &PlanInput<'_>, rate: Decimal) -> bool {
    input.settings.longer_when_high
        && input
            .short_top
            .is_some_and(|top| top > Decimal::ZERO && rate >= top)
}

/// Splits `amount` into pieces of at most `max` (when set), none below `min`.
fn split(amount: Decimal, max: Option<Decimal>, min: Decimal) -> Vec<Decimal> {
    let Some(max) = max.filter(|m| *m > Decimal::ZERO && amount > *m) else {
        return vec![amount];
    };
    let mut k = (amount / max).ceil();
    if amount / k < min {
        k = (amount / min).floor().max(Decimal::ONE);
    }
    let n = k.to_string().parse::<usize>().unwrap_or(1).max(1);
    let piece = down8(amount / k);
    let mut parts = vec![piece; n];
    parts[n - 1] = amount - piece * Decimal::from(n - 1);
    parts
}

/// The long tranche: `long_share` of what is deployable, for `long_period` days at FRR ×
/// `long_frr_factor` — where long borrowers' bids stand (docs/strategy.md) — never below the
/// floor or the short market's best offer (no lending for months below what 2 days pay).
/// None when FRR is unknown or unconfirmed (the last trade or the book's best offer must be
/// at least [`crate::checks::CONFIRM_SHARE`] of it: a garbage FRR must not lock money for
/// months), when the book's best offer is above FRR × factor and nothing confirms it, or when
/// the tranche is below the minimum offer (a rest below the minimum joins the tranche).
/// Returns the amount and its slots.
fn long_slots(
    input: &PlanInput<'_>,
    asks: &[&crate::model::BookOffer],
    deployable: Decimal,
    floor: Decimal,
    min_offer: Decimal,
) -> (Decimal, Vec<Slot>) {
    let s = input.settings;
    let Some(frr) = input.market.frr.filter(|f| *f > Decimal::ZERO) else {
        return (Decimal::ZERO, Vec::new());
    };
    let best_ask = asks.first().map(|a| a.rate);
    let confirmed = [input.market.last_rate, best_ask]
        .into_iter()
        .flatten()
        .any(|r| r >= frr * crate::checks::CONFIRM_SHARE);
    if s.long_share <= Decimal::ZERO || !confirmed || deployable < min_offer {
        return (Decimal::ZERO, Vec::new());
    }
    let mut amount = down8(deployable * s.long_share.min(Decimal::ONE));
    if deployable - amount < min_offer {
        amount = deployable;
    }
    if amount < min_offer {
        return (Decimal::ZERO, Vec::new());
    }
    let by_frr = up8(frr * s.long_frr_factor);
    // The short market above FRR × factor raises the long rate, but a rate only the book shows
    // never locks money for months: then no long offer this time.
    if best_ask.is_some_and(|a| a > by_frr && !crate::checks::confirmed(a, input.market)) {
        return (Decimal::ZERO, Vec::new());
    }
    let (rate, basis) = [
        (by_frr, LongBasis::FrrFactor),
        (floor, LongBasis::Floor),
        (best_ask.unwrap_or_default(), LongBasis::ShortMarket),
    ]
    .into_iter()
    .fold((Decimal::ZERO, LongBasis::FrrFactor), |best, c| {
        if c.0 > best.0 { c } else { best }
    });
    let reason = OfferReason::Long {
        frr,
        factor: (rate / frr).round_dp(2).normalize(),
        basis,
        seen: input.long_demand.map(|d| d.at(rate, amount)),
    };
    let period = clamp_period(s.long_period, input.rules);
    let slots = split(amount, s.max_order_size, min_offer)
        .into_iter()
        .map(|piece| Slot {
            amount: piece,
            rate,
            period,
            kind: OfferKind::Limit,
            reason: reason.clone(),
            matched: Decimal::ZERO,
        })
        .collect();
    (amount, slots)
}

fn frr_slots(input: &PlanInput<'_>, deployable: Decimal, min_offer: Decimal) -> Vec<Slot> {
    let s = input.settings;
    if deployable < min_offer {
        return Vec::new(); // reported as BelowMinimum when the remainder is accounted for
    }
    // FRR is one source; the last trade or the book's best ask must confirm it before it
    // decides a long period (a garbage FRR must not lock money for months at the real one).
    let frr = input.market.frr.unwrap_or_default();
    let confirmed = [
        input.market.last_rate,
        input.market.asks.iter().map(|a| a.rate).min(),
    ]
    .into_iter()
    .flatten()
    .any(|r| r >= frr * crate::checks::CONFIRM_SHARE);
    let period = if confirmed {
        clamp_period(s.period_for(frr + s.frr_delta), input.rules)
    } else {
        input.rules.min_period
    };
    split(deployable, s.max_order_size, min_offer)
        .into_iter()
        .map(|amount| Slot {
            amount,
            rate: s.frr_delta,
            period,
            kind: OfferKind::FrrDeltaVar,
            reason: OfferReason::Frr {
                delta: Some(s.frr_delta),
            },
            matched: Decimal::ZERO,
        })
        .collect()
}

fn ladder_slots(
    input: &PlanInput<'_>,
    asks: &[&crate::model::BookOffer],
    deployable: Decimal,
    floor: Decimal,
    min_offer: Decimal,
) -> Vec<Slot> {
    let s = input.settings;
    let usd = input.market.usd_price;
    let fallback = input.market.frr.unwrap_or(floor);
    // Other lenders' offers cheaper than `rate`, USD-equivalent.
    let ahead_of = |rate: Decimal| -> Decimal {
        asks.iter()
            .filter(|a| a.rate < rate)
            .map(|a| a.amount * usd)
            .sum()
    };
    let rate_at_depth = |depth_usd: Decimal| -> Decimal {
        let mut cum = Decimal::ZERO;
        for a in asks {
            cum += a.amount * usd;
            if cum >= depth_usd {
                return a.rate;
            }
        }
        asks.last().map_or(fallback, |a| a.rate)
    };
    let mut spike = down8(deployable * s.spike_fraction);
    if spike < min_offer {
        spike = Decimal::ZERO;
    }
    let mut ladder = deployable - spike;
    if ladder < min_offer {
        spike = Decimal::ZERO;
        ladder = deployable;
    }
    let n = (ladder / min_offer)
        .floor()
        .min(Decimal::from(s.tranches.max(1)));
    if n < Decimal::ONE {
        return Vec::new(); // reported as BelowMinimum when the remainder is accounted for
    }
    let n_steps: u32 = n.to_string().parse().unwrap_or(1);
    let per = down8(ladder / n);
    let mut slots = Vec::new();
    let mut top = Decimal::ZERO;
    for i in 0..n_steps {
        let depth = if n_steps == 1 {
            s.gap_bottom_usd
        } else {
            s.gap_bottom_usd
                + (s.gap_top_usd - s.gap_bottom_usd) * Decimal::from(i) / Decimal::from(n_steps - 1)
        };
        let book_rate = rate_at_depth(depth);
        let rate = book_rate.max(floor);
        top = top.max(rate);
        let amount = if i + 1 == n_steps {
            ladder - per * Decimal::from(n_steps - 1)
        } else {
            per
        };
        let reason = if book_rate < floor {
            OfferReason::AtFloor {
                market: Some(book_rate),
            }
        } else {
            OfferReason::Ladder {
                step: i + 1,
                of: n_steps,
                ahead_usd: Some(ahead_of(book_rate).round_dp(0)),
                top_from: input.short_top.filter(|_| relatively_high(input, rate)),
            }
        };
        for piece in split(amount, s.max_order_size, min_offer) {
            slots.push(Slot {
                amount: piece,
                rate,
                period: period_at(input, rate),
                kind: OfferKind::Limit,
                reason: reason.clone(),
                matched: Decimal::ZERO,
            });
        }
    }
    if spike > Decimal::ZERO {
        // A spike on (the last trade far above the recent level, and confirmed by being a
        // trade): the tranche goes into it, not to its usual place above the ladder.
        let spiking = match (input.short_level, input.market.last_rate) {
            (Some(level), Some(last)) if level > Decimal::ZERO && last >= level * SPIKE_TRIGGER => {
                Some((last, level))
            }
            _ => None,
        };
        let usual = up8(top * s.spike_rate_multiplier);
        let rate = match spiking {
            Some((last, _)) => down8(last * SPIKE_INTO).max(usual),
            None => usual,
        }
        .max(floor);
        // Into a spike, the rate is locked for longer (the trade itself confirms it).
        let period = match spiking {
            Some(_) => clamp_period(period_at(input, rate).max(SPIKE_LOCK_DAYS), input.rules),
            None => period_at(input, rate),
        };
        for piece in split(spike, s.max_order_size, min_offer) {
            slots.push(Slot {
                amount: piece,
                rate,
                period,
                kind: OfferKind::Limit,
                reason: OfferReason::Spike {
                    times: Some(s.spike_rate_multiplier),
                    top: Some(top),
                    into: spiking.map(|x| x.0),
                    level: spiking.map(|x| x.1),
                },
                matched: Decimal::ZERO,
            });
        }
    }
    slots
}
