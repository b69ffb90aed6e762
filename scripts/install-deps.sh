#!/usr/bin/env bash
# Installs, as root on Debian 12 (bookworm) or 13 (trixie), the packages
# aalayer builds and tests with; the names that differ between the releases
# come from scripts/release.sh. Idempotent: runs apt-get only when
# something is missing.
set -euo pipefail
# shellcheck source=scripts/release.sh
. "$(dirname "$0")/release.sh"
packages=(
  meson ninja-build pkg-config g++ ccache clang-format clang-tidy
  libgtest-dev libgmock-dev googletest
  apparmor apparmor-utils apparmor-profiles apparmor-profiles-extra libapparmor-dev
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev libboost-dev libdbus-1-dev
  dbus-daemon polkitd util-linux
  dunst xvfb desktop-file-utils xdg-utils  # xdg-mime: the launcher test reads the default handler with it
  zsh  # the completion test runs _aalayer in it
  gnuplot-nox libnss-wrapper  # scale-bench: its plot, and more users than the machine has
  qt6-base-dev fonts-dejavu-core  # aalayer-settings; its tests run on libqt6gui6's offscreen platform, the screenshots in DejaVu
  qemu-system-x86 busybox-static cpio debootstrap
  build-essential debhelper dpkg-dev e2fsprogs git
  "${release_packages[@]}"
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
