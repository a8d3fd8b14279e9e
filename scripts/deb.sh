#!/usr/bin/env bash
# Builds the installable .deb (release build with the web UI embedded):
#   target/release/bundle/deb/Kickstand_<version>_amd64.deb
# Install with: sudo apt install ./target/release/bundle/deb/Kickstand_*_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
# The Tauri CLI comes with the UI's dev dependencies; run it from the repo root.
ui/node_modules/.bin/tauri build --bundles deb
ls -1 target/release/bundle/deb/*.deb
