#!/usr/bin/env bash
# The desktop app's footprint, measured on this machine with the release build:
#   - release binary and .deb installer size;
#   - cold start to the main window shown (mapped), median of 5, fresh HOME each time;
#   - in the background with the window closed (`--hidden --demo`: the demo lending, no
#     window): resident memory of all the app's processes (the app and its WebKit helpers) and
#     CPU % averaged over MINUTES (default 10);
#   - idle gap in the demo (crates/api/examples/idle_gap.rs).
# Writes target/bench/app.json.  Usage: benches/app.sh [MINUTES]  (IDLE_MINUTES=5 for the idle gap)
# Needs the Tauri build packages and xvfb (scripts/test.sh installs them).
set -euo pipefail
MINUTES="${1:-10}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/target/bench"
mkdir -p "$OUT"
cd "$ROOT/ui" && npm ci --no-audit --no-fund >/dev/null && npm run build >/dev/null
# The .deb (and the release binary with it); updater artifacts need the signing key, not wanted here.
cd "$ROOT/src-tauri"
"$ROOT/ui/node_modules/.bin/tauri" build --bundles deb --config '{"bundle":{"createUpdaterArtifacts":false}}' >"$OUT/tauri-build.log" 2>&1
cd "$ROOT"
APP="$ROOT/target/release/yieldsforge"
DEB="$(ls -t "$ROOT"/target/release/bundle/deb/*.deb | head -1)"
bin_bytes=$(stat -c %s "$APP")
deb_bytes=$(stat -c %s "$DEB")

descendants() { # pid and all its children, recursively
  local p=$1; echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do descendants "$c"; done
}

cold_start() { # seconds from exec to the main window mapped
  local home; home=$(mktemp -d)
  HOME="$home" YF_DATA_DIR="$home/data" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    start=$(date +%s.%N)
    "$0" >/dev/null 2>&1 & pid=$!
    for _ in $(seq 1 1500); do
      if xwininfo -root -tree 2>/dev/null | grep -q "\"Yieldsforge\": (\"yieldsforge\" \"Yieldsforge\")  [0-9][0-9][0-9]"; then
        if xwininfo -name Yieldsforge 2>/dev/null | grep -q "IsViewable"; then break; fi
      fi
      sleep 0.02
    done
    end=$(date +%s.%N); kill $pid 2>/dev/null; wait $pid 2>/dev/null
    echo "$end - $start" | bc' "$APP"
  # The document portal may still hold a mount under the throwaway home.
  fusermount -uz "$home/.cache/doc" 2>/dev/null || true
  rm -rf "$home" 2>/dev/null || true
}
starts=()
for _ in 1 2 3 4 5; do starts+=("$(cold_start)"); done
cold_median=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 3p)

# Background: hidden in the tray, the demo lending.
home=$(mktemp -d)
HOME="$home" YF_DATA_DIR="$home/data" xvfb-run -a -s "-screen 0 1280x800x24" "$APP" --hidden --demo >"$OUT/app-background.log" 2>&1 &
runner=$!
sleep 20 # the demo plays its week and starts lending
pid=$(pgrep -n -f "$APP --hidden --demo" | head -1)
ticks() { local t=0; for p in $(descendants "$pid"); do
  set -- $(cut -d' ' -f14,15 /proc/"$p"/stat 2>/dev/null || echo "0 0"); t=$((t + $1 + $2)); done; echo $t; }
rss_kb() { local s=0; for p in $(descendants "$pid"); do
  r=$(awk '/VmRSS/{print $2}' /proc/"$p"/status 2>/dev/null || echo 0); s=$((s + ${r:-0})); done; echo $s; }
# The processes' own memory (heap, stacks): RSS minus the pages of shared libraries and files.
anon_kb() { local s=0; for p in $(descendants "$pid"); do
  r=$(awk '/^Anonymous/{print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0); s=$((s + ${r:-0})); done; echo $s; }
hz=$(getconf CLK_TCK)
t0=$(ticks); w0=$(date +%s.%N); peak=0; sum=0; n=0; anon_sum=0
end=$(( $(date +%s) + MINUTES * 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
  r=$(rss_kb); sum=$((sum + r)); n=$((n + 1)); [ "$r" -gt "$peak" ] && peak=$r
  anon_sum=$((anon_sum + $(anon_kb)))
  sleep 5
done
t1=$(ticks); w1=$(date +%s.%N)
procs=$(descendants "$pid" | wc -l)
kill "$pid" 2>/dev/null || true; wait "$runner" 2>/dev/null || true
fusermount -uz "$home/.cache/doc" 2>/dev/null || true
rm -rf "$home" 2>/dev/null || true
cpu=$(echo "scale=2; 100 * ($t1 - $t0) / $hz / ($w1 - $w0)" | bc)

cargo build --release -q -p api --example idle_gap
idle=$("$ROOT/target/release/examples/idle_gap" "${IDLE_MINUTES:-5}")

cat >"$OUT/app.json" <<JSON
{
  "machine": "$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), Xvfb",
  "release_binary_bytes": $bin_bytes,
  "deb_bytes": $deb_bytes,
  "cold_start_to_window_s": { "median": $cold_median, "runs": [$(IFS=,; echo "${starts[*]}")] },
  "background": { "minutes": $MINUTES, "processes": $procs, "rss_mean_mb": $(echo "scale=1; $sum / $n / 1024" | bc), "rss_peak_mb": $(echo "scale=1; $peak / 1024" | bc), "anon_mean_mb": $(echo "scale=1; $anon_sum / $n / 1024" | bc), "cpu_percent": $cpu },
  "idle_gap": $idle
}
JSON
cat "$OUT/app.json"
