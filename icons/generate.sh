#!/usr/bin/env bash
# Regenerates the app icon set and the tray PNGs from the source SVGs.
# Needs the UI's npm packages (for the Tauri CLI) and rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
../ui/node_modules/.bin/tauri icon yieldsforge.svg -o app
rm -rf app/android app/ios
for svg in tray/*.svg; do
  rsvg-convert -w 64 -h 64 "$svg" -o "${svg%.svg}.png"
done
