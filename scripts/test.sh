#!/usr/bin/env bash
# Installs everything a fresh machine lacks, then runs every test:
#  1. format and lint (cargo fmt, clippy -D warnings);
#  2. Rust unit + integration tests against the local fake Kick, and the
#     Tauri command set on the mock runtime; the generated TS bindings must
#     not drift from the Rust types;
#     the fuzz targets' seed and regression inputs replay (docs/FUZZING.md);
#  3. the real OS keyring (Secret Service in a private D-Bus session) and
#     the no-keyring path;
#  4. the web UI: type check and Vitest;
#  5. end to end: the real app window under Xvfb driven by tauri-driver +
#     WebKitWebDriver, against the app's embedded fake Kick (channel editor,
#     live status, stream key, chat), and the official pusher-js and
#     centrifuge-js clients against the fake's chat sockets;
#  6. OBS: obs-link and the window against real OBS Studio (under Xvfb, in a
#     loopback-only network namespace) and the fake's real RTMP ingest.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
bash scripts/setup.sh
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
stage() { echo; echo "== $* ($(date +%T))"; }

stage "cargo fmt --check"
cargo fmt --all -- --check
stage "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

# Every cargo command below selects --workspace: a `-p <crate>` build
# resolves dependency features for that crate alone and recompiles ~100 of them.
stage "cargo test (workspace)"
cargo test --workspace --locked
stage "fuzz corpus: every seed and past crash input through the fuzz targets' checks (no fuzzer)"
(cd fuzz && CARGO_TARGET_DIR="$ROOT/target" cargo test --locked -q --no-default-features)
stage "TypeScript bindings match the Rust types"
git diff --exit-code -- ui/src/lib/bindings.ts || {
  echo "ui/src/lib/bindings.ts changed: commit the regenerated bindings" >&2; exit 1; }

stage "real OS keyring (private D-Bus session + gnome-keyring)"
KR=$(mktemp -d)
mkdir -p "$KR/home" "$KR/data" "$KR/config"
HOME="$KR/home" XDG_DATA_HOME="$KR/data" XDG_CONFIG_HOME="$KR/config" KICKSTAND_REAL_KEYRING=1 \
  dbus-run-session -- bash -c 'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1;
    cargo test --workspace --test keyring --locked -- --nocapture' 2> >(grep -v "Failed to set fd limit" >&2)
rm -rf "$KR"
stage "no keyring: a plain message, no crash"
env -u DBUS_SESSION_BUS_ADDRESS KICKSTAND_NO_KEYRING=1 cargo test --workspace --test keyring --locked

if [ -f ui/src/main.ts ]; then
  stage "web UI: svelte-check and Vitest; the generated licences are current"
  (cd ui && npm run check && npm test)
  node scripts/licenses.mjs --check
fi

if [ -d e2e/tests ]; then
  stage "end to end: the real window under Xvfb"
  (cd ui && npm run build)
  # The app with its embedded UI, and kick-fake for the pusher-js and
  # centrifuge-js compatibility tests, in one build (one feature resolution).
  cargo build --workspace --bins --features kickstand/custom-protocol --locked
  bash e2e/run.sh
fi

stage "OBS: obs-link and the window against real OBS Studio and a real RTMP ingest"
bash scripts/test-obs.sh
stage "all tests passed"
