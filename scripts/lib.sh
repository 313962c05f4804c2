# Shared helpers for run.sh and test.sh. Source it; don't run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Debian/Ubuntu packages, by purpose.
APT_CORE=(pkg-config libdbus-1-dev build-essential curl ca-certificates python3 python3-venv)
APT_TAURI=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev file)
APT_KEYCHAIN=(dbus gnome-keyring)
APT_UI_TEST=(chromium)
APT_E2E=(xvfb webkit2gtk-driver dbus-x11 gnome-keyring x11-apps imagemagick)

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install sudo or run as root)"; fi
}

# Installs the Debian/Ubuntu packages that are not installed yet (nothing to do when all are).
need_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]}, and this is not a Debian/Ubuntu system; see README (Prerequisites)"
  log "Installing system packages: ${missing[*]}"
  if [ -z "${YF_APT_UPDATED:-}" ]; then as_root apt-get update -qq; export YF_APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

need_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      log "Installing Rust (rustup, stable)"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c clippy,rustfmt
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

need_node() {
  if ! command -v node >/dev/null; then need_apt nodejs npm; fi
  local v; v="$(node -p 'process.versions.node')"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    die "Node.js $v is too old: the UI build (Vite 8) needs Node 20.19 or newer (https://nodejs.org or nvm)"
}

# npm packages of the UI, installed exactly as locked (only when package-lock.json changed).
ui_deps() {
  need_node
  local stamp="$ROOT/ui/node_modules/.yf-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/ui/package-lock.json" "$stamp"; then
    log "Installing UI packages (npm ci)"
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/ui/package-lock.json" "$stamp"
  fi
}

ui_build() {
  ui_deps
  log "Building the UI (ui/dist)"
  (cd "$ROOT/ui" && npm run --silent build)
}
