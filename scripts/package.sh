#!/usr/bin/env bash
# Builds the installers for this machine's OS with the Tauri bundler, into
# target/release/bundle/<format>/. On Debian/Ubuntu: the .deb and the .rpm (both made by the
# bundler itself, nothing downloaded). Add `appimage` to the formats to also build an AppImage:
# the bundler then downloads linuxdeploy from GitHub, which is not a package registry, so it is
# not in the default set.
#
# Signed update artifacts (`.sig` files for the updater) are made when TAURI_SIGNING_PRIVATE_KEY
# (and TAURI_SIGNING_PRIVATE_KEY_PASSWORD) are set, as in a release; without them the installers
# are built unsigned for the updater (see docs/releasing.md).
#
# Usage: scripts/package.sh [FORMAT,...]      e.g. scripts/package.sh deb,rpm,appimage
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

FORMATS="${1:-deb,rpm}"
need_apt "${APT_CORE[@]}" "${APT_TAURI[@]}"
need_rust
ui_deps
CONFIG=()
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  log "TAURI_SIGNING_PRIVATE_KEY is not set: building without updater signatures"
  CONFIG=(--config '{"bundle":{"createUpdaterArtifacts":false}}')
fi
log "Building the installers ($FORMATS)"
# The Tauri CLI finds the project from src-tauri; it builds the UI first (beforeBuildCommand).
cd "$ROOT/src-tauri"
"$ROOT/ui/node_modules/.bin/tauri" build --bundles "$FORMATS" "${CONFIG[@]}"
log "Installers:"
find "$ROOT/target/release/bundle" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.sig' \) -printf '  %p (%s bytes)\n'
