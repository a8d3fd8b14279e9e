#!/usr/bin/env bash
# Every benchmark of docs/PERFORMANCE.md, in one run on this machine, with
# the alternatives measured in the same run. Raw output goes to
# bench/results/<date>/ (BENCH_OUT); copy the figures into docs/PERFORMANCE.md
# with the date.
#
#   bash scripts/bench.sh                      # all of them (the soak takes 30 min)
#   bash scripts/bench.sh sizes ingest poll    # some of them
#   SOAK_SECS=300 bash scripts/bench.sh memory
#
# Parts: sizes (binary, .deb, release build via scripts/deb.sh), ingest
# (kick-chat vs pusher-js and centrifuge-js), poll (API calls per poll),
# webhook (receiver under load), startup (cold start vs a minimal Tauri v2
# window, and Kick unreachable), chatview (frame times in the real window),
# memory (PSS vs the minimal window, then the soak; plotted to docs/).
# The window benchmarks run under their own Xvfb display and WebDriver port
# (:95 / 4450), so tests can run beside a long soak.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${BENCH_OUT:-$ROOT/bench/results/$(date +%F)}"
mkdir -p "$OUT"
PARTS="${*:-sizes ingest poll webhook startup chatview memory}"
export E2E_DISPLAY="${E2E_DISPLAY:-:95}" E2E_WEBDRIVER_PORT="${E2E_WEBDRIVER_PORT:-4450}"
has() { [[ " $PARTS " == *" $1 "* ]]; }
log() { echo "== $* ($(date +%T))" >&2; }
REL="$CARGO_TARGET_DIR/release"

log "build: the release app (scripts/deb.sh), the fake, the benchmark clients, the minimal window"
if has sizes; then
  # Timed from whatever is already built; a clean figure needs `cargo clean` first.
  /usr/bin/time -f "%e s wall, %U s user, %S s system" -o "$OUT/deb-build-time.txt" bash scripts/deb.sh >&2
else
  bash scripts/deb.sh >&2
fi
cargo build --release --locked -p kick-fake --bin kick-fake -p kick-chat --example ingest_bench \
  -p kickstand-core --example poll_calls --example store_session --example webhook_load >&2
MINIMAL_APP=$(bash bench/minimal-tauri/run.sh)
export MINIMAL_APP KICKSTAND_APP="$REL/kickstand"
(cd e2e && { [ -d node_modules ] || npm ci --no-audit --no-fund; }) >&2

if has sizes; then
  log sizes
  DEB=$(ls -1t "$REL"/bundle/deb/*.deb | head -1)
  {
    echo "kickstand binary: $(stat -c %s "$REL/kickstand") bytes"
    echo "minimal-tauri binary: $(stat -c %s "$MINIMAL_APP") bytes"
    echo ".deb: $(stat -c %s "$DEB") bytes ($(basename "$DEB"))"
    echo "deb.sh: $(cat "$OUT/deb-build-time.txt")"
  } | tee "$OUT/sizes.txt"
fi
if has ingest; then
  log "chat ingest: kick-chat vs the official clients"
  BENCH_JSON="$OUT/ingest.json" node e2e/bench/chat-ingest.js flood=200000 1000 5000 10000 20000 | tee "$OUT/ingest.md"
fi
if has poll; then
  log "API calls per poll"
  "$REL/examples/poll_calls" 1 10 100 500 | tee "$OUT/poll.md"
fi
if has webhook; then
  log "webhook receiver under load"
  "$REL/examples/webhook_load" 50 200 500 1000 | tee "$OUT/webhook.md"
fi
if has startup; then
  log "cold start"
  STORE_SESSION="$REL/examples/store_session" STARTUP_JSON="$OUT/startup.json" \
    bash e2e/run.sh bench startup | tee "$OUT/startup.txt"
fi
if has chatview; then
  log "the chat view in the real window"
  for rate in 0 500 1000 2000; do
    CHAT_RATE=$rate BENCH_SECS=10 bash e2e/run.sh bench chat-view | tee -a "$OUT/chatview.txt"
  done
fi
if has memory; then
  log "memory, then the soak (${SOAK_SECS:-1800} s)"
  MEM_OUT="$OUT/memory-soak.csv" MEM_JSON="$OUT/memory.json" bash e2e/run.sh bench memory | tee "$OUT/memory.txt"
  python3 scripts/plot_soak.py "$OUT/memory-soak.csv" docs/memory-soak.png
fi
log "done: $OUT"
