//! CSV exports for tax tools and for keeping a copy before deleting local data.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::{Store, StoreError};

fn utc(mts: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(mts).map_or_else(
        || mts.to_string(),
        |d| d.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

/// Quotes a CSV field when needed.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl Store {
    /// Every interest payment: `utc_time,currency,amount,balance_after,description,ledger_id`,
    /// oldest first, amounts exactly as the exchange reported them.
    pub fn payments_csv(&self) -> Result<String, StoreError> {
        let mut out =
            String::from("utc_time,currency,amount,balance_after,description,ledger_id\n");
        for p in self.payments(None, i64::MIN, i64::MAX)? {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                utc(p.mts),
                p.currency,
                p.amount,
                p.balance,
                field(&p.description),
                p.ledger_id
            );
        }
        Ok(out)
    }

    /// One row per UTC day and currency: `date,currency,payments,amount`.
    pub fn daily_summary_csv(&self) -> Result<String, StoreError> {
        let mut days: std::collections::BTreeMap<(String, String), (u32, Decimal)> =
            Default::default();
        for p in self.payments(None, i64::MIN, i64::MAX)? {
            let e = days
                .entry((utc(p.mts)[..10].to_owned(), p.currency))
                .or_default();
            e.0 += 1;
            e.1 += p.amount;
        }
        let mut out = String::from("date,currency,payments,amount\n");
        for ((day, cur), (n, amount)) in days {
            let _ = writeln!(out, "{day},{cur},{n},{amount}");
        }
        Ok(out)
    }

    /// The engine's action log: `utc_time,currency,action,offer_id,amount,rate,period,outcome,reason,detail`.
    pub fn actions_csv(&self) -> Result<String, StoreError> {
        let mut out = String::from(
            "utc_time,currency,action,offer_id,amount,rate,period,outcome,reason,detail\n",
        );
        let mut rows = self.recent_actions(u32::MAX)?;
        rows.reverse();
        for a in rows {
            let n = &a.new;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                utc(n.mts),
                n.currency,
                n.kind.as_str(),
                n.offer_id.map(|i| i.to_string()).unwrap_or_default(),
                n.amount.map(|d| d.to_string()).unwrap_or_default(),
                n.rate.map(|d| d.to_string()).unwrap_or_default(),
                n.period.map(|d| d.to_string()).unwrap_or_default(),
                a.outcome.as_str(),
                field(&n.reason),
                field(a.detail.as_deref().unwrap_or("")),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Payment, Store};

    #[test]
    fn payments_and_daily_summary_match_the_ledger() {
        let s = Store::open_in_memory().unwrap();
        let pay = |id, mts, amount: &str| Payment {
            ledger_id: id,
            currency: "USD".into(),
            mts,
            amount: amount.parse().unwrap(),
            balance: "1000".parse().unwrap(),
            description: "Margin Funding Payment on wallet funding".into(),
        };
        s.insert_payments(&[
            pay(1, 1_780_277_400_000, "0.12345678"),
            pay(2, 1_780_280_000_000, "0.1"),
            pay(3, 1_780_363_800_000, "1"),
        ])
        .unwrap();
        let csv = s.payments_csv().unwrap();
        assert_eq!(
            csv.lines().nth(1).unwrap(),
            "2026-06-01 01:30:00,USD,0.12345678,1000,Margin Funding Payment on wallet funding,1"
        );
        assert_eq!(csv.lines().count(), 4);
        let daily = s.daily_summary_csv().unwrap();
        assert_eq!(
            daily,
            "date,currency,payments,amount\n2026-06-01,USD,2,0.22345678\n2026-06-02,USD,1,1\n"
        );
        assert_eq!(
            s.actions_csv().unwrap().lines().count(),
            1,
            "just the header"
        );
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        assert_eq!(super::field("a, \"b\""), "\"a, \"\"b\"\"\"");
    }
}
