//! Walk-forward evaluation: fit the market model on a training window, test every contender on
//! the window that follows, roll across all the real data; and the same contenders on synthetic
//! seeds that were never used for tuning. Reported as median, p10 and p90 per contender, and as
//! paired ratios between contenders with bootstrap intervals over days.
//!
//! Nothing here tunes a strategy: the presets are run as they are. What is fitted on the
//! training window is only the market model's view of what the data does not show in the test
//! window (the short level relative to FRR for bridged hours, spike frequency and size).

use bfx_sim::ReplayData;
use rust_decimal::prelude::*;
use serde::Serialize;
use yardstick::stats::{Spread, paired_ratio, share_wins, spread};

use crate::{BacktestError, Kind, MarketSource, Report, Spec};

const DAY: i64 = 86_400_000;

/// What to run.
#[derive(Debug, Clone)]
pub struct WalkSpec {
    /// Real data (all of `../shared/data`), if any.
    pub data: Option<ReplayData>,
    /// Days of each training window.
    pub train_days: i64,
    /// Days of each test window (the windows roll by this much).
    pub test_days: i64,
    /// Synthetic seeds, never used for tuning.
    pub seeds: Vec<u64>,
    /// Days of each synthetic run.
    pub synthetic_days: i64,
    /// Starting balance.
    pub balance: Decimal,
    /// The strategies (presets as they are).
    pub strategies: Vec<(String, lender::StrategySettings)>,
    /// Engine cycle, simulated minutes.
    pub step_minutes: i64,
}

/// One test window's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowResult {
    /// `real` or `synthetic`.
    pub source: String,
    /// Label (dates or seed).
    pub label: String,
    /// What the model was fitted to (real windows): figure → value.
    pub fitted: std::collections::BTreeMap<String, f64>,
    /// How much of the test window is recorded (real windows).
    pub coverage: Option<String>,
    /// The backtest.
    pub report: Report,
}

/// One contender over all windows of a source.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContenderSummary {
    /// `real` or `synthetic`.
    pub source: String,
    /// Contender.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Net APR over windows (fractions): median, p10, p90.
    pub apr: Option<SpreadOut>,
    /// Share of the hindsight bound earned, over windows.
    pub share_of_bound: Option<SpreadOut>,
}

/// A spread, serialisable.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SpreadOut {
    /// Median.
    pub median: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Windows.
    pub n: usize,
}

impl From<Spread> for SpreadOut {
    fn from(s: Spread) -> Self {
        Self {
            median: s.median,
            p10: s.p10,
            p90: s.p90,
            n: s.n,
        }
    }
}

/// A paired comparison of two contenders over the same days.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Paired {
    /// `real` or `synthetic`.
    pub source: String,
    /// The contender.
    pub a: String,
    /// What it is compared with.
    pub b: String,
    /// Σ a ÷ Σ b over all days.
    pub ratio: f64,
    /// 90 % bootstrap interval (days resampled with replacement, paired).
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Days.
    pub days: usize,
    /// Days on which `a` earned more than `b`.
    pub days_ahead: usize,
}

/// The walk-forward result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalkReport {
    /// Every test window.
    pub windows: Vec<WindowResult>,
    /// Per contender and source.
    pub summary: Vec<ContenderSummary>,
    /// Paired ratios.
    pub paired: Vec<Paired>,
    /// The real folds that could not be formed, and why (e.g. a week with nothing after it).
    pub skipped: Vec<String>,
}

/// The real folds: `(train from, test from, test to)`, rolling by `test` days over every run of
/// consecutive days with data.
pub fn folds(data: &ReplayData, train: i64, test: i64) -> (Vec<(i64, i64, i64)>, Vec<String>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (start, days) in data.day_runs() {
        if days < train + test {
            skipped.push(format!(
                "{} ({} days): shorter than {} training + {} test days",
                bfx_sim::replay::day_label(start),
                days,
                train,
                test
            ));
            continue;
        }
        let mut s = start;
        while s + (train + test) * DAY <= start + days * DAY {
            out.push((s, s + train * DAY, s + (train + test) * DAY));
            s += test * DAY;
        }
    }
    (out, skipped)
}

/// Earnings per day from a contender's hourly cumulative series.
pub fn daily(o: &crate::Outcome, start: i64, end: i64) -> Vec<f64> {
    let mut days = Vec::new();
    let mut prev = Decimal::ZERO;
    let mut t = start + DAY;
    while t <= end {
        let at = o
            .cumulative
            .iter()
            .take_while(|(m, _)| *m <= t)
            .last()
            .map_or(Decimal::ZERO, |x| x.1);
        days.push((at - prev).to_f64().unwrap_or(0.0));
        prev = at;
        t += DAY;
    }
    days
}

/// Runs the walk-forward: real folds first, then the synthetic seeds.
pub async fn walk_forward(
    spec: &WalkSpec,
    mut progress: impl FnMut(&str),
) -> Result<WalkReport, BacktestError> {
    let mut windows = Vec::new();
    let mut skipped = Vec::new();
    if let Some(data) = &spec.data {
        let (fs, sk) = folds(data, spec.train_days, spec.test_days);
        skipped = sk;
        for (train, from, to) in fs {
            let label = format!(
                "train {} → test {} – {}",
                &bfx_sim::replay::day_label(train)[..10],
                &bfx_sim::replay::day_label(from)[..10],
                &bfx_sim::replay::day_label(to - 1)[..10]
            );
            progress(&label);
            let (cal, fitted) =
                bfx_sim::calibrate::fit(data, train, from, &bfx_sim::Calibration::default());
            let test = data.window(from, to);
            let coverage = test.coverage(from, to).describe();
            let mut s = Spec::new(
                MarketSource::RealData {
                    name: label.clone(),
                    data: test,
                    from,
                    calibration: cal,
                },
                (to - from) / 3_600_000,
                spec.balance,
            );
            s.strategies = spec.strategies.clone();
            s.step_minutes = spec.step_minutes;
            let report = crate::run(&s, |_, _| {}).await?;
            windows.push(WindowResult {
                source: "real".into(),
                label,
                fitted,
                coverage: Some(coverage),
                report,
            });
        }
    }
    for seed in &spec.seeds {
        let label = format!("seed {seed}");
        progress(&label);
        let mut s = Spec::new(
            MarketSource::Synthetic { seed: *seed },
            spec.synthetic_days * 24,
            spec.balance,
        );
        s.strategies = spec.strategies.clone();
        s.step_minutes = spec.step_minutes;
        let report = crate::run(&s, |_, _| {}).await?;
        windows.push(WindowResult {
            source: "synthetic".into(),
            label,
            fitted: Default::default(),
            coverage: None,
            report,
        });
    }
    let (summary, paired) = summarise(&windows);
    Ok(WalkReport {
        windows,
        summary,
        paired,
        skipped,
    })
}

/// Spreads per contender and paired ratios, per source.
pub fn summarise(windows: &[WindowResult]) -> (Vec<ContenderSummary>, Vec<Paired>) {
    let mut summary = Vec::new();
    let mut paired = Vec::new();
    for source in ["real", "synthetic"] {
        let ws: Vec<&WindowResult> = windows.iter().filter(|w| w.source == source).collect();
        let Some(first) = ws.first() else { continue };
        let names: Vec<(String, Kind)> = first
            .report
            .outcomes
            .iter()
            .map(|o| (o.name.clone(), o.kind))
            .collect();
        let bound_of = |w: &WindowResult| w.report.of(Kind::HindsightBound).map(|b| b.earned);
        for (name, kind) in &names {
            let outcomes: Vec<(&WindowResult, &crate::Outcome)> = ws
                .iter()
                .filter_map(|w| {
                    w.report
                        .outcomes
                        .iter()
                        .find(|o| &o.name == name)
                        .map(|o| (*w, o))
                })
                .collect();
            let aprs: Vec<f64> = outcomes
                .iter()
                .map(|(_, o)| o.apr.to_f64().unwrap_or(0.0))
                .collect();
            let shares: Vec<f64> = outcomes
                .iter()
                .filter_map(|(w, o)| {
                    let b = bound_of(w)?;
                    (b > Decimal::ZERO).then(|| (o.earned / b).to_f64().unwrap_or(0.0))
                })
                .collect();
            summary.push(ContenderSummary {
                source: source.into(),
                name: name.clone(),
                kind: *kind,
                apr: spread(&aprs).map(Into::into),
                share_of_bound: spread(&shares).map(Into::into),
            });
        }
        // Each strategy against each yardstick, day by day over all windows.
        let strategies: Vec<&String> = names
            .iter()
            .filter(|(_, k)| *k == Kind::Strategy)
            .map(|(n, _)| n)
            .collect();
        let against: Vec<&String> = names
            .iter()
            .filter(|(_, k)| {
                matches!(
                    k,
                    Kind::MarketAverage | Kind::Mika | Kind::FixedAtAsk | Kind::HindsightBound
                )
            })
            .map(|(n, _)| n)
            .collect();
        for a in &strategies {
            for b in &against {
                let (mut da, mut db) = (Vec::new(), Vec::new());
                for w in &ws {
                    let (Some(oa), Some(ob)) = (
                        w.report.outcomes.iter().find(|o| &&o.name == a),
                        w.report.outcomes.iter().find(|o| &&o.name == b),
                    ) else {
                        continue;
                    };
                    da.extend(daily(oa, w.report.start_mts, w.report.end_mts));
                    db.extend(daily(ob, w.report.start_mts, w.report.end_mts));
                }
                if let Some(r) = paired_ratio(&da, &db, 2000, 15) {
                    let (ahead, _) = share_wins(&da, &db);
                    paired.push(Paired {
                        source: source.into(),
                        a: (*a).clone(),
                        b: (*b).clone(),
                        ratio: r.ratio,
                        lo: r.lo,
                        hi: r.hi,
                        days: r.days,
                        days_ahead: ahead,
                    });
                }
            }
        }
    }
    (summary, paired)
}

impl WalkReport {
    /// The Markdown tables (the README's headline comes from here).
    pub fn markdown(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        for source in ["real", "synthetic"] {
            let n = self.windows.iter().filter(|w| w.source == source).count();
            if n == 0 {
                continue;
            }
            let days: i64 = self
                .windows
                .iter()
                .filter(|w| w.source == source)
                .map(|w| (w.report.end_mts - w.report.start_mts) / DAY)
                .sum();
            let _ = writeln!(
                s,
                "\n**{}** — {n} test windows, {days} days in all. Net APR (after Bitfinex's 15 % fee, idle time included): median (p10 – p90) over windows; share of the hindsight bound likewise.\n",
                if source == "real" {
                    "Real fUSD data, walk-forward (model fitted on the week before each test week)"
                } else {
                    "Synthetic seeds never used for tuning"
                }
            );
            let _ = writeln!(
                s,
                "| contender | net APR, median (p10 – p90) | share of the hindsight bound |\n|---|---|---|"
            );
            for c in self.summary.iter().filter(|c| c.source == source) {
                let apr = c.apr.map_or("—".into(), |a| {
                    format!("{} ({} – {})", pct(a.median), pct(a.p10), pct(a.p90))
                });
                let share = match (c.kind, c.share_of_bound) {
                    (Kind::HindsightBound, _) => "100 %".into(),
                    (_, Some(b)) => format!("{} ({} – {})", pct(b.median), pct(b.p10), pct(b.p90)),
                    _ => "—".into(),
                };
                let _ = writeln!(s, "| {} | {apr} | {share} |", c.name);
            }
            let ps: Vec<&Paired> = self.paired.iter().filter(|p| p.source == source).collect();
            if !ps.is_empty() {
                let _ = writeln!(
                    s,
                    "\n| paired, day by day | ratio of earnings | 90 % bootstrap interval | days ahead |\n|---|---|---|---|"
                );
                for p in ps {
                    let _ = writeln!(
                        s,
                        "| {} ÷ {} | {:.2} | {:.2} – {:.2} | {} of {} |",
                        p.a, p.b, p.ratio, p.lo, p.hi, p.days_ahead, p.days
                    );
                }
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(
                s,
                "\nReal data not used for a fold: {}.",
                self.skipped.join("; ")
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bfx_sim::Candle;

    #[test]
    fn folds_roll_over_runs_of_days_and_say_what_was_skipped() {
        let day0 = bfx_sim::replay::parse_day("2026-08-01").unwrap();
        let candle = |d: i64| Candle {
            mts: day0 + d * DAY + 3_600_000,
            open: 2e-4,
            close: 2e-4,
            high: 2e-4,
            low: 2e-4,
            volume: 1.0,
        };
        // 10 days in a row, then a gap, then 3 days.
        let data = ReplayData {
            candles: (0..10).chain(20..23).map(candle).collect(),
            ..ReplayData::default()
        };
        let (f, skipped) = folds(&data, 3, 2);
        assert_eq!(
            f,
            vec![
                (day0, day0 + 3 * DAY, day0 + 5 * DAY),
                (day0 + 2 * DAY, day0 + 5 * DAY, day0 + 7 * DAY),
                (day0 + 4 * DAY, day0 + 7 * DAY, day0 + 9 * DAY),
            ]
        );
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].contains("3 days"), "{skipped:?}");
    }
}
