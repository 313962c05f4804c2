//! Real market data for replays, read from a folder such as `../shared/data` (never copied):
//! every `trades_{SYM}_*.csv`, `candles_{SYM}_1m_*.csv` and `funding_stats_{SYM}_*.csv` in it,
//! merged (duplicates removed), cut to a window, with a coverage report that says which part
//! of the window is recorded and which is bridged by the model.

use std::collections::BTreeSet;
use std::path::Path;

use crate::driver::{Candle, FundingStat, ReplayData, Tape, TapeError};
use crate::world::{DAY_MS, HOUR_MS};

/// Why real data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The folder cannot be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A file does not parse.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: String,
        /// Why.
        source: TapeError,
    },
    /// Nothing to replay in the window.
    #[error("{0}")]
    Empty(String),
}

/// How much of a window the data covers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// Window start (UTC ms).
    pub from_mts: i64,
    /// Window end (UTC ms).
    pub to_mts: i64,
    /// Minutes in the window.
    pub minutes: i64,
    /// Minutes with recorded trades or candles.
    pub recorded_minutes: usize,
    /// Minutes covered by a trade tape.
    pub tape_minutes: usize,
    /// Funding statistics points in the window (FRR); FRR holds between them.
    pub stats_points: usize,
    /// Longest stretch without recorded minutes (minutes).
    pub longest_hole_minutes: i64,
    /// Longest stretch without a statistics point (hours).
    pub longest_stats_gap_hours: f64,
}

impl Coverage {
    /// One line for reports.
    pub fn describe(&self) -> String {
        format!(
            "{:.1} % of minutes recorded ({} of {}; {} from trade tapes), the rest bridged by the calibrated model anchored to the nearest recorded hours; longest hole {} min; FRR from {} funding-stats points (longest gap {:.0} h); the long market (over 30 days) is always the model's",
            100.0 * self.recorded_minutes as f64 / self.minutes.max(1) as f64,
            self.recorded_minutes,
            self.minutes,
            self.tape_minutes,
            self.longest_hole_minutes,
            self.stats_points,
            self.longest_stats_gap_hours
        )
    }
}

fn files(dir: &Path, prefix: &str) -> Result<Vec<std::path::PathBuf>, ReplayError> {
    let rd = std::fs::read_dir(dir).map_err(|e| ReplayError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut v: Vec<_> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".csv"))
        })
        .collect();
    v.sort();
    Ok(v)
}

fn open<T>(
    path: &Path,
    f: impl Fn(std::fs::File) -> Result<T, TapeError>,
) -> Result<T, ReplayError> {
    let file = std::fs::File::open(path).map_err(|e| ReplayError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    f(file).map_err(|source| ReplayError::Parse {
        path: path.display().to_string(),
        source,
    })
}

/// Everything in `dir` for `symbol` (`fUSD`), merged.
pub fn load_dir(dir: &Path, symbol: &str) -> Result<ReplayData, ReplayError> {
    let mut data = ReplayData::default();
    let mut ids = BTreeSet::new();
    for p in files(dir, &format!("trades_{symbol}_"))? {
        for r in open(&p, Tape::from_csv)?.rows {
            if ids.insert(r.id) {
                data.tape.rows.push(r);
            }
        }
    }
    data.tape.rows.sort_by_key(|r| (r.mts, r.id));
    for p in files(dir, &format!("candles_{symbol}_1m_"))? {
        data.candles.extend(open(&p, Candle::from_csv)?);
    }
    // The fullest file's minute wins: later files (sorted by name) overwrite earlier ones.
    data.candles.sort_by_key(|c| c.mts);
    data.candles.dedup_by(|b, a| {
        if a.mts == b.mts {
            *a = *b;
            true
        } else {
            false
        }
    });
    for p in files(dir, &format!("funding_stats_{symbol}_"))? {
        data.stats.extend(open(&p, FundingStat::from_csv)?);
    }
    data.stats.sort_by_key(|s| s.mts);
    data.stats.dedup_by_key(|s| s.mts);
    Ok(data)
}

impl ReplayData {
    /// The data of `[from, to)`, plus the last statistics point before `from` (FRR holds).
    pub fn window(&self, from: i64, to: i64) -> Self {
        let before = self.stats.iter().rev().find(|s| s.mts < from).copied();
        Self {
            tape: Tape {
                rows: self
                    .tape
                    .rows
                    .iter()
                    .filter(|r| r.mts >= from && r.mts < to)
                    .cloned()
                    .collect(),
            },
            candles: self
                .candles
                .iter()
                .filter(|c| c.mts >= from && c.mts < to)
                .copied()
                .collect(),
            stats: before
                .into_iter()
                .chain(
                    self.stats
                        .iter()
                        .filter(|s| s.mts >= from && s.mts < to)
                        .copied(),
                )
                .collect(),
        }
    }

    /// How much of `[from, to)` is recorded.
    pub fn coverage(&self, from: i64, to: i64) -> Coverage {
        let minutes = self.recorded_minutes(from, to);
        let tape: BTreeSet<i64> = self
            .tape
            .rows
            .iter()
            .filter(|r| r.mts >= from && r.mts < to)
            .map(|r| r.mts.div_euclid(60_000))
            .collect();
        let mut prev = from.div_euclid(60_000);
        let mut hole = 0;
        for m in minutes.iter().copied().chain([to.div_euclid(60_000)]) {
            hole = hole.max(m - prev - 1);
            prev = m;
        }
        let pts: Vec<i64> = self
            .stats
            .iter()
            .map(|s| s.mts)
            .filter(|t| *t >= from && *t < to)
            .collect();
        let mut gap = 0i64;
        let mut last = self
            .stats
            .iter()
            .rev()
            .find(|s| s.mts < from)
            .map_or(from, |s| s.mts);
        for t in pts.iter().copied().chain([to]) {
            gap = gap.max(t - last);
            last = t;
        }
        Coverage {
            from_mts: from,
            to_mts: to,
            minutes: (to - from) / 60_000,
            recorded_minutes: minutes.len(),
            tape_minutes: tape.len(),
            stats_points: pts.len(),
            longest_hole_minutes: hole.max(0),
            longest_stats_gap_hours: gap as f64 / HOUR_MS as f64,
        }
    }

    /// Whole UTC days with recorded data, as contiguous runs `(first day start, days)`.
    pub fn day_runs(&self) -> Vec<(i64, i64)> {
        let days: BTreeSet<i64> = self
            .tape
            .rows
            .iter()
            .map(|r| r.mts)
            .chain(self.candles.iter().map(|c| c.mts))
            .map(|t| t.div_euclid(DAY_MS))
            .collect();
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for d in days {
            match runs.last_mut() {
                Some((start, n)) if *start / DAY_MS + *n == d => *n += 1,
                _ => runs.push((d * DAY_MS, 1)),
            }
        }
        runs
    }

    /// Checks that a window has something to replay.
    pub fn require(&self, from: i64, to: i64) -> Result<(), ReplayError> {
        if self.recorded_minutes(from, to).is_empty() {
            return Err(ReplayError::Empty(format!(
                "No recorded trades or candles between {} and {} UTC.",
                crate::replay::day_label(from),
                crate::replay::day_label(to)
            )));
        }
        if self.stats.iter().all(|s| s.mts >= to) {
            return Err(ReplayError::Empty(
                "No funding statistics (FRR) at or before the window.".into(),
            ));
        }
        Ok(())
    }
}

/// `YYYY-MM-DD HH:MM` for a UTC ms time.
pub fn day_label(mts: i64) -> String {
    let days = mts.div_euclid(DAY_MS);
    let ms = mts.rem_euclid(DAY_MS);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        ms / HOUR_MS,
        (ms % HOUR_MS) / 60_000
    )
}

/// UTC ms of `YYYY-MM-DD` (midnight).
pub fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let t = parse_day("2026-08-01").unwrap();
        assert_eq!(t, 1_785_542_400_000);
        assert_eq!(day_label(t + 90 * 60_000), "2026-08-01 01:30");
        assert_eq!(
            parse_day("2024-02-29").map(day_label).unwrap(),
            "2024-02-29 00:00"
        );
        assert!(parse_day("2026-13-01").is_none() && parse_day("x").is_none());
    }

    #[test]
    fn a_folder_is_merged_windowed_and_its_coverage_reported() {
        let dir = tempfile::tempdir().unwrap();
        let day = parse_day("2026-08-01").unwrap();
        let mut candles = String::from("mts,open,close,high,low,volume\n");
        for m in [0i64, 1, 2, 100, 101] {
            candles.push_str(&format!(
                "{},0.0002,0.0002,0.00025,0.00015,1000\n",
                day + m * 60_000
            ));
        }
        std::fs::write(dir.path().join("candles_fUSD_1m_a.csv"), &candles).unwrap();
        // A second file repeats a minute: one row per minute remains.
        std::fs::write(
            dir.path().join("candles_fUSD_1m_b.csv"),
            format!("mts,open,close,high,low,volume\n{day},0.0003,0.0003,0.0003,0.0003,5\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("funding_stats_fUSD_x.csv"),
            format!(
                "mts,frr,avg_period,funding_amount,funding_amount_used\n{},1e-06,85,100,98\n",
                day - HOUR_MS
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("trades_fUSD_x.csv"),
            format!(
                "id,mts,amount,rate,period\n1,{},-50,0.0002,2\n",
                day + 50 * 60_000
            ),
        )
        .unwrap();
        let data = load_dir(dir.path(), "fUSD").unwrap();
        assert_eq!(data.candles.len(), 5);
        assert_eq!(data.candles[0].close, 0.0003);
        assert!((data.stats[0].frr - 3.65e-4).abs() < 1e-12);
        let w = data.window(day, day + 200 * 60_000);
        assert_eq!(w.stats.len(), 1, "the point before the window is kept");
        let c = w.coverage(day, day + 200 * 60_000);
        assert_eq!((c.minutes, c.recorded_minutes, c.tape_minutes), (200, 6, 1));
        assert_eq!(c.longest_hole_minutes, 98);
        assert!(c.describe().contains("3.0 % of minutes recorded"));
        assert!(w.require(day, day + 200 * 60_000).is_ok());
        assert!(w.require(day + DAY_MS, day + 2 * DAY_MS).is_err());
        assert_eq!(data.day_runs(), vec![(day, 1)]);
        assert!(load_dir(&dir.path().join("missing"), "fUSD").is_err());
    }
}
