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
        // Key locks of this test's own (tests run in parallel on the emulator's one key).
        .env("YF_LOCK_DIR", dir.with_extension("locks"))
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
    assert!(
        names.contains(&"Auto-Renew at FRR, filled only when trades reach FRR")
            && names.contains(&"Idle")
    );
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
        lender::Preset::SpikeHunting,
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
        out.contains("mine") && out.contains("Hindsight bound (best achievable)"),
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

/// Sets a fault on an endpoint of the emulator (admin API).
fn fault(s: &Served, endpoint: &str, fault: serde_json::Value) {
    let out = Command::new("curl")
        .args([
            "-sf",
            "-X",
            "POST",
            &format!("{}/admin/faults", s.url),
            "-d",
        ])
        .arg(serde_json::json!({"endpoint": endpoint, "fault": fault}).to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "admin/faults: {out:?}");
}

/// `yf` with no key at all: neither variable set, and no keychain to reach.
fn yf_without_key(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["--api-url", "http://127.0.0.1:9"])
        .args(args)
        .env_remove("BFX_API_KEY")
        .env_remove("BFX_API_SECRET")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn run_once_exits_3_when_the_wallets_cannot_be_read() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    fault(&s, "auth/r/wallets", serde_json::json!({"error_rate": 1.0}));
    let (code, _, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("yf: The cycle could not complete — ") && err.contains("wallet"),
        "{err}"
    );
    // The same with --json: one {"code","message"} object on stderr, stdout still the status.
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["--json", "run", "--once"]);
    assert_eq!(code, 3, "{err}");
    let e: serde_json::Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();
    assert_eq!(e["code"], "Network", "{e}");
    assert!(e["message"].as_str().unwrap().contains("wallet"), "{e}");
    let status: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert!(status["lastError"].is_string(), "{status}");
}

#[test]
fn run_once_exits_4_when_every_offer_is_refused() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    fault(
        &s,
        "auth/w/funding/offer/submit",
        serde_json::json!({"error_rate": 1.0}),
    );
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 4, "{out}\n{err}");
    assert!(err.contains("refused"), "{err}");
}

#[test]
fn run_once_exits_0_when_there_is_nothing_to_place() {
    // Too little to lend: nothing is placed, and that is not a failure.
    let mut child = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--json",
            "sim",
            "serve",
            "--speed",
            "600",
            "--port",
            "0",
            "--balance",
            "10",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let s = Served {
        child,
        url: v["url"].as_str().unwrap().into(),
        key: v["key"].as_str().unwrap().into(),
        secret: v["secret"].as_str().unwrap().into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("below Bitfinex's minimum offer"), "{out}");
}

#[test]
fn status_and_run_speak_plain_english() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("engine: running"), "{out}");
    assert!(out.contains("this cycle: USD: placed "), "{out}");
    let (code, out, _) = yf(&s, dir.path(), &s.secret, &["status"]);
    assert_eq!(code, 0);
    // Rates as %/day and APR, amounts in cents, no Debug output.
    let offer = out
        .lines()
        .find(|l| l.trim_start().starts_with("offer "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        offer.contains(" %/day (") && offer.contains(" % APR)"),
        "{offer}"
    );
    assert!(
        offer.contains(".00 USD") || offer.contains(" USD "),
        "{offer}"
    );
    assert!(out.contains("USD: 10000.00 in the funding wallet"), "{out}");
    assert!(!out.contains('{') && !out.contains("Ladder"), "{out}");
    // Every offer of ours says why, with the numbers (Balanced lends 80 % long near FRR).
    let long = out
        .lines()
        .find(|l| l.contains("for 120 days"))
        .unwrap_or_else(|| panic!("a long offer: {out}"));
    assert!(
        long.contains("— why: long loan at 0.8 × FRR (0.0"),
        "{long}"
    );
    // The demo account holds no UST: one line says so, no block of zeros.
    assert!(out.contains("UST: nothing in the funding wallet"), "{out}");
    assert!(!out.contains("UST: total"), "{out}");
}

#[test]
fn run_prints_what_it_does_and_stops_cleanly() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--api-url",
            &s.url,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .args(["run", "--heartbeat", "0.02"])
        .env("YF_LOCK_DIR", dir.path().join("locks"))
        .env("BFX_API_KEY", &s.key)
        .env("BFX_API_SECRET", &s.secret)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let mut placed = false;
    let mut heartbeat = false;
    while !(placed && heartbeat) {
        // A guard against a hang, not a timing assertion.
        let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(120)) else {
            break;
        };
        placed |= line.contains("USD: placed ") && line.contains(" %/day (");
        heartbeat |= line.contains("still lending: USD ") && line.contains(" on offer");
        lines.push(line);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(placed && heartbeat, "{lines:#?}");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn no_key_says_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) =
        yf_without_key(&["--data-dir", dir.path().to_str().unwrap(), "verify"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "yf: No API key: set BFX_API_KEY and BFX_API_SECRET, or connect a key in the Yieldsforge app"
        ),
        "{err}"
    );
    // Half a key is its own error.
    let (code, _, err) = yf_without_key(
        &["--data-dir", dir.path().to_str().unwrap(), "verify"],
        &[("BFX_API_KEY", "abc")],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("BFX_API_KEY is set but BFX_API_SECRET is not"),
        "{err}"
    );
}

#[test]
fn no_key_creates_no_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not-yet");
    for args in [&["run", "--once"][..], &["status"], &["earnings"]] {
        let (code, _, err) = yf_without_key(
            &[&["--data-dir", data.to_str().unwrap()][..], args].concat(),
            &[],
        );
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(!data.exists(), "{args:?} created the data folder");
    }
}

#[test]
fn sim_serve_help_lists_only_what_applies() {
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["sim", "serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--seed") && help.contains("--json"), "{help}");
    assert!(
        !help.contains("--data-dir") && !help.contains("--api-url"),
        "{help}"
    );
    // The options still apply to the other commands.
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["status", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--data-dir") && help.contains("--api-url"),
        "{help}"
    );
}

#[test]
fn redirected_stderr_has_no_colour_codes() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    fault(&s, "auth/r/wallets", serde_json::json!({"error_rate": 1.0}));
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--api-url",
            &s.url,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .args(["run", "--once"])
        .env("YF_LOCK_DIR", dir.path().join("locks"))
        .env("BFX_API_KEY", &s.key)
        .env("BFX_API_SECRET", &s.secret)
        .env_remove("NO_COLOR")
        .env("YF_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WARN"), "a warning is logged: {err}");
    assert!(!err.contains('\x1b'), "{err:?}");
}

#[test]
fn earnings_into_a_pipe_has_no_progress_and_headers_have_units() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = yf(&s, dir.path(), &s.secret, &["earnings"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains('\r') && !err.contains("syncing"), "{err:?}");
    assert!(
        out.contains("earned (USD)") && out.contains("APY (%)"),
        "{out}"
    );
}

#[test]
fn run_once_at_start_exits_3_when_unreachable_and_2_for_a_refused_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args(["--api-url", "http://127.0.0.1:9", "--data-dir"])
        .arg(dir.path())
        .args(["run", "--once"])
        .env("YF_LOCK_DIR", dir.path().join("locks"))
        .env("BFX_API_KEY", "k".repeat(43))
        .env("BFX_API_SECRET", "s".repeat(43))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("Could not reach Bitfinex"), "{err}");
    let s = serve();
    let (code, _, err) = yf(&s, dir.path(), &"x".repeat(43), &["run", "--once"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did not accept this key"), "{err}");
}

/// Issue 14, item 5: a second `yf run` on the same key, with another data folder, is refused
/// and names the one that runs.
#[test]
fn a_second_run_on_the_same_key_is_refused_by_name() {
    let s = serve();
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let locks = tempfile::tempdir().unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--api-url",
            &s.url,
            "--data-dir",
            d1.path().to_str().unwrap(),
            "run",
        ])
        .env("BFX_API_KEY", &s.key)
        .env("BFX_API_SECRET", &s.secret)
        .env("YF_LOCK_DIR", locks.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first holds its lock (its start line is printed after it).
    let lock = locks.path().read_dir().ok().and_then(|mut d| d.next());
    let mut waited = 0;
    let mut held = lock.is_some();
    while !held && waited < 200 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
        held = locks.path().read_dir().unwrap().next().is_some();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_yf"))
        .args([
            "--api-url",
            &s.url,
            "--data-dir",
            d2.path().to_str().unwrap(),
            "run",
            "--once",
        ])
        .env("BFX_API_KEY", &s.key)
        .env("BFX_API_SECRET", &s.secret)
        .env("YF_LOCK_DIR", locks.path())
        .output()
        .unwrap();
    let _ = first.kill();
    let _ = first.wait();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("this API key") && err.contains(&format!("yf run (process {}", first.id())),
        "{err}"
    );
}

/// Issue 14, item 8: a shared-memory file SQLite cannot write (it used to end the process with
/// SIGBUS and no message) is a clear error naming the file. Root ignores file modes, so as
/// root the probe runs as `nobody`.
#[test]
fn an_unwritable_shared_memory_file_is_a_clear_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shm = dir.path().join("yieldsforge.sqlite3-shm");
    std::fs::write(&shm, vec![0u8; 32768]).unwrap();
    std::fs::set_permissions(&shm, std::fs::Permissions::from_mode(0o444)).unwrap();
    let uid = Command::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let yf = env!("CARGO_BIN_EXE_yf");
    let data = dir.path().to_str().unwrap();
    let out = if root {
        let owned = Command::new("chown")
            .args(["-R", "nobody", data])
            .status()
            .unwrap();
        assert!(owned.success());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Command::new("runuser")
            .args([
                "-u",
                "nobody",
                "--",
                yf,
                "--data-dir",
                data,
                "earnings",
                "--offline",
            ])
            .env("HOME", data)
            .env_remove("BFX_API_KEY")
            .env_remove("BFX_API_SECRET")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .output()
            .unwrap()
    } else {
        Command::new(yf)
            .args(["--data-dir", data, "earnings", "--offline"])
            .env_remove("BFX_API_KEY")
            .env_remove("BFX_API_SECRET")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .output()
            .unwrap()
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a clear failure, not a signal: {err}"
    );
    assert!(
        err.contains("yieldsforge.sqlite3-shm is read-only"),
        "{err}"
    );
}

/// A key Bitfinex refuses is found out before anything is written: no data folder is left.
#[test]
fn a_refused_key_leaves_no_data_folder() {
    let s = serve();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let (code, _, err) = yf(&s, &dir, "not-the-secret", &["run", "--once"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        !dir.exists(),
        "the data folder was created for a refused key"
    );
}

/// A failed cycle says so once, as a sentence: no log lines repeating it.
#[test]
fn a_failed_cycle_is_one_sentence_on_stderr() {
    let s = serve();
    let dir = tempfile::tempdir().unwrap();
    fault(&s, "book/fUSD", serde_json::json!({"error_rate": 1.0}));
    let (code, _, err) = yf(&s, dir.path(), &s.secret, &["run", "--once"]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("WARN"), "{err}");
    assert_eq!(
        err.matches("Could not read the order book").count(),
        1,
        "{err}"
    );
}
