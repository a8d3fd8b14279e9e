#!/usr/bin/env bash
# obs-link against real OBS Studio (under Xvfb) and the fake Kick's real RTMP
# ingest (nginx + RTMP module): connect, set up OBS for Kick, stale key, go
# live (the fake sees the publish), health, scenes, end stream, OBS stopped,
# wrong password, server off.
#
# Everything runs inside a private network namespace that has only loopback
# (unshare -n): OBS binds its WebSocket server on every interface and tries
# to fetch service updates online; in the namespace nothing gets past
# 127.0.0.1. Needs root or unprivileged user namespaces; otherwise the tests
# run without the namespace (with a warning).
#
#   scripts/test-obs.sh                     # all obs-link tests, real OBS included,
#                                           # then the window with OBS (e2e/obs/)
#   scripts/test-obs.sh goes_live --nocapture
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"

if [ "${1:-}" = "--inside" ]; then
  shift
  ip link set lo up 2>/dev/null || true
  # One X display for all tests (the harness starts its own when DISPLAY is unset).
  for n in $(seq 150 250); do
    [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { DISP=$n; break; }
  done
  Xvfb ":$DISP" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB=$!
  trap 'kill $XVFB 2>/dev/null || true; wait $XVFB 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$DISP" ] && break; sleep 0.05; done
  export DISPLAY=":$DISP" KICKSTAND_REAL_OBS=1
  # Arguments go to the test binaries: a name filter, --nocapture, …
  cargo test --offline --locked --workspace --test mock_obs --test real_obs -- --test-threads=1 "$@"
  if [ $# -eq 0 ]; then
    # The window end to end: the app (demo, with a real RTMP ingest) and OBS.
    kill $XVFB 2>/dev/null || true
    bash e2e/run.sh obs
  fi
  exit
fi

missing=()
for b in obs Xvfb nginx; do command -v "$b" >/dev/null || missing+=("$b"); done
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-obs: missing ${missing[*]}: run scripts/setup.sh" >&2
  exit 1
fi

# Build first, outside the namespace (it may need the registry): the tests,
# the app with its embedded UI, and the end-to-end tools.
cargo test --locked --workspace --test mock_obs --test real_obs --no-run
(cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build >/dev/null)
cargo build --workspace --bins --features kickstand/custom-protocol --locked
command -v tauri-driver >/dev/null || cargo install tauri-driver --version ^2 --locked
(cd e2e && { [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  || npm ci --no-audit --no-fund --loglevel=error; })
start=$(date +%s)
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  unshare -n -- bash "$0" --inside "$@"
elif unshare -rn true 2>/dev/null; then
  unshare -rn -- bash "$0" --inside "$@"
else
  echo "test-obs: warning: no network namespace here; OBS's WebSocket server listens on every interface during the tests" >&2
  bash "$0" --inside "$@"
fi
echo "test-obs: done in $(( $(date +%s) - start )) s"
