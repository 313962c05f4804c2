#!/usr/bin/env bash
# The app's life in the tray, against the real binary (inside session.sh: Xvfb + D-Bus):
#   closing the window leaves the process lending (the demo's engine keeps writing) and ends
#   the web view's processes; launching it again opens a new window in the same process;
#   `yieldsforge --quit` (the tray's Quit, from a second launch)
#   ends the app cleanly, and the log file in the data folder records it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export YF_DATA_DIR="$HOME/data-lifecycle"
DB="$YF_DATA_DIR/demo/yieldsforge.sqlite3"
fail() { echo "lifecycle: FAIL: $*" >&2; exit 1; }
snapshots() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from wallet_snapshots").fetchone()[0])' "$DB" 2>/dev/null || echo 0; }
webkit_children() { pgrep -P "$1" -f WebKitWebProcess | wc -l; }  # the page's process

"$E2E_APP" --demo >"$E2E_SHOTS_DIR/lifecycle.log" 2>&1 &
pid=$!
# The demo first plays a simulated week, then lends live: wait for that.
lending() { grep -qs "the demo is lending" "$YF_DATA_DIR"/logs/yieldsforge.*.log; }
for _ in $(seq 600); do
  xwininfo -root -tree 2>/dev/null | grep -q '"Yieldsforge": ' && lending && break
  sleep 0.1
done
lending || fail "the demo did not start lending within 60 s"
xwininfo -root -tree | grep -q '"Yieldsforge": ' || fail "no window within 30 s"
[ "$(webkit_children "$pid")" -gt 0 ] || fail "no WebKit process while the window is open"
echo "lifecycle: window open, demo lending ($(snapshots) wallet snapshots)"

python3 "$HERE/close_window.py" Yieldsforge
for _ in $(seq 100); do xwininfo -root -tree | grep -q '"Yieldsforge": ' || break; sleep 0.1; done
xwininfo -root -tree | grep -q '"Yieldsforge": ' && fail "the window did not close"
kill -0 "$pid" 2>/dev/null || fail "closing the window ended the app"
for _ in $(seq 100); do [ "$(webkit_children "$pid")" -eq 0 ] && break; sleep 0.1; done
ps -o pid=,rss=,args= --ppid "$pid" --pid "$pid" | sed 's/^/lifecycle:   /'
[ "$(webkit_children "$pid")" -eq 0 ] || fail "the closed window's web process is still running"
echo "lifecycle: window closed; app alive; its web process ended"

before=$(snapshots)
for _ in $(seq 120); do [ "$(snapshots)" -gt "$before" ] && break; sleep 0.5; done
after=$(snapshots)
[ "$after" -gt "$before" ] || fail "no lending activity within 60 s of closing the window ($before snapshots)"
echo "lifecycle: still lending with the window closed ($before → $after wallet snapshots)"

# Opening it again (a second launch, as the tray's Open does) builds a new window.
"$E2E_APP" || fail "a second launch failed"
for _ in $(seq 300); do xwininfo -root -tree | grep -q '"Yieldsforge": ' && break; sleep 0.1; done
xwininfo -root -tree | grep -q '"Yieldsforge": ' || fail "the window did not open again"
[ "$(pgrep -f "$E2E_APP" | wc -l)" -ge 1 ] && kill -0 "$pid" || fail "the running app ended"
sleep 8 # let the page render, then keep a picture of it
import -window root "$E2E_SHOTS_DIR/lifecycle-reopened.png" 2>/dev/null || true
echo "lifecycle: opened again: a new window in the same process"

"$E2E_APP" --quit || fail "yieldsforge --quit failed"
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && { kill "$pid"; fail "the app is still running 20 s after --quit"; }
wait "$pid" && code=0 || code=$?
[ "$code" -eq 0 ] || fail "the app exited with $code"
grep -q "quitting" "$YF_DATA_DIR"/logs/yieldsforge.*.log || fail "the log file does not record the quit"
echo "lifecycle: --quit ended the app (exit 0), recorded in $(ls "$YF_DATA_DIR"/logs/)"
