//! The planner's behaviour on hand-made markets, and its invariants on random ones.
#![allow(clippy::inconsistent_digit_grouping)] // amounts in cents: 5_000_00 = 5,000.00

use lender::planner::{CancelReason, IdleReason, LongBasis, OfferReason};
use lender::*;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

const NOW: i64 = 1_780_000_000_000;

fn book(levels: &[(Decimal, Decimal)]) -> MarketSnapshot {
    MarketSnapshot {
        frr: Some(dec!(0.0003)),
        asks: levels
            .iter()
            .enumerate()
            .map(|(i, (rate, amount))| BookOffer {
                id: 1_000 + i as i64,
                rate: *rate,
                period: 2,
                amount: *amount,
            })
            .collect(),
        usd_price: Decimal::ONE,
        last_rate: Some(dec!(0.00025)),
        frr_line: None,
    }
}

fn usd_book() -> MarketSnapshot {
    book(&[
        (dec!(0.00010), dec!(40000)),
        (dec!(0.00011), dec!(300000)),
        (dec!(0.00012), dec!(500000)),
        (dec!(0.00014), dec!(2000000)),
        (dec!(0.00020), dec!(5000000)),
    ])
}

#[derive(Debug)]
struct World {
    settings: StrategySettings,
    rules: ExchangeRules,
    market: MarketSnapshot,
    balance: FundingBalance,
    own: Vec<OwnOffer>,
    credits: Vec<Credit>,
    deployed_today: Decimal,
    halt: Option<Halt>,
    now: i64,
    next_id: i64,
    long_demand: Option<lender::estimate::LongDemand>,
    short_level: Option<Decimal>,
    short_top: Option<Decimal>,
}

/// A ladder without long loans (the Balanced preset before strategy v2): the fixture of the
/// ladder's tests.
fn ladder_settings() -> StrategySettings {
    StrategySettings {
        preset: Preset::Custom,
        ..StrategySettings::legacy_preset(Preset::Balanced).unwrap()
    }
}

impl World {
    fn new(balance: Decimal) -> Self {
        Self {
            settings: ladder_settings(),
            rules: ExchangeRules::default(),
            market: usd_book(),
            balance: FundingBalance {
                total: balance,
                available: balance,
            },
            own: Vec::new(),
            credits: Vec::new(),
            deployed_today: Decimal::ZERO,
            halt: None,
            now: NOW,
            next_id: 1,
            long_demand: None,
            short_level: None,
            short_top: None,
        }
    }

    fn plan(&self) -> Plan {
        plan(&PlanInput {
            settings: &self.settings,
            rules: &self.rules,
            market: &self.market,
            balance: &self.balance,
            own_offers: &self.own,
            credits: &self.credits,
            deployed_today: self.deployed_today,
            halt: self.halt,
            now_mts: self.now,
            long_demand: self.long_demand.as_ref(),
            short_level: self.short_level,
            short_top: self.short_top,
        })
    }

    /// Does what the plan says, as the exchange would.
    fn apply(&mut self, p: &Plan) {
        for c in &p.cancel {
            let i = self
                .own
                .iter()
                .position(|o| o.id == c.id)
                .expect("cancels only own offers");
            let o = self.own.remove(i);
            self.balance.available += o.amount;
        }
        for d in &p.submit {
            assert!(
                d.amount <= self.balance.available,
                "never offers more than is available"
            );
            self.balance.available -= d.amount;
            self.own.push(OwnOffer {
                id: self.next_id,
                amount: d.amount,
                amount_orig: d.amount,
                rate: d.rate,
                period: d.period,
                kind: d.kind,
                hidden: d.hidden,
                created_mts: self.now,
            });
            self.next_id += 1;
        }
    }
}

fn total(p: &Plan) -> Decimal {
    p.submit.iter().map(|d| d.amount).sum()
}

#[test]
fn a_fresh_balance_gets_a_ladder_and_a_spike_tranche() {
    let w = World::new(dec!(10000));
    let p = w.plan();
    assert!(p.cancel.is_empty() && p.keep.is_empty());
    assert_eq!(total(&p), dec!(10000), "{p:#?}");
    assert_eq!(p.idle_total(), Decimal::ZERO);
    let ladder: Vec<_> = p
        .submit
        .iter()
        .filter(|d| matches!(d.reason, OfferReason::Ladder { .. }))
        .collect();
    assert_eq!(ladder.len(), 3);
    // Depths 50k, 525k, 1M → rates 0.00011, 0.00012, 0.00014 (the 40k level is above 50k? no: cum 40k < 50k).
    let rates: Vec<_> = ladder.iter().map(|d| d.rate).collect();
    assert_eq!(rates, vec![dec!(0.00011), dec!(0.00012), dec!(0.00014)]);
    let spike: Vec<_> = p
        .submit
        .iter()
        .filter(|d| matches!(d.reason, OfferReason::Spike { .. }))
        .collect();
    assert_eq!(spike.len(), 1);
    assert_eq!(spike[0].amount, dec!(1000));
    assert_eq!(spike[0].rate, dec!(0.00021));
    // Each says why with the numbers: how much of the book is cheaper; what the spike is a
    // multiple of.
    let ahead: Vec<_> = ladder
        .iter()
        .map(|d| match d.reason {
            OfferReason::Ladder { ahead_usd, .. } => ahead_usd,
            _ => None,
        })
        .collect();
    assert_eq!(
        ahead,
        vec![Some(dec!(40000)), Some(dec!(340000)), Some(dec!(840000))]
    );
    assert_eq!(
        spike[0].reason,
        OfferReason::Spike {
            times: Some(dec!(1.5)),
            top: Some(dec!(0.00014)),
            into: None,
            level: None,
        }
    );
    assert!(
        p.submit
            .iter()
            .all(|d| d.period == 2 && d.kind == OfferKind::Limit && !d.hidden)
    );
}

#[test]
fn an_unchanged_market_gives_no_actions() {
    let mut w = World::new(dec!(10000));
    let p = w.plan();
    w.apply(&p);
    let again = w.plan();
    assert!(again.is_noop(), "{again:#?}");
    assert_eq!(again.keep.len(), p.submit.len());
}

#[test]
fn small_market_moves_do_not_churn_but_large_ones_reprice() {
    let mut w = World::new(dec!(10000));
    let p = w.plan();
    w.apply(&p);
    for a in &mut w.market.asks {
        a.rate *= dec!(1.01);
    }
    assert!(w.plan().is_noop(), "a 1 % move keeps every offer");
    for a in &mut w.market.asks {
        a.rate *= dec!(3);
    }
    let p = w.plan();
    assert!(p.cancel.iter().all(|c| c.reason == CancelReason::RateMoved));
    assert_eq!(p.cancel.len(), 4);
    assert_eq!(total(&p), dec!(10000));
}

#[test]
fn our_own_offers_are_left_out_of_the_book_depth() {
    let mut w = World::new(dec!(10000));
    let p = w.plan();
    w.apply(&p);
    // The exchange's book now also shows our offers; the ladder must not price off them.
    for o in &w.own {
        w.market.asks.push(BookOffer {
            id: o.id,
            rate: o.rate,
            period: o.period,
            amount: o.amount * dec!(1000),
        });
    }
    assert!(w.plan().is_noop());
}

#[test]
fn the_reserve_stays_idle_and_small_remainders_are_explained() {
    let mut w = World::new(dec!(10000));
    w.settings.reserve = dec!(9900);
    let p = w.plan();
    assert!(p.submit.is_empty());
    assert!(p.idle.contains(&planner::IdleAmount {
        amount: dec!(9900),
        reason: IdleReason::Reserve
    }));
    assert!(p.idle.contains(&planner::IdleAmount {
        amount: dec!(100),
        reason: IdleReason::BelowMinimum
    }));
}

#[test]
fn below_the_minimum_nothing_is_offered() {
    let w = World::new(dec!(140));
    let p = w.plan();
    assert!(p.submit.is_empty());
    assert_eq!(
        p.idle,
        vec![planner::IdleAmount {
            amount: dec!(140),
            reason: IdleReason::BelowMinimum
        }]
    );
    assert_eq!(p.min_offer, dec!(151.5));
}

#[test]
fn remainders_are_folded_into_a_tranche_never_split_below_the_minimum() {
    let w = World::new(dec!(400));
    let p = w.plan();
    // 400 can hold two offers of at least 151.5 (spike share 40 < min folds back).
    assert_eq!(p.submit.len(), 2, "{p:#?}");
    assert!(p.submit.iter().all(|d| d.amount >= dec!(151.5)));
    assert_eq!(total(&p), dec!(400));
}

#[test]
fn the_maximum_to_lend_counts_credits() {
    let mut w = World::new(dec!(10000));
    w.settings.max_to_lend = Some(dec!(6000));
    w.credits.push(Credit {
        id: 9,
        amount: dec!(5000),
        rate: dec!(0.0001),
        period: 2,
        opened_mts: NOW,
    });
    let p = w.plan();
    assert_eq!(total(&p), dec!(1000));
    assert!(p.idle.contains(&planner::IdleAmount {
        amount: dec!(9000),
        reason: IdleReason::MaxToLend
    }));
}

#[test]
fn a_floor_above_the_market_raises_rates_and_says_so() {
    let mut w = World::new(dec!(1000));
    w.settings.min_daily_rate = dec!(0.0005);
    let p = w.plan();
    assert!(p.floor_above_market());
    assert!(p.submit.iter().all(|d| d.rate >= dec!(0.0005)));
    assert!(
        p.submit
            .iter()
            .any(|d| matches!(d.reason, OfferReason::AtFloor { .. }))
    );
    // 0.0005 reaches the 30-day threshold.
    assert!(p.submit.iter().all(|d| d.period == 30));
}

#[test]
fn a_floor_relative_to_frr() {
    let mut w = World::new(dec!(1000));
    w.settings.min_rate_frr_factor = Some(dec!(0.5));
    assert_eq!(w.plan().floor, dec!(0.00015));
}

#[test]
fn frr_mode_places_frrdeltavar_offers_split_by_max_order_size() {
    let mut w = World::new(dec!(1000));
    w.settings.frr_mode = true;
    w.settings.max_order_size = Some(dec!(400));
    let p = w.plan();
    assert_eq!(p.submit.len(), 3);
    assert!(
        p.submit
            .iter()
            .all(|d| d.kind == OfferKind::FrrDeltaVar && d.rate == Decimal::ZERO)
    );
    assert_eq!(total(&p), dec!(1000));
    w.apply(&p);
    assert!(w.plan().is_noop());
}

#[test]
fn switching_settings_supersedes_old_offers() {
    let mut w = World::new(dec!(1000));
    let p = w.plan();
    w.apply(&p);
    w.settings.hidden = true;
    let p = w.plan();
    assert!(
        p.cancel
            .iter()
            .all(|c| c.reason == CancelReason::Superseded)
    );
    assert_eq!(p.cancel.len(), w.own.len());
    assert!(p.submit.iter().all(|d| d.hidden));
}

#[test]
fn the_daily_budget_limits_new_money() {
    let mut w = World::new(dec!(10000));
    w.settings.daily_budget = Some(dec!(3000));
    w.deployed_today = dec!(1000);
    let p = w.plan();
    assert_eq!(total(&p), dec!(2000));
    assert!(p.idle.contains(&planner::IdleAmount {
        amount: dec!(8000),
        reason: IdleReason::DailyBudget
    }));
}

#[test]
fn unfilled_offers_step_toward_the_floor_and_stop_there() {
    let mut w = World::new(dec!(1000));
    w.settings.spike_fraction = Decimal::ZERO;
    w.settings.tranches = 1;
    w.settings.min_daily_rate = dec!(0.0001);
    let p = w.plan();
    w.apply(&p);
    assert_eq!(w.own[0].rate, dec!(0.00011));
    w.now += 29 * 60_000;
    assert!(w.plan().is_noop(), "not stale before 30 minutes");
    w.now += 60_000;
    let p = w.plan();
    assert_eq!(
        p.cancel,
        vec![planner::Cancel {
            id: w.own[0].id,
            reason: CancelReason::Reprice
        }]
    );
    assert_eq!(p.submit.len(), 1);
    assert_eq!(p.submit[0].rate, dec!(0.0001045));
    assert_eq!(p.submit[0].amount, dec!(1000));
    w.apply(&p);
    w.now += 30 * 60_000;
    let p = w.plan();
    assert_eq!(
        p.submit[0].rate,
        dec!(0.0001),
        "stepped down to the floor, not below"
    );
    w.apply(&p);
    w.now += 30 * 60_000;
    assert!(w.plan().is_noop(), "at the floor it stays");
}

#[test]
fn a_halted_engine_keeps_offers_and_says_why() {
    let mut w = World::new(dec!(1000));
    let p = w.plan();
    w.apply(&p);
    w.balance.available += dec!(500);
    for (halt, reason) in [
        (Halt::Paused, IdleReason::Paused),
        (Halt::KeyProblem, IdleReason::KeyProblem),
        (Halt::RateLimited, IdleReason::RateLimited),
        (Halt::Maintenance, IdleReason::Maintenance),
    ] {
        w.halt = Some(halt);
        let p = w.plan();
        assert!(p.is_noop());
        assert_eq!(
            p.idle,
            vec![planner::IdleAmount {
                amount: dec!(500),
                reason
            }]
        );
    }
}

#[test]
fn disabling_a_currency_cancels_its_offers() {
    let mut w = World::new(dec!(1000));
    let p = w.plan();
    w.apply(&p);
    w.settings.enabled = false;
    let p = w.plan();
    assert_eq!(p.cancel.len(), w.own.len());
    assert!(p.submit.is_empty());
}

#[test]
fn the_minimum_is_converted_for_crypto_currencies() {
    let mut w = World::new(dec!(0.01));
    w.market = book(&[(dec!(0.0001), dec!(50))]);
    w.market.usd_price = dec!(60000);
    let p = w.plan();
    // 151.5 USD / 60000 = 0.002525 BTC; 0.01 BTC holds at most three such offers.
    assert_eq!(p.min_offer, dec!(0.002525));
    assert!(p.submit.iter().all(|d| d.amount >= dec!(0.002525)));
    assert_eq!(total(&p), dec!(0.01));
}

#[test]
fn no_market_means_idle_with_a_reason() {
    let mut w = World::new(dec!(1000));
    w.market.asks.clear();
    w.market.frr = None;
    let p = w.plan();
    assert!(p.submit.is_empty());
    assert_eq!(p.idle[0].reason, IdleReason::NoMarket);
}

// ---- properties over random books, balances and settings ----

fn dec_in(lo: i64, hi: i64, scale: u32) -> impl Strategy<Value = Decimal> {
    (lo..=hi).prop_map(move |n| Decimal::new(n, scale))
}

prop_compose! {
    fn arb_settings()(
        preset in prop::sample::select(Preset::ALL.to_vec()),
        reserve in dec_in(0, 5_000_00, 2),
        max in prop::option::of(dec_in(1_00, 50_000_00, 2)),
        floor in dec_in(0, 500, 6),
        tranches in 1u32..=8,
        spike in dec_in(0, 50, 2),
        frr_mode in any::<bool>(),
        hidden in any::<bool>(),
        max_order in prop::option::of(dec_in(100_00, 5_000_00, 2)),
        budget in prop::option::of(dec_in(1_00, 20_000_00, 2)),
        long_share in prop::sample::select(vec![dec!(0), dec!(0.5), dec!(0.8), dec!(1)]),
        long_factor in dec_in(50, 120, 2),
        longer in any::<bool>(),
    ) -> StrategySettings {
        let mut s = StrategySettings::preset(preset);
        s.long_share = long_share;
        s.long_frr_factor = long_factor;
        s.longer_when_high = longer;
        s.reserve = reserve;
        s.max_to_lend = max;
        s.min_daily_rate = floor;
        s.tranches = tranches;
        s.spike_fraction = spike;
        s.frr_mode = frr_mode;
        s.hidden = hidden;
        s.max_order_size = max_order;
        s.daily_budget = budget;
        s
    }
}

prop_compose! {
    fn arb_world()(
        settings in arb_settings(),
        levels in prop::collection::vec((dec_in(1, 1000, 6), dec_in(1_00, 3_000_000_00, 2)), 0..12),
        frr in prop::option::of(dec_in(1, 900, 6)),
        usd_price in prop::sample::select(vec![dec!(1), dec!(1), dec!(3000), dec!(60000)]),
        available in dec_in(0, 60_000_00, 2),
        lent in dec_in(0, 20_000_00, 2),
        deployed_today in dec_in(0, 10_000_00, 2),
    ) -> World {
        let mut w = World::new(available);
        w.settings = settings;
        w.market = book(&levels);
        w.market.frr = frr;
        w.market.usd_price = usd_price;
        w.balance.total = available + lent;
        if lent > Decimal::ZERO {
            w.credits.push(Credit { id: 1, amount: lent, rate: dec!(0.0001), period: 2, opened_mts: NOW });
        }
        w.deployed_today = deployed_today;
        w
    }
}

fn check_invariants(w: &World, p: &Plan) {
    let own_ids: Vec<_> = w.own.iter().map(|o| o.id).collect();
    // Only our own offers are ever touched, each exactly once.
    let mut touched: Vec<_> = p
        .keep
        .iter()
        .copied()
        .chain(p.cancel.iter().map(|c| c.id))
        .collect();
    touched.sort_unstable();
    let mut own_sorted = own_ids.clone();
    own_sorted.sort_unstable();
    assert_eq!(touched, own_sorted);
    for d in &p.submit {
        assert!(
            d.amount > Decimal::ZERO,
            "never a negative or zero amount: {d:?}"
        );
        assert!(d.amount >= p.min_offer, "never below the minimum: {d:?}");
        assert!((2..=120).contains(&d.period), "period in bounds: {d:?}");
        if d.kind == OfferKind::Limit {
            assert!(d.rate >= p.floor, "never below the floor: {d:?}");
        }
        assert_eq!(d.hidden, w.settings.hidden);
    }
    let kept: Decimal = w
        .own
        .iter()
        .filter(|o| p.keep.contains(&o.id))
        .map(|o| o.amount)
        .sum();
    let offered = kept + total(p);
    let capital = w.balance.available + w.own.iter().map(|o| o.amount).sum::<Decimal>();
    let reserve = w.settings.reserve.min(capital);
    if w.halt.is_none() {
        assert!(
            offered <= capital - reserve,
            "reserve respected: {offered} > {capital} - {reserve}"
        );
        if let Some(max) = w.settings.max_to_lend {
            let lent: Decimal = w.credits.iter().map(|c| c.amount).sum();
            assert!(
                offered <= (max - lent).max(Decimal::ZERO),
                "max to lend respected"
            );
        }
        // Every unit of capital is either on offer or idle with a reason.
        let accounted = offered + p.idle_total();
        assert_eq!(accounted, capital, "{p:#?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn plans_respect_every_bound_and_are_stable(mut w in arb_world()) {
        let p = w.plan();
        check_invariants(&w, &p);
        // Same inputs, same plan.
        prop_assert_eq!(&w.plan(), &p);
        // Once the plan is carried out, nothing more is to be done.
        w.apply(&p);
        w.deployed_today += total(&p);
        let again = w.plan();
        check_invariants(&w, &again);
        prop_assert!(again.is_noop(), "churn after applying: {:#?}", again);
    }
}

/// Issue 14, item 4: a rate only the book shows never locks money for long. The book says
/// 0.1 %/day (Balanced lends 120 days from 0.07 %/day); FRR and the last trade say 0.02 %/day.
#[test]
fn a_rate_no_second_source_confirms_gets_the_shortest_period() {
    let mut w = World::new(dec!(10000));
    w.market = book(&[(dec!(0.001), dec!(5000000))]);
    w.market.frr = Some(dec!(0.0002));
    w.market.last_rate = Some(dec!(0.0002));
    let p = w.plan();
    assert!(!p.submit.is_empty());
    assert!(
        p.submit.iter().all(|d| d.period == 2),
        "{:?}",
        p.submit
            .iter()
            .map(|d| (d.rate, d.period))
            .collect::<Vec<_>>()
    );
    // Confirmed by the last trade, the same rate gets the settings' long period.
    w.market.last_rate = Some(dec!(0.0009));
    let p = w.plan();
    assert!(p.submit.iter().any(|d| d.period == 120));
    // Nor does the long tranche lend for months at a book rate nothing confirms.
    w.market.last_rate = Some(dec!(0.0002));
    w.settings.long_share = dec!(0.8);
    let p = w.plan();
    assert!(!p.submit.is_empty());
    assert!(p.submit.iter().all(|d| d.period == 2), "{:?}", p.submit);
    w.settings.long_share = Decimal::ZERO;
    // In FRR mode, an FRR nothing else confirms does not lock money for long either.
    w.settings.frr_mode = true;
    w.market = book(&[(dec!(0.0002), dec!(5000000))]);
    w.market.frr = Some(dec!(0.002));
    w.market.last_rate = Some(dec!(0.0002));
    assert!(w.plan().submit.iter().all(|d| d.period == 2));
}

/// The few millionths a tagged offer amount leaves in the wallet are dust, not a line saying
/// "0.00 USD below the minimum".
#[test]
fn dust_is_not_reported_as_idle() {
    let mut w = World::new(dec!(10000));
    let p = w.plan();
    w.apply(&p);
    w.balance.available += dec!(0.000004);
    let p = w.plan();
    assert!(
        p.idle.iter().all(|i| i.reason != IdleReason::BelowMinimum),
        "{:?}",
        p.idle
    );
}

/// Strategy v2: the long tranche is `long_share` of what is deployable, for `long_period` days
/// at FRR × `long_frr_factor`, and says so; the rest goes to the ladder.
#[test]
fn the_long_tranche_lends_most_of_it_long_just_under_frr() {
    let mut w = World::new(dec!(10000));
    w.settings = StrategySettings::preset(Preset::Balanced);
    let p = w.plan();
    assert_eq!(total(&p), dec!(10000));
    let long: Vec<_> = p.submit.iter().filter(|d| d.period == 120).collect();
    assert_eq!(long.len(), 1, "{:#?}", p.submit);
    assert_eq!(long[0].amount, dec!(8000));
    assert_eq!(long[0].rate, dec!(0.00024), "0.8 × FRR 0.0003");
    assert_eq!(
        long[0].reason,
        OfferReason::Long {
            frr: dec!(0.0003),
            factor: dec!(0.8),
            basis: LongBasis::FrrFactor,
            seen: None,
        }
    );
    // With the last day's long trades, the reason says how much traded at or above its rate.
    w.long_demand = Some(lender::estimate::LongDemand {
        hours: dec!(24),
        by_rate: vec![
            (dec!(0.0003), dec!(96000)),
            (dec!(0.00024), dec!(96000)),
            (dec!(0.0002), dec!(64000)),
        ],
    });
    let p = w.plan();
    let long = p.submit.iter().find(|d| d.period == 120).unwrap();
    let OfferReason::Long {
        seen: Some(seen), ..
    } = &long.reason
    else {
        panic!("{:?}", long.reason);
    };
    assert_eq!(seen.share_at_or_above, Some(dec!(0.75)));
    assert_eq!(seen.volume_at_or_above, dec!(192000));
    assert_eq!(seen.pace_minutes, Some(dec!(60)), "8000 at 8000 an hour");
    w.long_demand = None;
    assert!(
        p.submit
            .iter()
            .filter(|d| d.period != 120)
            .all(|d| !matches!(d.reason, OfferReason::Long { .. })),
        "the rest is short"
    );
    // Steady: all of it.
    w.settings = StrategySettings::preset(Preset::Steady);
    let p = w.plan();
    assert_eq!(p.submit.len(), 1);
    assert_eq!((p.submit[0].amount, p.submit[0].period), (dec!(10000), 120));
    // A rest below the minimum offer joins the long tranche.
    w.settings.long_share = dec!(0.99);
    let p = w.plan();
    assert_eq!(
        p.submit.len(),
        1,
        "100 USD is below the minimum: {:#?}",
        p.submit
    );
    // The floor and a confirmed short market above FRR × factor raise the long rate.
    w.settings.min_daily_rate = dec!(0.00027);
    let p = w.plan();
    assert_eq!(p.submit[0].rate, dec!(0.00027));
    assert!(matches!(
        p.submit[0].reason,
        OfferReason::Long {
            basis: LongBasis::Floor,
            ..
        }
    ));
    w.settings.min_daily_rate = dec!(0.00005);
    w.market = book(&[(dec!(0.00029), dec!(5000000))]);
    let p = w.plan();
    assert_eq!(p.submit[0].rate, dec!(0.00029));
    assert!(matches!(
        p.submit[0].reason,
        OfferReason::Long {
            basis: LongBasis::ShortMarket,
            ..
        }
    ));
    // No FRR, or an FRR nothing confirms: no long loans.
    w.market = usd_book();
    w.market.frr = None;
    assert!(w.plan().submit.iter().all(|d| d.period != 120));
    w.market.frr = Some(dec!(0.01));
    w.market.last_rate = Some(dec!(0.0001));
    assert!(w.plan().submit.iter().all(|d| d.period != 120));
}

/// A long offer waits at its price (it is not repriced downwards), small FRR moves do not churn
/// it, and a large one moves it.
#[test]
fn a_long_offer_waits_at_its_price_and_follows_large_frr_moves() {
    let mut w = World::new(dec!(10000));
    w.settings = StrategySettings::preset(Preset::Steady);
    let p = w.plan();
    w.apply(&p);
    let id = w.own[0].id;
    w.now += 24 * 3_600_000;
    let p = w.plan();
    assert!(p.is_noop(), "a day unfilled: still there: {p:#?}");
    assert_eq!(p.keep, vec![id]);
    w.market.frr = Some(dec!(0.000302));
    assert!(w.plan().is_noop(), "FRR up 0.7 %: no churn");
    w.market.frr = Some(dec!(0.00036));
    let p = w.plan();
    assert_eq!(p.cancel.len(), 1);
    assert_eq!(p.cancel[0].reason, CancelReason::RateMoved);
    assert_eq!(p.submit[0].rate, dec!(0.000288));
    // A hand-placed 120-day offer is never touched (it is not ours).
    w.apply(&p);
    assert!(w.plan().is_noop());
}

/// Reasons recorded by earlier versions (before the numbers) still read.
#[test]
fn reasons_recorded_by_earlier_versions_still_read() {
    for (json, want) in [
        (
            r#"{"kind":"Ladder","step":1,"of":3}"#,
            OfferReason::Ladder {
                step: 1,
                of: 3,
                ahead_usd: None,
                top_from: None,
            },
        ),
        (
            r#"{"kind":"Spike"}"#,
            OfferReason::Spike {
                times: None,
                top: None,
                into: None,
                level: None,
            },
        ),
        (
            r#"{"kind":"AtFloor"}"#,
            OfferReason::AtFloor { market: None },
        ),
        (r#"{"kind":"Frr"}"#, OfferReason::Frr { delta: None }),
    ] {
        assert_eq!(
            serde_json::from_str::<OfferReason>(json).unwrap(),
            want,
            "{json}"
        );
    }
}

/// Issue 16, item 2: when the last trade prints far above the short market's recent level, the
/// spike tranche is offered into it (a little under the trade) for longer, and says so; when
/// the spike is over it goes back to its usual place.
#[test]
fn a_spike_gets_the_spike_tranche_offered_into_it_for_longer() {
    let mut w = World::new(dec!(10000));
    w.short_level = Some(dec!(0.00013));
    let calm = w.plan();
    let usual = calm
        .submit
        .iter()
        .find(|d| matches!(d.reason, OfferReason::Spike { .. }))
        .unwrap()
        .clone();
    assert_eq!((usual.rate, usual.period), (dec!(0.00021), 2));
    w.apply(&calm);
    // A borrower sweeps up to 0.06 %/day: 4.6 × the level.
    w.market.last_rate = Some(dec!(0.0006));
    let p = w.plan();
    let into = p
        .submit
        .iter()
        .find(|d| matches!(d.reason, OfferReason::Spike { .. }))
        .unwrap_or_else(|| panic!("{p:#?}"));
    assert_eq!(into.rate, dec!(0.00057), "0.95 × the spike's trade");
    assert_eq!(into.period, 30, "locked for longer");
    assert_eq!(into.amount, usual.amount);
    assert!(matches!(
        into.reason,
        OfferReason::Spike { into: Some(r), level: Some(l), .. } if r == dec!(0.0006) && l == dec!(0.00013)
    ));
    assert!(
        p.cancel
            .iter()
            .any(|c| c.reason == CancelReason::Superseded || c.reason == CancelReason::RateMoved),
        "the usual spike offer makes way: {p:#?}"
    );
    check_invariants(&w, &p);
    // Below the trigger it is no spike: the ladder is left alone.
    w.market.last_rate = Some(dec!(0.0002));
    assert!(w.plan().is_noop());
    // Without a level (the engine has not seen an hour of trades) nothing is a spike.
    w.short_level = None;
    w.market.last_rate = Some(dec!(0.0006));
    assert!(w.plan().is_noop());
}

/// Issue 16: long periods when the rate is high *relative to the recent market*, not above a
/// fixed number. A ladder step in the top 5 % of the last day's short trades is lent for 30
/// days (the settings' absolute thresholds would say 2), and says why; the offers are not
/// churned when the distribution moves.
#[test]
fn a_rate_in_the_top_of_the_recent_market_is_lent_for_longer() {
    let mut w = World::new(dec!(10000));
    let p = w.plan();
    assert!(
        p.submit.iter().all(|d| d.period == 2),
        "no distribution known: as the settings say"
    );
    w.short_top = Some(dec!(0.00012));
    assert!(
        w.plan().submit.iter().all(|d| d.period == 2),
        "only when switched on"
    );
    w.settings.longer_when_high = true;
    let p = w.plan();
    let periods: Vec<_> = p.submit.iter().map(|d| (d.rate, d.period)).collect();
    assert_eq!(
        periods,
        vec![
            (dec!(0.00011), 2),
            (dec!(0.00012), 30),
            (dec!(0.00014), 30),
            (dec!(0.00021), 30)
        ]
    );
    assert!(matches!(
        p.submit[1].reason,
        OfferReason::Ladder { top_from: Some(t), .. } if t == dec!(0.00012)
    ));
    assert!(matches!(
        p.submit[0].reason,
        OfferReason::Ladder { top_from: None, .. }
    ));
    check_invariants(&w, &p);
    w.apply(&p);
    assert!(w.plan().is_noop());
    // The market moves up: the 30-day offers already placed are not churned for it.
    w.short_top = Some(dec!(0.0003));
    assert!(w.plan().is_noop(), "{:#?}", w.plan());
    // A rate nothing confirms is never lent for long, however high it is relative to the day.
    let mut w = World::new(dec!(10000));
    w.market = book(&[(dec!(0.001), dec!(5000000))]);
    w.market.frr = Some(dec!(0.0002));
    w.market.last_rate = Some(dec!(0.0002));
    w.short_top = Some(dec!(0.0005));
    w.settings.longer_when_high = true;
    assert!(w.plan().submit.iter().all(|d| d.period == 2));
}
