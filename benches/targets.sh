#!/usr/bin/env bash
# Backtest targets: every preset against Auto-Renew at FRR (both fill assumptions), a fixed
# offer, the spread ladder, idle and perfect foresight, on the real tapes in ../shared/data and
# on 10 synthetic seeds (7 days each), with the release `yf backtest`.
# Writes target/bench/targets.json and prints a Markdown table.  Usage: benches/targets.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${YF_SHARED_DATA:-$ROOT/../shared/data}"
OUT="$ROOT/target/bench"
mkdir -p "$OUT/backtests"
cargo build --release -q -p cli --manifest-path "$ROOT/Cargo.toml"
YF="$ROOT/target/release/yf"
runs=()
for tape in trades_fUSD_2026-05-01.csv trades_fUSD_2026-06-21.csv; do
  if [ -f "$DATA/$tape" ]; then
    "$YF" backtest --tape "$DATA/$tape" --days 1 --json --no-chart > "$OUT/backtests/$tape.json"
    runs+=("$OUT/backtests/$tape.json")
  else
    echo "skipping $tape: not found in $DATA" >&2
  fi
done
for seed in $(seq 1 10); do
  "$YF" backtest --synthetic "$seed" --days 7 --json --no-chart > "$OUT/backtests/synthetic-$seed.json"
  runs+=("$OUT/backtests/synthetic-$seed.json")
done
python3 - "$OUT/targets.json" "${runs[@]}" <<'PY'
import json, sys
out, files = sys.argv[1], sys.argv[2:]
rows = []
for f in files:
    r = json.load(open(f))
    o = {x["name"]: x for x in r["outcomes"]}
    rows.append({
        "market": r["market"],
        "days": round((r["endMts"] - r["startMts"]) / 86_400_000, 2),
        **{name: {"earned": x["earned"], "apy": x["apy"], "utilization": x["utilization"]} for name, x in o.items()},
    })
json.dump(rows, open(out, "w"), indent=1)
names = ["Conservative preset", "Balanced preset", "Aggressive preset", "Auto-Renew at FRR, filled only when trades reach FRR",
         "Auto-Renew at FRR, if every FRR offer filled (upper bound)", "Fixed offer at the ask", "Spread ladder (Mika-style)", "Perfect foresight (upper bound)"]
short = ["Conservative", "Balanced", "Aggressive", "AR cons.", "AR opt.", "Fixed ask", "Ladder", "Foresight"]
print("| market | days | " + " | ".join(short) + " | Balanced ≥ AR cons. | Balanced ≥ ladder |")
print("|---|---|" + "---|" * (len(short) + 2))
wins = [0, 0]
for r in rows:
    cells = [f'{float(r[n]["earned"]):.2f} ({float(r[n]["utilization"])*100:.0f} %)' for n in names]
    b = float(r["Balanced preset"]["earned"])
    a = b >= float(r["Auto-Renew at FRR, filled only when trades reach FRR"]["earned"])
    l = b >= float(r["Spread ladder (Mika-style)"]["earned"])
    wins[0] += a; wins[1] += l
    print(f'| {r["market"]} | {r["days"]} | ' + " | ".join(cells) + f' | {"yes" if a else "**no**"} | {"yes" if l else "**no**"} |')
print(f"\nBalanced ≥ Auto-Renew (conservative) in {wins[0]} of {len(rows)} markets; ≥ the spread ladder in {wins[1]} of {len(rows)}.")
PY
