#!/usr/bin/env bash
# Installs what is missing (system packages, Rust, npm packages), builds the UI and starts Yieldsforge.
# Usage: scripts/run.sh [--release]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PROFILE_FLAG=()
[ "${1:-}" = "--release" ] && PROFILE_FLAG=(--release)

need_apt "${APT_CORE[@]}" "${APT_TAURI[@]}"
need_rust
ui_build
log "Building and starting Yieldsforge"
exec cargo run --locked -p yieldsforge "${PROFILE_FLAG[@]}"
