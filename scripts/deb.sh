#!/usr/bin/env bash
# Builds the installable .deb (release build with the web UI embedded):
#   target/release/bundle/deb/Kickstand_<version>_amd64.deb
# Install with: sudo apt install ./target/release/bundle/deb/Kickstand_*_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run build)
# The Tauri CLI comes with the UI's dev dependencies; run it from the repo root.
# `custom-protocol` embeds the UI (src-tauri/src/lib.rs refuses a release build without it;
# the v2 CLI only turns on tauri/custom-protocol).
ui/node_modules/.bin/tauri build --bundles deb --features custom-protocol
# Tauri's bundler compresses with gzip; Debian's own packages use xz, which
# takes the package from ~10.9 MB to ~7.4 MB (the binary is most of it).
# Repack with the same control files and contents.
TARGET="${CARGO_TARGET_DIR:-target}"
for deb in "$TARGET"/release/bundle/deb/*.deb; do
  tmp=$(mktemp -d)
  dpkg-deb -R "$deb" "$tmp/pkg"
  dpkg-deb --root-owner-group -Zxz -z9 -b "$tmp/pkg" "$deb" >/dev/null
  rm -rf "$tmp"
done
ls -1 "$TARGET"/release/bundle/deb/*.deb
