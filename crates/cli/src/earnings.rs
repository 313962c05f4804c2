//! `yf earnings`: syncs interest payments from Bitfinex, then prints the metrics or a CSV.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;
use lender::exchange::{Clock, SystemClock};

use crate::common::{Failure, Global, Result, client, credentials, open_store};
use crate::human;

#[derive(Args, Debug)]
pub struct EarningsArgs {
    /// Every payment as CSV (UTC time, currency, amount, balance after, description).
    #[arg(long)]
    csv: bool,
    /// With --csv: a daily summary instead of every payment.
    #[arg(long, requires = "csv")]
    daily: bool,
    /// Only from this UTC date (YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Skip the sync; show what is stored.
    #[arg(long)]
    offline: bool,
}

fn parse_date(s: &str) -> Result<i64> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            Failure::new(
                "InvalidInput",
                format!("--since {s:?} is not a date like 2026-06-01."),
            )
        })
}

pub async fn run(g: &Global, args: EarningsArgs) -> Result<i32> {
    let since = args.since.as_deref().map(parse_date).transpose()?;
    // The key first: without one, nothing is created on disk.
    let creds = if args.offline {
        None
    } else {
        Some(credentials()?)
    };
    // Offline, the key (if one is set) still says whose data to read.
    let key_of_data = match &creds {
        Some(c) => Some(c.clone()),
        None => credentials().ok(),
    };
    let store = open_store(g, key_of_data.as_ref())?;
    let now = SystemClock.now_mts();
    if let Some(creds) = creds {
        let c = Arc::new(client(g, Some(creds), Some(store.clone()))?);
        let first = match c.user_info().await {
            Ok(u) => u
                .created_mts
                .unwrap_or(now - lender::sync::DEFAULT_LOOKBACK_MS),
            Err(_) => now - lender::sync::DEFAULT_LOOKBACK_MS,
        };
        // Progress is for a person watching a terminal, not for a pipe or a file.
        let quiet = g.json || args.csv || !std::io::stderr().is_terminal();
        lender::sync::sync_history(
            &c,
            &store,
            &["USD", "UST"],
            first,
            now,
            &AtomicBool::new(false),
            |p| {
                if !quiet {
                    eprint!(
                        "\rsyncing: {:>3} % ({} {}, {} new rows)   ",
                        p.percent,
                        p.currency,
                        match p.stream {
                            lender::sync::Stream::Payments => "payments",
                            lender::sync::Stream::Trades => "trades",
                        },
                        p.new_rows
                    );
                }
            },
        )
        .await
        .map_err(|e| Failure::new("Network", format!("Could not sync the earnings: {e}")))?;
        if !quiet {
            eprintln!();
        }
    }
    if args.csv {
        let csv = if args.daily {
            store.daily_summary_csv()?
        } else {
            store.payments_csv()?
        };
        let from = since.map(chrono_day);
        for (i, line) in csv.lines().enumerate() {
            if i == 0
                || from
                    .as_deref()
                    .is_none_or(|f| line.get(..10).is_some_and(|d| d >= f))
            {
                println!("{line}");
            }
        }
        return Ok(0);
    }
    let report = lender::earnings::report(&store, &["USD", "UST"], now, since)?;
    let mut out = Vec::new();
    for c in &report.currencies {
        let w = &c.windows;
        for (label, m) in [
            ("today", &w.today),
            ("7 days", &w.week),
            ("30 days", &w.month),
            ("all time", &w.all),
        ] {
            out.push((c.currency.as_str(), label, m));
        }
    }
    if g.json {
        let v: Vec<_> = out
            .iter()
            .map(|(c, l, m)| serde_json::json!({"currency": c, "window": l, "metrics": m}))
            .collect();
        println!("{}", serde_json::Value::Array(v));
        return Ok(0);
    }
    // A currency never held (nothing earned, no utilization to speak of) is left out.
    out.retain(|(cur, _, _)| {
        report
            .currencies
            .iter()
            .find(|c| c.currency == *cur)
            .is_some_and(|c| !c.windows.all.earned.is_zero() || c.windows.all.utilization.is_some())
    });
    if out.is_empty() {
        println!("No earnings recorded yet.");
        return Ok(0);
    }
    let mut current = None;
    for (cur, label, m) in out {
        if current != Some(cur) {
            if current.is_some() {
                println!();
            }
            current = Some(cur);
            println!("{}", header(cur));
        }
        println!("{}", row(cur, label, m));
    }
    Ok(0)
}

/// A currency's header, with the units of each column.
fn header(cur: &str) -> String {
    format!(
        "{cur:<9} {:>16} {:>9} {:>16} {:>30} {:>30}",
        format!("earned ({cur})"),
        "APY (%)",
        "utilization (%)",
        format!("Auto-Renew, calibrated ({cur})"),
        format!("Auto-Renew, upper bound ({cur})")
    )
}

/// One window's row: net earnings, APY, utilization, and what Auto-Renew at FRR would have
/// earned under the calibrated FRR rule ("—" before the FRR line was recorded) and at most.
fn row(cur: &str, label: &str, m: &lender::metrics::Metrics) -> String {
    let pct = |d: Option<rust_decimal::Decimal>| {
        d.map_or("—".to_owned(), |d| {
            format!("{:.2}", d * rust_decimal::Decimal::ONE_HUNDRED)
        })
    };
    format!(
        "{label:<9} {:>16} {:>9} {:>16} {:>30} {:>30}",
        human::amount(cur, m.earned),
        pct(m.apy),
        pct(m.utilization),
        m.baseline_auto_renew_calibrated
            .map_or("—".to_owned(), |a| human::amount(cur, a)),
        human::amount(cur, m.baseline_auto_renew)
    )
}

/// `YYYY-MM-DD` of a UTC time.
fn chrono_day(mts: i64) -> String {
    chrono::DateTime::from_timestamp_millis(mts)
        .map_or_else(|| mts.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let t = parse_date("2026-06-01").unwrap();
        assert_eq!(t, 1_780_272_000_000);
        assert_eq!(chrono_day(t), "2026-06-01");
        assert_eq!(chrono_day(parse_date("2024-02-29").unwrap()), "2024-02-29");
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("yesterday").is_err());
    }
}
