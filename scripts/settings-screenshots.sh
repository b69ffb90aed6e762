#!/usr/bin/env bash
# Regenerates docs/images/settings-*.png, the settings panel's screens in the
# user guide ("Without a terminal"), from its tests: tests/settings/ drive
# aalayer-settings on Qt's offscreen platform against aalayerd on a private
# bus and save each main screen. Runs as root (the tests start the bus,
# polkitd and aalayerd). Usage: scripts/settings-screenshots.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
shots=$build/tests/screenshots
rm -rf "$shots"
meson test -C "$build" --print-errorlogs settings-panel
mkdir -p docs/images
rm -f docs/images/settings-*.png
cp "$shots"/settings-*.png docs/images/
ls docs/images/settings-*.png
