#!/usr/bin/env bash
# The release package as a streamer gets it: builds the .deb (scripts/deb.sh)
# unless one is given, checks its size (at most 10 MB), its control fields
# (dependencies), its files (binary, .desktop entry, every icon size, the
# licence), validates the .desktop entry, unpacks it with dpkg -x, starts
# the installed binary under Xvfb in demo mode and drives it to the live
# dashboard (e2e/installed/), checks the window's WM class against the
# .desktop entry's StartupWMClass and that it writes its log file.
#
#   scripts/test-deb.sh [path/to/Kickstand_x_amd64.deb]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$PATH"
DEB="${1:-}"
if [ -z "$DEB" ]; then
  bash scripts/deb.sh
  DEB=$(ls -1t "${CARGO_TARGET_DIR:-target}"/release/bundle/deb/*.deb | head -1)
fi
fail() { echo "test-deb: $*" >&2; exit 1; }

SIZE=$(stat -c %s "$DEB")
echo "test-deb: $DEB is $SIZE bytes ($(awk "BEGIN{printf \"%.2f\", $SIZE/1048576}") MiB)"
[ "$SIZE" -le 10000000 ] || fail "the .deb is over 10 MB"

CONTROL=$(dpkg-deb -f "$DEB")
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libsoup-3.0-0 libdbus-1-3; do
  grep -q "^Depends:.*$dep" <<<"$CONTROL" || fail "Depends lacks $dep"
done
grep -q "^Recommends:.*gnome-keyring" <<<"$CONTROL" || fail "Recommends lacks a Secret Service provider"
grep -q "^Section: video" <<<"$CONTROL" || fail "Section is not video"

FILES=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./||')
for f in usr/bin/kickstand usr/share/applications/Kickstand.desktop usr/share/doc/kickstand/copyright; do
  grep -qx "$f" <<<"$FILES" || fail "missing $f"
done
for s in 16x16 24x24 32x32 48x48 64x64 128x128 256x256 512x512; do
  grep -q "^usr/share/icons/hicolor/$s/apps/kickstand.png$" <<<"$FILES" || fail "missing the $s icon"
done


WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dpkg -x "$DEB" "$WORK/root"
DESKTOP="$WORK/root/usr/share/applications/Kickstand.desktop"
desktop-file-validate "$DESKTOP"
grep -q "^Categories=.*Video" "$DESKTOP" || fail "the .desktop entry is not in the Video category"
WMCLASS=$(sed -n 's/^StartupWMClass=//p' "$DESKTOP")
grep -q "MIT License" "$WORK/root/usr/share/doc/kickstand/copyright" || fail "the copyright file has no licence text"

# The installed binary, in the real window, under Xvfb.
export KICKSTAND_APP="$WORK/root/usr/bin/kickstand" KICKSTAND_DEMO_BROWSER=0
(cd e2e && bash run.sh installed) &
RUN=$!
# Its top-level window's class, while the test runs (no window manager under Xvfb).
CLASS=""
for _ in $(seq 1 150); do
  CLASS=$(DISPLAY=:97 xwininfo -root -tree 2>/dev/null | grep -o '("kickstand" "[^"]*")' | head -1 || true)
  [ -n "$CLASS" ] && break
  sleep 0.2
done
wait $RUN
[ -n "$CLASS" ] || fail "no kickstand window found on the display"
echo "test-deb: window class $CLASS; StartupWMClass=$WMCLASS"
grep -q "\"$WMCLASS\"" <<<"$CLASS" || fail "StartupWMClass=$WMCLASS does not match the window's class $CLASS"
echo "test-deb: ok"
