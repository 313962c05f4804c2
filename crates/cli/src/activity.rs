//! What `yf run` tells a person while it works: one line per currency for each cycle that sent
//! something (read from the engine's action log), and a heartbeat with what is on offer, lent
//! and idle.

use lender::engine::{EngineState, EngineStatus};
use lender::model::OfferKind;
use lender::planner::{CancelReason, OfferReason};
use rust_decimal::Decimal;
use store::{Action, ActionKind, Outcome};

use crate::human;

/// One line per currency describing `actions` (the writes of one cycle, oldest first), e.g.
/// `USD: placed 3000.00 USD at 0.0146 %/day (5.31 % APR) for 2 days (ladder step 1 of 3)`.
/// `seen` is the status of the cycle: what it read before it wrote (the amounts of the offers
/// it cancelled).
pub fn cycle_lines(actions: &[Action], seen: &EngineStatus) -> Vec<String> {
    let mut currencies: Vec<&str> = Vec::new();
    for a in actions {
        if !currencies.contains(&a.new.currency.as_str()) {
            currencies.push(&a.new.currency);
        }
    }
    currencies
        .into_iter()
        .filter_map(|cur| {
            let mine: Vec<&Action> = actions.iter().filter(|a| a.new.currency == cur).collect();
            let parts = currency_parts(cur, &mine, seen);
            (!parts.is_empty()).then(|| format!("{cur}: {}", parts.join("; ")))
        })
        .collect()
}

fn currency_parts(cur: &str, actions: &[&Action], seen: &EngineStatus) -> Vec<String> {
    let of = |kind: ActionKind, outcomes: &[Outcome]| -> Vec<&Action> {
        actions
            .iter()
            .copied()
            .filter(|a| a.new.kind == kind && outcomes.contains(&a.outcome))
            .collect()
    };
    let mut parts = Vec::new();
    let placed = of(ActionKind::Submit, &[Outcome::Ok, Outcome::ReconciledDone]);
    if !placed.is_empty() {
        parts.push(format!("placed {}", submits(cur, &placed)));
    }
    let would = of(ActionKind::Submit, &[Outcome::DryRun]);
    if !would.is_empty() {
        parts.push(format!("would place {} (dry run)", submits(cur, &would)));
    }
    let cancelled = of(ActionKind::Cancel, &[Outcome::Ok, Outcome::ReconciledDone]);
    if !cancelled.is_empty() {
        parts.push(format!("cancelled {}", cancels(cur, &cancelled, seen)));
    }
    let would = of(ActionKind::Cancel, &[Outcome::DryRun]);
    if !would.is_empty() {
        parts.push(format!(
            "would cancel {} (dry run)",
            cancels(cur, &would, seen)
        ));
    }
    let refused: Vec<&Action> = actions
        .iter()
        .copied()
        .filter(|a| a.outcome == Outcome::Rejected)
        .collect();
    if !refused.is_empty() {
        let detail = refused
            .iter()
            .find_map(|a| a.detail.as_deref())
            .map_or(String::new(), |d| format!(": {}", d.trim_end_matches('.')));
        let n = refused.len();
        let what = if refused.iter().all(|a| a.new.kind == ActionKind::Submit) {
            let total: Decimal = refused.iter().filter_map(|a| a.new.amount).sum();
            format!(
                "{} ({})",
                if n == 1 { "an offer" } else { "offers" },
                human::money(cur, total)
            )
        } else if refused.iter().all(|a| a.new.kind == ActionKind::Cancel) {
            (if n == 1 { "a cancel" } else { "cancels" }).to_owned()
        } else {
            (if n == 1 { "a request" } else { "requests" }).to_owned()
        };
        let count = if n == 1 {
            String::new()
        } else {
            format!("{n} ")
        };
        parts.push(format!("Bitfinex refused {count}{what}{detail}"));
    }
    let open = actions.iter().filter(|a| a.outcome.is_open()).count();
    if open > 0 {
        parts.push(format!(
            "{open} {} got no answer; checked on Bitfinex before anything else is sent",
            if open == 1 { "request" } else { "requests" }
        ));
    }
    parts
}

fn kind_of(a: &Action) -> OfferKind {
    match a.new.offer_kind.as_deref() {
        Some("FrrDeltaVar") => OfferKind::FrrDeltaVar,
        _ => OfferKind::Limit,
    }
}

/// `3000.00 USD at 0.0146 %/day (5.31 % APR) for 2 days (ladder step 1 of 3)`, or for several
/// `10000.00 USD in 4 offers at 0.0120 to 0.0150 %/day (4.38 to 5.48 % APR) for 2 days`.
fn submits(cur: &str, subs: &[&Action]) -> String {
    let amount = |a: &Action| a.new.amount.unwrap_or_default();
    let total: Decimal = subs.iter().map(|a| amount(a)).sum();
    if let [one] = subs {
        let reason = serde_json::from_str::<OfferReason>(&one.new.reason)
            .map(|r| format!(" ({})", human::offer_reason(&r)))
            .unwrap_or_default();
        return format!(
            "{} at {} for {}{reason}",
            human::money(cur, total),
            human::offer_rate(kind_of(one), one.new.rate.unwrap_or_default()),
            human::days(one.new.period.unwrap_or_default())
        );
    }
    let limits: Vec<Decimal> = subs
        .iter()
        .filter(|a| kind_of(a) == OfferKind::Limit)
        .filter_map(|a| a.new.rate)
        .collect();
    let frr = subs.len() - limits.len();
    let mut pricing = Vec::new();
    if let (Some(lo), Some(hi)) = (limits.iter().min(), limits.iter().max()) {
        pricing.push(if lo == hi {
            format!("at {}", human::rate(*lo))
        } else {
            format!("at {}", human::rate_range(*lo, *hi))
        });
    }
    if frr > 0 {
        pricing.push(format!("{frr} following the Flash Return Rate"));
    }
    let periods: Vec<u32> = subs.iter().filter_map(|a| a.new.period).collect();
    let period = match (periods.iter().min(), periods.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => format!(" for {}", human::days(*lo)),
        (Some(lo), Some(hi)) => format!(" for {lo} to {hi} days"),
        _ => String::new(),
    };
    format!(
        "{} in {} offers {}{period}",
        human::money(cur, total),
        subs.len(),
        pricing.join(", ")
    )
}

/// The amount of an offer as `seen`.
fn offer_amount(seen: &EngineStatus, cur: &str, id: Option<i64>) -> Option<Decimal> {
    let id = id?;
    seen.currencies
        .iter()
        .filter(|c| c.currency == cur)
        .flat_map(|c| c.offers.iter())
        .find(|o| o.id == id)
        .map(|o| o.amount)
}

/// `2 offers (1500.00 USD): the market moved away from their rates`.
fn cancels(cur: &str, cancels: &[&Action], seen: &EngineStatus) -> String {
    let amounts: Vec<Option<Decimal>> = cancels
        .iter()
        .map(|a| offer_amount(seen, cur, a.new.offer_id))
        .collect();
    let amount = if amounts.iter().all(Option::is_some) {
        let sum: Decimal = amounts.into_iter().flatten().sum();
        format!(" ({})", human::money(cur, sum))
    } else {
        String::new()
    };
    let reasons: Vec<Option<CancelReason>> = cancels
        .iter()
        .map(|a| serde_json::from_str(&a.new.reason).ok())
        .collect();
    let reason = match reasons.first() {
        Some(Some(r)) if reasons.iter().all(|x| x.as_ref() == Some(r)) => {
            format!(": {}", human::cancel_reason(*r))
        }
        _ => String::new(),
    };
    let n = cancels.len();
    format!(
        "{n} {}{amount}{reason}",
        if n == 1 { "offer" } else { "offers" }
    )
}

/// The heartbeat: `still lending: USD 3000.00 on offer, 5000.00 lent, 2000.00 idle`, or the
/// reason the engine is not lending. `s` is what the last cycle read before it wrote, and
/// `since` what it then placed and cancelled (moved between idle and on offer here).
pub fn heartbeat(s: &EngineStatus, since: &[Action]) -> String {
    let held: Vec<String> = s
        .currencies
        .iter()
        .filter(|c| !c.total.is_zero() || !c.offers.is_empty() || !c.credits.is_empty())
        .map(|c| {
            let cur = c.currency.as_str();
            let mut on_offer = c.on_offer + c.manual_on_offer;
            let mut idle = c.idle;
            for a in since
                .iter()
                .filter(|a| a.new.currency == cur && a.outcome == Outcome::Ok)
            {
                let moved = match a.new.kind {
                    ActionKind::Submit => a.new.amount.unwrap_or_default(),
                    ActionKind::Cancel => -offer_amount(s, cur, a.new.offer_id).unwrap_or_default(),
                    ActionKind::AutoRenewOn | ActionKind::AutoRenewOff => Decimal::ZERO,
                };
                on_offer += moved;
                idle -= moved;
            }
            let a = |d: Decimal| human::amount(cur, d.max(Decimal::ZERO));
            format!(
                "{cur} {} on offer, {} lent, {} idle",
                a(on_offer),
                a(c.lent),
                a(idle)
            )
        })
        .collect();
    let held = if held.is_empty() {
        "nothing in the funding wallet".to_owned()
    } else {
        held.join("; ")
    };
    match &s.state {
        EngineState::Running => format!("still lending: {held}"),
        other => format!("not lending ({}): {held}", human::state(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lender::engine::{CurrencyStatus, OfferView};
    use lender::planner::Plan;
    use store::NewAction;

    fn submit(id: i64, amount: Decimal, rate: Decimal, reason: &str, outcome: Outcome) -> Action {
        Action {
            id,
            new: NewAction {
                mts: 0,
                currency: "USD".into(),
                kind: ActionKind::Submit,
                offer_id: None,
                amount: Some(amount),
                rate: Some(rate),
                period: Some(2),
                offer_kind: Some("Limit".into()),
                hidden: Some(false),
                reason: reason.into(),
            },
            outcome,
            detail: None,
            updated_mts: 0,
        }
    }

    fn cancel(id: i64, offer: i64, outcome: Outcome) -> Action {
        Action {
            id,
            new: NewAction {
                mts: 0,
                currency: "USD".into(),
                kind: ActionKind::Cancel,
                offer_id: Some(offer),
                amount: None,
                rate: None,
                period: None,
                offer_kind: None,
                hidden: None,
                reason: "\"RateMoved\"".into(),
            },
            outcome,
            detail: None,
            updated_mts: 0,
        }
    }

    fn status_with_offer(id: i64, amount: Decimal) -> EngineStatus {
        EngineStatus {
            state: EngineState::Running,
            currencies: vec![CurrencyStatus {
                currency: "USD".into(),
                total: dec!(10000),
                idle: dec!(2000),
                on_offer: amount,
                manual_on_offer: Decimal::ZERO,
                lent: dec!(8000) - amount,
                offers: vec![OfferView {
                    id,
                    amount,
                    rate: dec!(0.0001),
                    period: 2,
                    kind: OfferKind::Limit,
                    owned: true,
                    created_mts: 0,
                    reason: None,
                }],
                credits: Vec::new(),
                plan: Plan {
                    keep: Vec::new(),
                    cancel: Vec::new(),
                    submit: Vec::new(),
                    idle: Vec::new(),
                    floor: Decimal::ZERO,
                    market_rate: None,
                    min_offer: dec!(151.5),
                },
            }],
            ..EngineStatus::default()
        }
    }

    #[test]
    fn one_offer_placed() {
        let a = submit(
            1,
            dec!(2999.99999923),
            dec!(0.0001455),
            r#"{"kind":"Ladder","step":1,"of":3}"#,
            Outcome::Ok,
        );
        assert_eq!(
            cycle_lines(&[a], &EngineStatus::default()),
            [
                "USD: placed 3000.00 USD at 0.0146 %/day (5.31 % APR) for 2 days (ladder step 1 of 3)"
            ]
        );
    }

    #[test]
    fn several_placed_one_cancelled_one_refused() {
        let actions = [
            cancel(1, 42, Outcome::Ok),
            submit(2, dec!(3000), dec!(0.00012), "{}", Outcome::Ok),
            submit(3, dec!(3000), dec!(0.00015), "{}", Outcome::Ok),
            submit(4, dec!(4000), dec!(0.0002), "{}", Outcome::Rejected),
        ];
        let mut actions = actions.to_vec();
        actions[3].detail = Some("not enough balance".into());
        let lines = cycle_lines(&actions, &status_with_offer(42, dec!(1500)));
        assert_eq!(
            lines,
            [
                "USD: placed 6000.00 USD in 2 offers at 0.0120 to 0.0150 %/day (4.38 to 5.48 % APR) for 2 days; cancelled 1 offer (1500.00 USD): the market moved away from its rate; Bitfinex refused an offer (4000.00 USD): not enough balance"
            ]
        );
    }

    #[test]
    fn dry_run_says_would() {
        let a = submit(1, dec!(500), dec!(0.0001), "{}", Outcome::DryRun);
        let lines = cycle_lines(&[a], &EngineStatus::default());
        assert!(
            lines[0].starts_with("USD: would place 500.00 USD at 0.0100 %/day"),
            "{lines:?}"
        );
    }

    #[test]
    fn heartbeat_sums_up() {
        let s = status_with_offer(1, dec!(3000));
        assert_eq!(
            heartbeat(&s, &[]),
            "still lending: USD 3000.00 on offer, 5000.00 lent, 2000.00 idle"
        );
        // What the cycle did after reading: 1500 placed, the offer of 3000 cancelled.
        let since = [
            submit(1, dec!(1500), dec!(0.0001), "{}", Outcome::Ok),
            cancel(2, 1, Outcome::Ok),
            submit(3, dec!(400), dec!(0.0001), "{}", Outcome::Rejected),
        ];
        assert_eq!(
            heartbeat(&s, &since),
            "still lending: USD 1500.00 on offer, 5000.00 lent, 3500.00 idle"
        );
        let mut s = status_with_offer(1, dec!(3000));
        s.state = EngineState::Paused;
        assert!(heartbeat(&s, &[]).starts_with("not lending (paused): USD "));
    }
}
