//! The `yf` binary end to end against `yf sim serve`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Served {
    child: std::process::Child,
    url: String,
    key: String,
    secret: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["--json", "sim", "serve", "--speed", "600", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).expect("first line is JSON");
    assert!(v["admin_url"].as_str().unwrap().ends_with("/admin"));
    Served {
        child,
        url: v["url"].as_str().unwrap().into(),
        key: v["key"].as_str().unwrap().into(),
        secret: v["secret"].as_str().unwrap().into(),
    }
}

fn yf(s: &Served, dir: &std::path::Path, secret: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["--api-url", &s.url, "--data-dir", dir.to_str().unwrap()])
        .args(args)
        .env("BFX_API_KEY", &s.key)
        .env("BFX_API_SECRET", secret)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn verify_run_and_status_against_the_emulator() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = yf(&s, dir.path(), &s.secret, &["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("This key can be used."));
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["--json", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let status: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(status["state"]["state"], "Running");
    let (code, out, _) = yf(&s, dir.path(), &s.secret, &["status"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("offer "),
        "lists the offers placed by run --once: {out}"
    );
    // Earnings: synced from the emulator, printed as CSV for tax tools.
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["earnings", "--csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("utc_time,currency,amount,balance_after,description,ledger_id"),
        "{out}"
    );
    let (code, out, _) = yf(&s, dir.path(), &s.secret, &["earnings", "--offline"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("USD"),
        "the wallet history recorded by run --once: {out}"
    );
    let (code, _, err) = yf(
        &s,
        dir.path(),
        &s.secret,
        &["earnings", "--since", "yesterday"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("not a date"), "{err}");
    // A wrong secret of the right shape: a clear sentence, exit 1, the secret not echoed.
    let wrong = "x".repeat(43);
    let (code, _, err) = yf(&s, dir.path(), &wrong, &["verify"]);
    assert_eq!(code, 1);
    assert!(err.contains("did not accept this key"), "{err}");
    assert!(!err.contains(&wrong));
    let (code, _, err) = yf(&s, dir.path(), &wrong, &["--json", "verify"]);
    assert_eq!(code, 1);
    let e: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(e["code"], "InvalidKey");
}

#[test]
fn a_withdraw_key_is_refused_with_exit_2() {
    let s = serve();
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST", &format!("{}/admin/keys", s.url), "-d"])
        .arg(r#"{"account": 1, "permissions": [["funding",1,1],["wallets",1,0],["withdraw",0,1]]}"#)
        .output()
        .unwrap();
    let k: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["--api-url", &s.url, "verify"])
        .env("BFX_API_KEY", k["key"].as_str().unwrap())
        .env("BFX_API_SECRET", k["secret"].as_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Withdraw") && text.contains("refused"),
        "{text}"
    );
}

#[test]
fn no_key_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--api-url",
            "http://127.0.0.1:9",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "verify",
        ])
        .env_remove("BFX_API_KEY")
        .env_remove("BFX_API_SECRET")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("yf: "), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn backtest_prints_a_table_json_and_draws_the_chart() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("bt");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_yf"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&[
        "backtest",
        "--synthetic",
        "2",
        "--days",
        "0.25",
        "--strategy",
        "balanced",
        "--json",
        "--chart",
        chart.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let names: Vec<&str> = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "Balanced preset");
    assert!(names.contains(&"Auto-Renew at FRR (conservative)") && names.contains(&"Idle"));
    assert_eq!(
        report["endMts"].as_i64().unwrap() - report["startMts"].as_i64().unwrap(),
        6 * 3_600_000
    );
    assert!(
        std::fs::read_to_string(chart.with_extension("svg"))
            .unwrap()
            .contains("<polyline")
    );
    assert!(
        std::fs::read(chart.with_extension("png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    // A settings file as the strategy, and the table.
    let file = dir.path().join("mine.json");
    let settings = serde_json::to_string(&lender::StrategySettings::preset(
        lender::Preset::Aggressive,
    ))
    .unwrap();
    std::fs::write(&file, settings).unwrap();
    let (code, out, err) = run(&[
        "backtest",
        "--synthetic",
        "2",
        "--days",
        "0.1",
        "--strategy",
        file.to_str().unwrap(),
        "--no-chart",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("mine") && out.contains("Perfect foresight (upper bound)"),
        "{out}"
    );
    // Bad input: one sentence, exit 1.
    let (code, _, err) = run(&["backtest", "--tape", "no-such-tape.csv"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Cannot open the tape no-such-tape.csv"),
        "{err}"
    );
    let (code, _, err) = run(&["backtest", "--synthetic", "1", "--strategy", "bogus"]);
    assert_eq!(code, 1);
    assert!(err.contains("not a preset"), "{err}");
    let (code, _, _) = run(&["backtest", "--days", "1"]);
    assert_eq!(code, 2, "clap: --tape or --synthetic is required");
}
