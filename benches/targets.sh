#!/usr/bin/env bash
# Walk-forward evaluation (issue 15): the market model fitted on each training week of the real
# fUSD data in ../shared/data, every preset and yardstick tested on the week after it, rolled
# across the data; plus 24 synthetic seeds (14 days each) never used for tuning. Release build.
# Writes target/bench/walk-forward.json and .md (the README's headline table) and prints it.
# Usage: benches/targets.sh [extra yf walk-forward options]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${YF_SHARED_DATA:-$ROOT/../shared/data}"
cargo build --release -q -p cli --manifest-path "$ROOT/Cargo.toml"
cd "$ROOT"
if [ -d "$DATA" ]; then
  exec target/release/yf walk-forward --data "$DATA" --out target/bench "$@"
else
  echo "no real data at $DATA: synthetic seeds only" >&2
  exec target/release/yf walk-forward --data none --out target/bench "$@"
fi
