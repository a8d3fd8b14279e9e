#!/usr/bin/env bash
# Installs everything a fresh machine lacks, then runs every test:
# Rust unit + integration tests (against the local fake Kick), lint, and the
# web UI tests when the UI exists.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
