//! Exchange data is checked before it is acted on. Each check is pure: it takes what one
//! cycle read and says what is wrong with it, in a sentence for the user. A snapshot that fails
//! makes the engine wait for that currency (and say why); it never acts on it.
//!
//! The bounds, and where they come from:
//! - [`MAX_DAILY_RATE`]: 7 % a day, a hard ceiling far above anything fUSD has traded at (the
//!   highest rate in the recorded trades of `shared/data` is 0.047 %/day). That Bitfinex refuses
//!   offers above 7 %/day rests on one user's report of an API error, not on its documentation
//!   (see docs/market-model.md), so it is our ceiling, not a quoted rule.
//! - [`BOOK_BAND`]: the best ask may be at most 10× above, or 10× below, the higher / lower of
//!   FRR and the last traded rate. Spikes in the 1-minute candles reach about 3× in minutes;
//!   10× is beyond any recorded move, so only garbage trips it.
//! - [`MAX_BALANCE_USD`]: no funding wallet holds more than 10 billion USD (the whole fUSD
//!   book is a few hundred million).
//! - Wallet arithmetic: what is on offer plus what is lent cannot exceed the balance, and the
//!   available balance cannot exceed the balance minus both (Bitfinex: available = not on offer,
//!   not lent). A small tolerance absorbs rounding.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::exchange::{ExchangeOffer, FundingWallet};
use crate::model::{ExchangeRules, FundingBalance, MarketSnapshot};

/// No daily rate above this is real.
pub const MAX_DAILY_RATE: Decimal = dec!(0.07);
/// How far the best ask may sit from FRR and the last trade.
pub const BOOK_BAND: Decimal = dec!(10);
/// No funding wallet is worth more than this in USD.
pub const MAX_BALANCE_USD: Decimal = dec!(10_000_000_000);
/// A rate decides a period longer than the shortest only when FRR or the last trade is at
/// least this share of it: a second source confirms it.
pub const CONFIRM_SHARE: Decimal = dec!(0.25);

/// Formats a daily rate as the user reads it.
pub fn pct_day(rate: Decimal) -> String {
    format!("{} %/day", (rate * dec!(100)).round_dp(4).normalize())
}

/// Checks a funding wallet against the offers and credits of the same currency, read in the
/// same cycle. Returns the balance to plan with: `available` as reported, or, when Bitfinex
/// left it out, the balance minus what is on offer and lent.
pub fn wallet(
    currency: &str,
    w: Option<&FundingWallet>,
    on_offer: Decimal,
    lent: Decimal,
    usd_price: Decimal,
) -> Result<FundingBalance, String> {
    let Some(w) = w else {
        // No funding wallet row: nothing in it (Bitfinex lists only wallets that exist).
        return if on_offer > Decimal::ZERO || lent > Decimal::ZERO {
            Err(format!(
                "Bitfinex lists {currency} offers or loans but no {currency} funding wallet."
            ))
        } else {
            Ok(FundingBalance::default())
        };
    };
    let b = w.balance;
    let tol = dec!(0.00000001).max(b.abs() * dec!(0.000001));
    if b < Decimal::ZERO {
        return Err(format!(
            "Bitfinex reported a negative {currency} funding balance ({b})."
        ));
    }
    if b * usd_price.max(Decimal::ZERO) > MAX_BALANCE_USD {
        return Err(format!(
            "Bitfinex reported an impossible {currency} funding balance ({b})."
        ));
    }
    if on_offer + lent > b + tol {
        return Err(format!(
            "Bitfinex's {currency} offers and loans ({}) add up to more than the balance ({b}).",
            on_offer + lent
        ));
    }
    let free = (b - on_offer - lent).max(Decimal::ZERO);
    let available = match w.available {
        None => free,
        Some(a) if a < Decimal::ZERO => {
            return Err(format!(
                "Bitfinex reported a negative available {currency} balance ({a})."
            ));
        }
        Some(a) if a > b + tol => {
            return Err(format!(
                "Bitfinex reported more {currency} available ({a}) than the balance ({b})."
            ));
        }
        Some(a) if a > free + tol => {
            return Err(format!(
                "Bitfinex reported {a} {currency} available, but only {free} of the balance is neither on offer nor lent."
            ));
        }
        Some(a) => a,
    };
    Ok(FundingBalance {
        total: b,
        available,
    })
}

/// Checks one currency's market snapshot: every book row, FRR and the last trade within hard
/// bounds, and the best ask near FRR and the last trade.
pub fn market(currency: &str, m: &MarketSnapshot, rules: &ExchangeRules) -> Result<(), String> {
    let sane = |r: Decimal| r > Decimal::ZERO && r <= MAX_DAILY_RATE;
    for (name, r) in [("FRR", m.frr), ("last traded rate", m.last_rate)] {
        if let Some(r) = r.filter(|r| !sane(*r)) {
            return Err(format!(
                "Bitfinex reported a {currency} {name} of {}, outside any real market.",
                pct_day(r)
            ));
        }
    }
    if m.usd_price <= Decimal::ZERO {
        return Err(format!(
            "Bitfinex reported a {currency} price of {} USD.",
            m.usd_price
        ));
    }
    for a in &m.asks {
        if !sane(a.rate) {
            return Err(format!(
                "The {currency} order book holds an offer at {}, outside any real market.",
                pct_day(a.rate)
            ));
        }
        if a.period < rules.min_period || a.period > rules.max_period || a.amount <= Decimal::ZERO {
            return Err(format!(
                "The {currency} order book holds an offer Bitfinex could not accept ({} for {} days).",
                a.amount, a.period
            ));
        }
    }
    let refs: Vec<Decimal> = [m.frr, m.last_rate].into_iter().flatten().collect();
    if let (Some(best), Some(hi), Some(lo)) = (
        m.asks.iter().map(|a| a.rate).min(),
        refs.iter().copied().max(),
        refs.iter().copied().min(),
    ) && (best > hi * BOOK_BAND || best * BOOK_BAND < lo)
    {
        return Err(format!(
            "The {currency} order book's best offer ({}) is far from FRR and the last trade ({}); the book is not used until they agree.",
            pct_day(best),
            pct_day(hi)
        ));
    }
    Ok(())
}

/// True when a rate is confirmed by a source besides the one it was read from: FRR or the
/// last traded rate is at least [`CONFIRM_SHARE`] of it. Only a confirmed rate may lock money
/// for longer than the shortest period.
pub fn confirmed(rate: Decimal, m: &MarketSnapshot) -> bool {
    [m.frr, m.last_rate]
        .into_iter()
        .flatten()
        .any(|r| r >= rate * CONFIRM_SHARE)
}

/// Checks one of our own offers as listed: a field that could not be read makes it unusable
/// for planning until it is filled in from our records.
pub fn own_offer(o: &ExchangeOffer) -> Result<(), String> {
    let needed: Vec<&str> = o
        .unreadable
        .iter()
        .map(String::as_str)
        .filter(|f| matches!(*f, "rate" | "period" | "type"))
        .collect();
    if needed.is_empty() && o.amount > Decimal::ZERO {
        Ok(())
    } else if o.amount <= Decimal::ZERO {
        Err(format!(
            "Bitfinex listed our offer {} with an amount of {}.",
            o.id, o.amount
        ))
    } else {
        Err(format!(
            "Bitfinex listed our offer {} without its {}.",
            o.id,
            needed.join(" and ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::OfferStatus;
    use crate::model::{BookOffer, OfferKind};

    fn w(balance: Decimal, available: Option<Decimal>) -> FundingWallet {
        FundingWallet {
            currency: "USD".into(),
            balance,
            available,
        }
    }

    #[test]
    fn a_consistent_wallet_passes_and_a_missing_available_is_derived() {
        let b = wallet(
            "USD",
            Some(&w(dec!(10000), Some(dec!(2000)))),
            dec!(3000),
            dec!(5000),
            Decimal::ONE,
        )
        .unwrap();
        assert_eq!((b.total, b.available), (dec!(10000), dec!(2000)));
        let b = wallet(
            "USD",
            Some(&w(dec!(10000), None)),
            dec!(3000),
            dec!(5000),
            Decimal::ONE,
        )
        .unwrap();
        assert_eq!(b.available, dec!(2000), "derived, not the whole balance");
    }

    #[test]
    fn impossible_wallets_are_refused() {
        let one = Decimal::ONE;
        let z = Decimal::ZERO;
        for (wallet_row, offer, lent) in [
            (w(dec!(1e20), Some(dec!(1e20))), z, z),
            (w(dec!(10000), Some(dec!(100000))), z, z),
            (w(dec!(10000), Some(dec!(9000))), dec!(5000), z),
            (w(dec!(10000), Some(z)), dec!(6000), dec!(6000)),
            (w(dec!(-1), None), z, z),
            (w(dec!(10), Some(dec!(-1))), z, z),
        ] {
            assert!(
                wallet("USD", Some(&wallet_row), offer, lent, one).is_err(),
                "{wallet_row:?} {offer} {lent}"
            );
        }
        assert!(wallet("USD", None, dec!(1), z, one).is_err());
        assert_eq!(
            wallet("USD", None, z, z, one).unwrap(),
            FundingBalance::default()
        );
    }

    fn snap(frr: Option<Decimal>, last: Option<Decimal>, asks: &[Decimal]) -> MarketSnapshot {
        MarketSnapshot {
            frr,
            last_rate: last,
            frr_line: None,
            usd_price: Decimal::ONE,
            asks: asks
                .iter()
                .enumerate()
                .map(|(i, r)| BookOffer {
                    id: i as i64,
                    rate: *r,
                    period: 2,
                    amount: dec!(1000),
                })
                .collect(),
        }
    }

    #[test]
    fn garbage_in_the_book_is_refused_and_a_real_spike_is_not() {
        let rules = ExchangeRules::default();
        let ok = snap(
            Some(dec!(0.0002)),
            Some(dec!(0.00018)),
            &[dec!(0.00019), dec!(0.0006)],
        );
        assert!(market("USD", &ok, &rules).is_ok());
        let spike = snap(Some(dec!(0.0002)), Some(dec!(0.0002)), &[dec!(0.0007)]);
        assert!(
            market("USD", &spike, &rules).is_ok(),
            "3.5× is a spike, not garbage"
        );
        let five = snap(
            Some(dec!(0.0002)),
            Some(dec!(0.0002)),
            &[dec!(5.0), dec!(7.5)],
        );
        let e = market("USD", &five, &rules).unwrap_err();
        assert!(e.contains("500 %/day"), "{e}");
        let far = snap(Some(dec!(0.0002)), Some(dec!(0.0002)), &[dec!(0.01)]);
        assert!(market("USD", &far, &rules).is_err(), "50× FRR");
        let low = snap(Some(dec!(0.0002)), Some(dec!(0.0002)), &[dec!(0.000001)]);
        assert!(market("USD", &low, &rules).is_err(), "1/200 of FRR");
        let zero = snap(Some(dec!(0.0002)), None, &[Decimal::ZERO]);
        assert!(market("USD", &zero, &rules).is_err());
        let frr = snap(Some(dec!(3)), None, &[dec!(0.0002)]);
        assert!(market("USD", &frr, &rules).is_err());
    }

    #[test]
    fn a_rate_is_confirmed_only_by_a_second_source() {
        let m = snap(Some(dec!(0.0002)), Some(dec!(0.0003)), &[]);
        assert!(confirmed(dec!(0.0008), &m));
        assert!(!confirmed(dec!(0.002), &m));
        assert!(!confirmed(dec!(0.0001), &snap(None, None, &[])));
    }

    #[test]
    fn an_own_offer_without_rate_or_period_is_unusable() {
        let mut o = ExchangeOffer {
            id: 7,
            currency: "USD".into(),
            amount: dec!(200),
            amount_orig: dec!(200),
            rate: Decimal::ZERO,
            period: 0,
            kind: OfferKind::Limit,
            hidden: false,
            created_mts: 1,
            status: OfferStatus::Active,
            unreadable: vec!["rate".into(), "period".into()],
        };
        assert_eq!(
            own_offer(&o).unwrap_err(),
            "Bitfinex listed our offer 7 without its rate and period."
        );
        o.unreadable = vec!["created time".into()];
        assert!(own_offer(&o).is_ok());
    }
}
