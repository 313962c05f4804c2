#!/usr/bin/env bash
# Runs every test, fast stages first. Installs what is missing on Debian/Ubuntu.
#   scripts/test.sh              all stages
#   scripts/test.sh core ui      only the named stages
# Stages: fmt core keychain compat ui shell e2e   (see README, "Tests")
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ALL_STAGES=(fmt core keychain compat ui shell e2e)
STAGES=("$@")
[ ${#STAGES[@]} -eq 0 ] && STAGES=("${ALL_STAGES[@]}")
export RUSTFLAGS="${RUSTFLAGS:-}"

stage_fmt() {
  need_rust
  log "fmt: cargo fmt --check"
  cargo fmt --all --check
}

# GTK-free crates (the workspace's default members): no Tauri, no WebKit.
stage_core() {
  need_apt "${APT_CORE[@]}"
  need_rust
  log "core: clippy (GTK-free crates)"
  cargo clippy --locked --all-targets -- -D warnings
  log "core: cargo test (GTK-free crates)"
  cargo test --locked
  log "core: generated TypeScript bindings are up to date"
  git diff --exit-code --stat -- ui/src/lib/bindings ||
    die "ui/src/lib/bindings changed: run 'cargo test -p api' and commit the result"
  [ -z "$(git ls-files --others --exclude-standard -- ui/src/lib/bindings)" ] ||
    die "new files in ui/src/lib/bindings: run 'cargo test -p api' and commit them"
  log "core: cargo doc (no warnings)"
  RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
}

# The OS keychain for real: a private D-Bus session with a fresh, unlocked gnome-keyring.
stage_keychain() {
  need_apt "${APT_CORE[@]}" "${APT_KEYCHAIN[@]}"
  need_rust
  log "keychain: Secret Service round trip (gnome-keyring in a private D-Bus session)"
  tests/keyring-session.sh cargo test --locked -p vault --test keychain -- --ignored
}

# The web UI alone: type check, unit tests, then Chromium on the built UI with IPC stubbed.
stage_ui() {
  need_apt "${APT_UI_TEST[@]}"
  ui_deps
  log "ui: svelte-check"
  (cd ui && npm run --silent check)
  log "ui: vitest"
  (cd ui && npm run --silent test)
  ui_build
  log "ui: Playwright + Chromium (IPC stubbed)"
  (cd ui && npm run --silent e2e)
}

# The Tauri shell: needs the GTK/WebKit development packages (and dbus-daemon for the sleep
# watcher's private bus).
stage_shell() {
  need_apt "${APT_CORE[@]}" "${APT_TAURI[@]}" dbus
  need_rust
  [ -f ui/dist/index.html ] || ui_build
  log "shell: clippy (src-tauri)"
  cargo clippy --locked -p yieldsforge --all-targets -- -D warnings
  log "shell: cargo test -p yieldsforge (mock runtime, loopback update server, private D-Bus)"
  cargo test --locked -p yieldsforge
}

# Bitfinex's official Python client against bfx-sim.
stage_compat() {
  need_apt "${APT_CORE[@]}"
  need_rust
  log "compat: official bitfinex-api-py against bfx-sim"
  bash tests/compat/run.sh
}

# The real app under Xvfb, driven by tauri-driver + WebKitWebDriver.
stage_e2e() {
  need_apt "${APT_CORE[@]}" "${APT_TAURI[@]}" "${APT_E2E[@]}"
  need_rust
  need_node
  if ! command -v tauri-driver >/dev/null && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
    log "e2e: installing tauri-driver"
    cargo install tauri-driver --locked --version '^2' --quiet
  fi
  ui_build
  log "e2e: building the app"
  cargo build --locked -p yieldsforge -p cli
  log "e2e: the real app under Xvfb"
  bash tests/e2e/run.sh "$ROOT/target/debug/yieldsforge"
}

for s in "${STAGES[@]}"; do
  declare -F "stage_$s" >/dev/null || die "unknown stage '$s' (stages: ${ALL_STAGES[*]})"
done
START=$(date +%s)
for s in "${STAGES[@]}"; do
  t=$(date +%s)
  "stage_$s"
  printf '\n--- stage %s passed in %ss\n' "$s" "$(( $(date +%s) - t ))"
done
printf '\nAll stages passed (%s) in %ss.\n' "${STAGES[*]}" "$(( $(date +%s) - START ))"
