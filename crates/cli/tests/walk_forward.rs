//! `yf walk-forward` and `yf backtest --real` in CI size, on market data the test writes
//! itself (the real files stay in ../shared/data): folds are formed from the data, the model is
//! fitted on each training window, every contender is reported with its spread, strategies are
//! paired with the yardsticks, and the bound holds.

use std::process::Command;

const DAY: i64 = 86_400_000;

fn write_fixture(dir: &std::path::Path) {
    // Five consecutive days of 1-minute candles, one recorded minute in five, around 2e-4 with
    // an afternoon rise; hourly funding statistics at FRR 3.65e-4.
    let start = 1_785_542_400_000i64; // 2026-08-01
    let mut candles = String::from("mts,open,close,high,low,volume\n");
    for m in (0..5 * 1440).step_by(5) {
        let hour = (m / 60) % 24;
        let r = if (14..17).contains(&hour) {
            2.6e-4
        } else {
            1.8e-4
        };
        candles.push_str(&format!(
            "{},{r},{r},{},{},25000\n",
            start + m * 60_000,
            r * 1.2,
            r * 0.9
        ));
    }
    std::fs::write(dir.join("candles_fUSD_1m_fixture.csv"), candles).unwrap();
    let mut stats = String::from("mts,frr,avg_period,funding_amount,funding_amount_used\n");
    for h in -1..5 * 24 {
        stats.push_str(&format!(
            "{},1e-06,85,6000000000,5900000000\n",
            start + h * 3_600_000
        ));
    }
    std::fs::write(dir.join("funding_stats_fUSD_fixture.csv"), stats).unwrap();
    let _ = DAY;
}

#[test]
fn walk_forward_fits_tests_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    let out_dir = dir.path().join("bench");
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--json",
            "walk-forward",
            "--data",
            dir.path().to_str().unwrap(),
            "--train-days",
            "2",
            "--test-days",
            "1",
            "--seeds",
            "2",
            "--synthetic-days",
            "1",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let windows = r["windows"].as_array().unwrap();
    let real: Vec<&serde_json::Value> = windows.iter().filter(|w| w["source"] == "real").collect();
    // Five days, 2 training + 1 test, rolled by a day: three folds.
    assert_eq!(real.len(), 3, "{:#?}", r["skipped"]);
    assert_eq!(windows.len(), 5);
    // The model was fitted on the training window: the level is 1.8–2.6e-4 over FRR 3.65e-4.
    let level = real[0]["fitted"]["level_to_frr"].as_f64().unwrap();
    assert!((0.45..0.75).contains(&level), "{level}");
    assert!(
        real[0]["coverage"]
            .as_str()
            .unwrap()
            .contains("% of minutes recorded")
    );
    // Every window: the bound holds for every line but the upper Auto-Renew edge.
    for w in windows {
        let outcomes = w["report"]["outcomes"].as_array().unwrap();
        let bound: f64 = outcomes
            .iter()
            .find(|o| o["kind"] == "HindsightBound")
            .unwrap()["earned"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        for o in outcomes
            .iter()
            .filter(|o| o["kind"] != "AutoRenewOptimistic")
        {
            let e: f64 = o["earned"].as_str().unwrap().parse().unwrap();
            assert!(
                e <= bound + 1e-9,
                "{} earned {e} above the bound {bound}",
                o["name"]
            );
        }
    }
    // Spreads per contender and source; pairs of each strategy with each yardstick.
    let summary = r["summary"].as_array().unwrap();
    assert!(
        summary
            .iter()
            .any(|c| c["source"] == "real" && c["name"] == "Balanced preset" && c["apr"]["n"] == 3)
    );
    assert!(
        summary
            .iter()
            .any(|c| c["source"] == "synthetic" && c["kind"] == "HindsightBound")
    );
    let paired = r["paired"].as_array().unwrap();
    let p = paired
        .iter()
        .find(|p| {
            p["source"] == "real"
                && p["a"] == "Balanced preset"
                && p["b"] == "Hindsight bound (best achievable)"
        })
        .expect("Balanced paired with the bound");
    let (ratio, lo, hi) = (
        p["ratio"].as_f64().unwrap(),
        p["lo"].as_f64().unwrap(),
        p["hi"].as_f64().unwrap(),
    );
    assert!(
        ratio > 0.0 && ratio <= 1.0 && lo <= ratio && ratio <= hi,
        "{p}"
    );
    assert_eq!(p["days"], 3);
    // The files for the README.
    let md = std::fs::read_to_string(out_dir.join("walk-forward.md")).unwrap();
    assert!(
        md.contains("| Balanced preset |") && md.contains("90 % bootstrap interval"),
        "{md}"
    );
    assert!(out_dir.join("walk-forward.json").exists());
}

#[test]
fn a_real_window_replays_with_its_coverage_and_bad_dates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_fixture(dir.path());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_yf"))
            .args(args)
            .output()
            .unwrap()
    };
    let d = dir.path().to_str().unwrap();
    let out = run(&[
        "backtest",
        "--real",
        d,
        "--from",
        "2026-08-02",
        "--days",
        "2",
        "--strategy",
        "balanced",
        "--no-chart",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("real fUSD 2026-08-02 → 2026-08-03"), "{text}");
    assert!(text.contains("20.0 % of minutes recorded"), "{text}");
    assert!(
        text.contains("Market-average lender") && text.contains("MikaLendingBot default"),
        "{text}"
    );
    let bad = run(&[
        "backtest",
        "--real",
        d,
        "--from",
        "2026-13-40",
        "--no-chart",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a date"));
    let empty = run(&[
        "backtest",
        "--real",
        d,
        "--from",
        "2026-09-01",
        "--days",
        "2",
        "--no-chart",
    ]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("No recorded trades or candles"),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
}
