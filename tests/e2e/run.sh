#!/usr/bin/env bash
# Runs the end-to-end tests against the real app binary under Xvfb, in a private D-Bus session
# with an unlocked gnome-keyring, a throwaway HOME and data directory, in light and dark themes.
# Usage: tests/e2e/run.sh /abs/path/to/target/debug/yieldsforge
set -euo pipefail
APP="$(realpath "${1:?usage: run.sh /path/to/yieldsforge}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export E2E_APP="$APP" E2E_ROOT="$ROOT"
export E2E_YF="${E2E_YF:-$(dirname "$APP")/yf}"
[ -x "$E2E_YF" ] || { echo "yf not found next to the app ($E2E_YF): cargo build -p cli" >&2; exit 1; }
export E2E_SHOTS_DIR="${E2E_SHOTS_DIR:-$ROOT/target/e2e-screenshots}"
mkdir -p "$E2E_SHOTS_DIR"
# Resolve tauri-driver before HOME changes below.
E2E_DRIVER_BIN="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
[ -x "$E2E_DRIVER_BIN" ] || { echo "tauri-driver not found: cargo install tauri-driver --locked" >&2; exit 1; }
export E2E_DRIVER_BIN
export HOME="$(mktemp -d /tmp/yf-e2e-home.XXXXXX)"
export XDG_RUNTIME_DIR="$HOME/run" XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
trap 'rm -rf "$HOME"' EXIT
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1440x900x24" bash "$HERE/session.sh"
