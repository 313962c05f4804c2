#!/usr/bin/env bash
# Inside dbus-run-session + Xvfb (see run.sh): unlock a fresh login keyring, then run the
# WebDriver tests once per theme, each with its own tauri-driver.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$HOME/.local/share/keyrings"
printf 'e2e-keyring-pw' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
DRIVER="$E2E_DRIVER_BIN"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A loopback update server announcing an older version: "Check for updates" finds nothing newer.
mkdir -p "$HOME/updates"
printf '{"version":"0.0.1","notes":"old","pub_date":"2026-01-01T00:00:00Z","platforms":{"linux-x86_64":{"signature":"x","url":"http://127.0.0.1/x"}}}' >"$HOME/updates/latest.json"
uport=$(free_port)
python3 -m http.server "$uport" --bind 127.0.0.1 --directory "$HOME/updates" >/dev/null 2>&1 &
upid=$!
trap 'kill $upid 2>/dev/null || true' EXIT
export YF_UPDATE_URL="http://127.0.0.1:$uport/latest.json"

# The app's life in the tray (close keeps lending, --quit ends it), without WebDriver.
bash "$HERE/lifecycle.sh"

status=0
for theme in light dark; do
  port=$(free_port); native=$(free_port)
  export E2E_THEME="$theme" E2E_DRIVER_URL="http://127.0.0.1:$port"
  export YF_DATA_DIR="$HOME/data-$theme"
  # A simulated Bitfinex for the wizard: the app talks to it through YF_API_URL.
  simout="$HOME/sim-$theme.json"
  "$E2E_YF" --json sim serve --port 0 --speed 60 >"$simout" &
  simpid=$!
  for _ in $(seq 100); do [ -s "$simout" ] && break; sleep 0.1; done
  export E2E_SIM_URL="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$simout")"
  export YF_API_URL="$E2E_SIM_URL"
  if [ "$theme" = dark ]; then export GTK_THEME="Adwaita:dark"; else export GTK_THEME="Adwaita"; fi
  log="$E2E_SHOTS_DIR/tauri-driver-$theme.log"
  "$DRIVER" --port "$port" --native-port "$native" >"$log" 2>&1 &
  dpid=$!
  for _ in $(seq 100); do curl -sf "$E2E_DRIVER_URL/status" >/dev/null 2>&1 && break; sleep 0.1; done
  node --test --test-concurrency=1 "$HERE"/*.test.mjs || status=$?
  kill "$dpid" "$simpid" 2>/dev/null || true
  wait "$dpid" 2>/dev/null || true
  wait "$simpid" 2>/dev/null || true
  [ $status -eq 0 ] || break
done
exit $status
