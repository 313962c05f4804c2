//! `actions` and `owned_offers`: the engine's write-ahead action log and the offers it owns.

use std::str::FromStr;

use rusqlite::{OptionalExtension, Row, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// What the engine did or meant to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionKind {
    /// Submit a funding offer.
    Submit,
    /// Cancel a funding offer.
    Cancel,
    /// Turn Bitfinex Auto-Renew on (the hand-off when the app quits).
    AutoRenewOn,
    /// Turn Bitfinex Auto-Renew off (taking over again at start).
    AutoRenewOff,
}

impl ActionKind {
    /// The text stored in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Cancel => "cancel",
            Self::AutoRenewOn => "auto_renew_on",
            Self::AutoRenewOff => "auto_renew_off",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "cancel" => Self::Cancel,
            "auto_renew_on" => Self::AutoRenewOn,
            "auto_renew_off" => Self::AutoRenewOff,
            _ => Self::Submit,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Written, request not yet answered (or the app stopped before it was).
    Pending,
    /// The exchange confirmed it.
    Ok,
    /// The exchange refused it (nothing changed there).
    Rejected,
    /// No answer (timeout, lost response): the exchange may or may not have done it.
    Unknown,
    /// Reconciled: the exchange had done it.
    ReconciledDone,
    /// Reconciled: the exchange had not done it.
    ReconciledNotDone,
    /// Dry run: logged, never sent.
    DryRun,
}

impl Outcome {
    /// The text stored in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ok => "ok",
            Self::Rejected => "rejected",
            Self::Unknown => "unknown",
            Self::ReconciledDone => "reconciled_done",
            Self::ReconciledNotDone => "reconciled_not_done",
            Self::DryRun => "dry_run",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "pending" => Self::Pending,
            "ok" => Self::Ok,
            "rejected" => Self::Rejected,
            "unknown" => Self::Unknown,
            "reconciled_done" => Self::ReconciledDone,
            "reconciled_not_done" => Self::ReconciledNotDone,
            "dry_run" => Self::DryRun,
            other => return Err(StoreError::Decode(format!("unknown outcome {other:?}"))),
        })
    }

    /// True while the exchange's state for this action is not known.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Unknown)
    }
}

/// An action about to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    /// When it was decided (UTC ms).
    pub mts: i64,
    /// Currency (`USD`, `UST`, ...).
    pub currency: String,
    /// Submit or cancel.
    pub kind: ActionKind,
    /// The offer (cancels).
    pub offer_id: Option<i64>,
    /// Amount (submits).
    pub amount: Option<Decimal>,
    /// Rate (submits).
    pub rate: Option<Decimal>,
    /// Period (submits).
    pub period: Option<u32>,
    /// `Limit` or `FrrDeltaVar` (submits).
    pub offer_kind: Option<String>,
    /// Hidden flag (submits).
    pub hidden: Option<bool>,
    /// Why (JSON).
    pub reason: String,
}

/// A logged action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Row id.
    pub id: i64,
    /// The action as decided.
    #[serde(skip)]
    pub new: NewAction,
    /// How it ended (so far).
    pub outcome: Outcome,
    /// Exchange message or error.
    pub detail: Option<String>,
    /// Last change (UTC ms).
    pub updated_mts: i64,
}

fn dec_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Decimal>> {
    let text: Option<String> = row.get(i)?;
    text.map(|t| {
        Decimal::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

const SELECT: &str = "SELECT id, mts, currency, action, offer_id, amount, rate, period, kind, hidden, reason, outcome, detail, updated_mts FROM actions";

fn read(row: &Row<'_>) -> rusqlite::Result<(Action, String)> {
    let kind: String = row.get(3)?;
    let outcome: String = row.get(11)?;
    Ok((
        Action {
            id: row.get(0)?,
            new: NewAction {
                mts: row.get(1)?,
                currency: row.get(2)?,
                kind: ActionKind::parse(&kind),
                offer_id: row.get(4)?,
                amount: dec_col(row, 5)?,
                rate: dec_col(row, 6)?,
                period: row.get(7)?,
                offer_kind: row.get(8)?,
                hidden: row.get::<_, Option<i64>>(9)?.map(|h| h != 0),
                reason: row.get(10)?,
            },
            outcome: Outcome::Pending,
            detail: row.get(12)?,
            updated_mts: row.get(13)?,
        },
        outcome,
    ))
}

fn finish(rows: Vec<(Action, String)>) -> Result<Vec<Action>, StoreError> {
    rows.into_iter()
        .map(|(mut a, o)| {
            a.outcome = Outcome::parse(&o)?;
            Ok(a)
        })
        .collect()
}

impl Store {
    /// Writes an action as `pending` (or `dry_run`) before anything is sent; returns its id.
    pub fn begin_action(&self, a: &NewAction, dry_run: bool) -> Result<i64, StoreError> {
        let outcome = if dry_run {
            Outcome::DryRun
        } else {
            Outcome::Pending
        };
        self.insert_action(a, outcome, None)
    }

    /// Logs an action that is already over (an Auto-Renew switch): one row with its outcome,
    /// never `pending`, so the engine never tries to reconcile it as an offer.
    pub fn log_finished_action(
        &self,
        a: &NewAction,
        outcome: Outcome,
        detail: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.insert_action(a, outcome, detail)
    }

    fn insert_action(
        &self,
        a: &NewAction,
        outcome: Outcome,
        detail: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO actions (mts, currency, action, offer_id, amount, rate, period, kind, hidden, reason, outcome, detail, updated_mts)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?1)",
                params![
                    a.mts,
                    a.currency,
                    a.kind.as_str(),
                    a.offer_id,
                    a.amount.map(|d| d.to_string()),
                    a.rate.map(|d| d.to_string()),
                    a.period,
                    a.offer_kind,
                    a.hidden.map(i64::from),
                    a.reason,
                    outcome.as_str(),
                    detail,
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Records how an action ended. For a submit that created an offer (`Ok` or
    /// `ReconciledDone` with `offer_id`), the offer becomes owned in the same transaction.
    pub fn finish_action(
        &self,
        id: i64,
        outcome: Outcome,
        offer_id: Option<i64>,
        detail: Option<&str>,
        now_mts: i64,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            let (kind, currency, existing_offer): (String, String, Option<i64>) = tx.query_row(
                "SELECT action, currency, offer_id FROM actions WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let offer_id = offer_id.or(existing_offer);
            tx.execute(
                "UPDATE actions SET outcome = ?2, offer_id = ?3, detail = coalesce(?4, detail), updated_mts = ?5 WHERE id = ?1",
                params![id, outcome.as_str(), offer_id, detail, now_mts],
            )?;
            let done = matches!(outcome, Outcome::Ok | Outcome::ReconciledDone);
            match (kind.as_str(), done, offer_id) {
                ("submit", true, Some(offer)) => {
                    tx.execute(
                        "INSERT INTO owned_offers (offer_id, currency, action_id, created_mts) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(offer_id) DO NOTHING",
                        params![offer, currency, id, now_mts],
                    )?;
                }
                ("cancel", true, Some(offer)) => {
                    tx.execute(
                        "UPDATE owned_offers SET closed_mts = ?2 WHERE offer_id = ?1 AND closed_mts IS NULL",
                        params![offer, now_mts],
                    )?;
                }
                _ => {}
            }
            tx.commit()
        })
    }

    /// Actions whose outcome on the exchange is not known (`pending`, `unknown`), oldest first.
    pub fn open_actions(&self) -> Result<Vec<Action>, StoreError> {
        let rows = self.with(|c| {
            let mut st = c.prepare(&format!(
                "{SELECT} WHERE outcome IN ('pending', 'unknown') ORDER BY id"
            ))?;
            st.query_map([], read)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        finish(rows)
    }

    /// The newest `limit` actions, newest first.
    pub fn recent_actions(&self, limit: u32) -> Result<Vec<Action>, StoreError> {
        let rows = self.with(|c| {
            let mut st = c.prepare(&format!("{SELECT} ORDER BY id DESC LIMIT ?1"))?;
            st.query_map([limit], read)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        finish(rows)
    }

    /// One action by id.
    pub fn action(&self, id: i64) -> Result<Option<Action>, StoreError> {
        let row = self.with(|c| {
            c.query_row(&format!("{SELECT} WHERE id = ?1"), [id], read)
                .optional()
        })?;
        Ok(finish(row.into_iter().collect())?.pop())
    }

    /// The submit that created an owned offer, as the app recorded it.
    pub fn submit_of_offer(&self, offer_id: i64) -> Result<Option<NewAction>, StoreError> {
        let row = self.with(|c| {
            c.query_row(
                &format!(
                    "{SELECT} WHERE id = (SELECT action_id FROM owned_offers WHERE offer_id = ?1) AND action = 'submit'"
                ),
                [offer_id],
                read,
            )
            .optional()
        })?;
        Ok(finish(row.into_iter().collect())?.pop().map(|a| a.new))
    }

    /// When the earliest of these owned offers was recorded (UTC ms), if any is owned.
    pub fn owned_since(&self, offer_ids: &[i64]) -> Result<Option<i64>, StoreError> {
        let mut first: Option<i64> = None;
        for id in offer_ids {
            let t: Option<i64> = self.with(|c| {
                c.query_row(
                    "SELECT created_mts FROM owned_offers WHERE offer_id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()
            })?;
            first = match (first, t) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(first)
    }

    /// Ids of the offers this app owns that are still open, for a currency.
    pub fn owned_open_offers(&self, currency: &str) -> Result<Vec<i64>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT offer_id FROM owned_offers WHERE currency = ?1 AND closed_mts IS NULL ORDER BY offer_id")?;
            st.query_map([currency], |r| r.get(0))?.collect()
        })
    }

    /// True if this app ever created the offer.
    pub fn is_owned(&self, offer_id: i64) -> Result<bool, StoreError> {
        self.with(|c| {
            c.query_row(
                "SELECT 1 FROM owned_offers WHERE offer_id = ?1",
                [offer_id],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
        })
    }

    /// Marks owned offers that are no longer on the book as closed.
    pub fn close_owned(&self, offer_ids: &[i64], now_mts: i64) -> Result<(), StoreError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for id in offer_ids {
                tx.execute(
                    "UPDATE owned_offers SET closed_mts = ?2 WHERE offer_id = ?1 AND closed_mts IS NULL",
                    params![id, now_mts],
                )?;
            }
            tx.commit()
        })
    }

    /// Amount newly offered for `currency` since `since_mts` (confirmed submits that were not
    /// replacements of an existing offer).
    pub fn offered_since(&self, currency: &str, since_mts: i64) -> Result<Decimal, StoreError> {
        let amounts: Vec<String> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT amount FROM actions WHERE currency = ?1 AND action = 'submit' AND mts >= ?2
                   AND outcome IN ('ok', 'reconciled_done') AND reason NOT LIKE '%\"Reprice\"%'",
            )?;
            st.query_map(params![currency, since_mts], |r| r.get(0))?
                .collect()
        })?;
        amounts
            .iter()
            .map(|a| {
                Decimal::from_str(a).map_err(|e| StoreError::Decode(format!("amount {a:?}: {e}")))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submit(mts: i64, amount: &str) -> NewAction {
        NewAction {
            mts,
            currency: "USD".into(),
            kind: ActionKind::Submit,
            offer_id: None,
            amount: Some(amount.parse().unwrap()),
            rate: Some("0.0001".parse().unwrap()),
            period: Some(2),
            offer_kind: Some("Limit".into()),
            hidden: Some(false),
            reason: r#"{"kind":"Ladder","step":1,"of":3}"#.into(),
        }
    }

    #[test]
    fn a_confirmed_submit_owns_its_offer() {
        let s = Store::open_in_memory().unwrap();
        let id = s.begin_action(&submit(10, "500"), false).unwrap();
        assert_eq!(s.open_actions().unwrap().len(), 1, "pending until answered");
        s.finish_action(id, Outcome::Ok, Some(77), None, 11)
            .unwrap();
        assert!(s.open_actions().unwrap().is_empty());
        assert_eq!(s.owned_open_offers("USD").unwrap(), vec![77]);
        assert!(s.is_owned(77).unwrap());
        let a = s.action(id).unwrap().unwrap();
        assert_eq!((a.outcome, a.new.offer_id), (Outcome::Ok, Some(77)));
        assert_eq!(
            s.offered_since("USD", 0).unwrap(),
            "500".parse::<Decimal>().unwrap()
        );
    }

    #[test]
    fn unknown_then_reconciled() {
        let s = Store::open_in_memory().unwrap();
        let id = s.begin_action(&submit(10, "500"), false).unwrap();
        s.finish_action(id, Outcome::Unknown, None, Some("timeout"), 11)
            .unwrap();
        assert_eq!(s.open_actions().unwrap()[0].outcome, Outcome::Unknown);
        assert!(s.owned_open_offers("USD").unwrap().is_empty());
        s.finish_action(
            id,
            Outcome::ReconciledDone,
            Some(5),
            Some("found on the book"),
            12,
        )
        .unwrap();
        assert!(s.open_actions().unwrap().is_empty());
        assert_eq!(s.owned_open_offers("USD").unwrap(), vec![5]);
        let a = s.action(id).unwrap().unwrap();
        assert_eq!(a.detail.as_deref(), Some("found on the book"));
    }

    #[test]
    fn a_confirmed_cancel_closes_the_offer_and_dry_runs_are_not_open() {
        let s = Store::open_in_memory().unwrap();
        let id = s.begin_action(&submit(10, "500"), false).unwrap();
        s.finish_action(id, Outcome::Ok, Some(77), None, 11)
            .unwrap();
        let cancel = NewAction {
            kind: ActionKind::Cancel,
            offer_id: Some(77),
            amount: None,
            rate: None,
            period: None,
            offer_kind: None,
            hidden: None,
            ..submit(12, "0")
        };
        let c = s.begin_action(&cancel, false).unwrap();
        s.finish_action(c, Outcome::Ok, None, None, 13).unwrap();
        assert!(s.owned_open_offers("USD").unwrap().is_empty());
        assert!(s.is_owned(77).unwrap(), "still known as ours for history");
        s.begin_action(&submit(14, "1"), true).unwrap();
        assert!(s.open_actions().unwrap().is_empty());
        assert_eq!(s.recent_actions(10).unwrap()[0].outcome, Outcome::DryRun);
    }
}
