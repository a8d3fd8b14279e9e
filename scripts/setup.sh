#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build, run and test
# Kickstand. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# System packages: Tauri v2 on Linux, plus Xvfb/WebKitWebDriver for the
# end-to-end tests, gnome-keyring for the real OS keyring in tests, and
# OBS Studio + nginx with the RTMP module for the real-OBS tests (scripts/test-obs.sh),
# xwininfo and desktop-file-validate for the installed-package test (scripts/test-deb.sh).
PKGS=(
  libwebkit2gtk-4.1-dev build-essential file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config curl
  xvfb webkit2gtk-driver dbus-x11 gnome-keyring libsecret-1-dev libdbus-1-dev imagemagick
  obs-studio nginx-light libnginx-mod-rtmp
  x11-utils desktop-file-utils
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ with npm is required" >&2; exit 1; }

# Web UI dependencies (exact versions from the lockfile).
if [ -f ui/package.json ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: done"
