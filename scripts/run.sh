#!/usr/bin/env bash
# Installs what a fresh machine lacks, builds the web UI and the app, and
# starts Kickstand (demo mode unless Kick credentials are stored).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
cargo build --features custom-protocol
exec ./target/debug/kickstand "$@"
