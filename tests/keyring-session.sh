#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring
# (Secret Service) and a throwaway HOME, so tests never touch the user's own keychain.
# Usage: tests/keyring-session.sh COMMAND [ARGS...]
set -euo pipefail
REAL_HOME="$HOME"
export CARGO_HOME="${CARGO_HOME:-$REAL_HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$REAL_HOME/.rustup}"
export HOME="$(mktemp -d /tmp/yf-keyring-home.XXXXXX)"
trap 'rm -rf "$HOME"' EXIT
export XDG_RUNTIME_DIR="$HOME/run"; mkdir -p "$XDG_RUNTIME_DIR" "$HOME/.local/share/keyrings"; chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- bash -c '
  printf "keyring-test-pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' _ "$@"
