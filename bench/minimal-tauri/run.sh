#!/usr/bin/env bash
# Builds the minimal Tauri window (release, embedded page) with the same
# Tauri version as Kickstand (Kickstand's Cargo.lock, copied in), and prints
# the binary's path. Build outputs go to $CARGO_TARGET_DIR (default: this
# folder's target/, ignored by git).
set -euo pipefail
cd "$(dirname "$0")"
cp ../../Cargo.lock Cargo.lock
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --features custom-protocol -q >&2
echo "minimal-tauri: $(cargo tree -q -i tauri --depth 0 -e normal 2>/dev/null | head -1)" >&2
echo "$CARGO_TARGET_DIR/release/minimal-tauri"
