#!/usr/bin/env bash
# End-to-end tests of the real Kickstand window: Xvfb + a D-Bus session with
# an unlocked gnome-keyring + tauri-driver/WebKitWebDriver + webdriverio,
# against the app's embedded fake Kick (demo mode).
# Expects the app built with the embedded UI: target/debug/kickstand (or in
# $CARGO_TARGET_DIR), and kick-fake beside it for the official clients' tests.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export KICK_FAKE="${KICK_FAKE:-$TARGET/debug/kick-fake}"
APP="${KICKSTAND_APP:-$TARGET/debug/kickstand}"
[ -x "$APP" ] || { echo "e2e: build the app first (cargo build --features custom-protocol)" >&2; exit 1; }
command -v tauri-driver >/dev/null || cargo install tauri-driver --version ^2 --locked
# Reinstall when the lockfile changed since the last install (new test deps).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

WORK=$(mktemp -d)
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
export KICKSTAND_MODE=demo KICKSTAND_DEMO_CONTROL=1 KICKSTAND_DEMO_BROWSER=0 KICKSTAND_REVEAL_SECS=4 KICKSTAND_DEMO_INFO_FILE="$WORK/demo.json"
export KICKSTAND_APP="$APP" E2E_SHOTS="${E2E_SHOTS:-}" E2E_WORK="$WORK"
if [ "${1:-test}" = obs ]; then
  # Real OBS (scripts/test-obs.sh): the demo's fake gets a real RTMP ingest,
  # and the app logs at debug level (the test searches the logs for the key).
  export KICKSTAND_DEMO_INGEST=1 RUST_LOG=debug
fi
export LIBGL_ALWAYS_SOFTWARE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 NO_AT_BRIDGE=1

# The web view starts the document portal, which mounts a FUSE folder in the
# cache folder: unmount it, or the folder cannot be removed.
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  # E2E_KEEP_LOG=file keeps the driver's log (the app's and WebKit's output).
  [ -z "${E2E_KEEP_LOG:-}" ] || cp "$WORK/tauri-driver.log" "$E2E_KEEP_LOG" 2>/dev/null || true
  fusermount -uz "$WORK/cache/doc" 2>/dev/null || true
  rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# Another run on this machine (tests, another benchmark) can use its own display and port.
export DISPLAY="${E2E_DISPLAY:-:97}" WEBDRIVER_PORT="${E2E_WEBDRIVER_PORT:-4444}"
Xvfb "$DISPLAY" -screen 0 1280x800x24 >/dev/null 2>&1 &
sleep 1
# A tauri-driver left by an interrupted run would answer on 4444 with its old environment.
pkill -f "tauri-driver --port $WEBDRIVER_PORT" 2>/dev/null || true
dbus-run-session -- bash -c '
  echo -n e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
  tauri-driver --port "$WEBDRIVER_PORT" --native-port $((WEBDRIVER_PORT + 1)) >"$0/tauri-driver.log" 2>&1 &
  TD=$!
  trap "kill $TD 2>/dev/null" EXIT
  for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/$WEBDRIVER_PORT) 2>/dev/null && break; sleep 0.2; done
  case "${1:-test}" in
    bench) node "bench/${2:-chat-view}.js" ;;
    obs) node --test --test-concurrency=1 obs/ ;;
    installed) node --test installed/ ;;
    *) npm test ;;
  esac
' "$WORK" "${1:-test}" "${2:-chat-view}"
