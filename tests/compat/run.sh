#!/usr/bin/env bash
# Runs Bitfinex's official Python client (bitfinex-api-py, unmodified, from PyPI) against
# `yf sim serve`. Creates tests/.venv on first use.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/tests/.venv"
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import bfxapi" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "bitfinex-api-py==4.0.0" "pytest>=8,<9"
fi
YF="${YF_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/yf}"
[ -x "$YF" ] || (cd "$ROOT" && cargo build --locked -q -p cli)
OUT="$(mktemp)"
"$YF" --json sim serve --port 0 --speed 60 >"$OUT" &
SIM=$!
trap 'kill $SIM 2>/dev/null || true; rm -f "$OUT"' EXIT
for _ in $(seq 100); do [ -s "$OUT" ] && break; sleep 0.1; done
LINE="$(head -1 "$OUT")"
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$LINE" "$1"; }
BFX_SIM_URL="$(field url)" BFX_SIM_KEY="$(field key)" BFX_SIM_SECRET="$(field secret)" \
  "$VENV/bin/pytest" -q -p no:cacheprovider "$HERE/test_official_client.py"
