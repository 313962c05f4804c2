//! The workspace keeps the shape the design asks for: the default members build without
//! GTK/WebKit, and nothing depends on the shell or the command line.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Workspace packages and their declared dependencies (no resolution, so nothing is downloaded).
fn metadata() -> Value {
    let out = Command::new(cargo())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--no-deps",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON")
}

fn name_of(meta: &Value, id: &str) -> String {
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn default_members_never_compile_tauri_or_gtk() {
    let meta = metadata();
    let defaults: Vec<String> = meta["workspace_default_members"]
        .as_array()
        .expect("cargo reports the default members")
        .iter()
        .map(|v| name_of(&meta, v.as_str().unwrap()))
        .collect();
    assert!(
        defaults.contains(&"bfx".to_owned()),
        "default members: {defaults:?}"
    );
    assert!(
        !defaults.contains(&"yieldsforge".to_owned()),
        "the shell is not a default member"
    );

    // `cargo tree` without `-p` walks exactly the default members, for this machine's target,
    // through normal, build and dev dependencies: what a plain `cargo test` compiles.
    let out = Command::new(cargo())
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal,build,dev",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reachable: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    assert!(
        reachable.contains("bfx") && reachable.contains("api"),
        "{reachable:?}"
    );
    for forbidden in ["tauri", "gtk", "webkit2gtk", "wry", "yieldsforge"] {
        assert!(
            !reachable.contains(forbidden),
            "a default member pulls in {forbidden}"
        );
    }
}

#[test]
fn nothing_depends_on_the_shell_or_the_cli() {
    let meta = metadata();
    for pkg in meta["packages"].as_array().unwrap() {
        for dep in pkg["dependencies"].as_array().unwrap() {
            let dep = dep["name"].as_str().unwrap();
            assert!(
                dep != "yieldsforge" && dep != "cli",
                "{} depends on {dep}",
                pkg["name"]
            );
        }
    }
}

/// Cargo picks "the package in the current directory" over the default members, so every
/// command here runs from the workspace root.
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}
