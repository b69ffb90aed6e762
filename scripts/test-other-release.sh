#!/usr/bin/env bash
# Runs the suite's normal build (every test, the qemu kernel tests included, on
# that release's kernel with its apparmor_parser) in a root of the other Debian
# release, as root: usage test-other-release.sh CODENAME (trixie or bookworm).
#
# The root is made once with debootstrap from the mirror the host's apt uses
# and kept in the test cache with its own compile and kernel caches, so a warm
# run costs the tests and whatever changed. Everything is mounted in a private
# mount namespace: nothing is left mounted when the run ends, however it ends.
# The checkout is mounted at the same path, so its build directory
# (build-CODENAME) and ccache's base directory mean the same on both sides.
set -euo pipefail
codename=${1:?usage: test-other-release.sh CODENAME [SCRIPT]}
script=${2:-scripts/test.sh}
cd "$(dirname "$0")/.."
cache_root=${AALAYER_CACHE_DIR:-/var/cache/aalayer-tests}
root="$cache_root/$codename-root"
inner_cache="$cache_root/$codename-cache"
mkdir -p "$inner_cache"

if [ ! -x "$root/usr/bin/apt-get" ] || [ ! -f "$root/.aalayer-root-complete" ]; then
  mirror=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -m1 -v security || true)
  mirror=${mirror:-http://deb.debian.org/debian/}
  echo "== $codename root: not cached, making it with debootstrap from $mirror (about 5 minutes)"
  t0=$SECONDS
  rm -rf "$root.partial"
  debootstrap --variant=minbase "$codename" "$root.partial" "$mirror" >"$inner_cache/debootstrap.log" 2>&1 || {
    tail -n 20 "$inner_cache/debootstrap.log" >&2
    exit 1
  }
  # Packages installed in the root must not start services on the host.
  printf '#!/bin/sh\nexit 101\n' >"$root.partial/usr/sbin/policy-rc.d"
  chmod 755 "$root.partial/usr/sbin/policy-rc.d"
  touch "$root.partial/.aalayer-root-complete"
  rm -rf "$root"
  mv "$root.partial" "$root"
  echo "   made in $((SECONDS - t0)) s"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root$PWD" "$root/var/cache/aalayer-tests"

# Not the booted-system test (tests/boot): its image is Debian 12's, and the
# host's run boots it.
inner="cd '$PWD' && AALAYER_BUILD_SUFFIX=-$codename AALAYER_SKIP_ASAN=1 AALAYER_SKIP_FUZZ=1 \
AALAYER_SKIP_TSAN=1 AALAYER_SKIP_OTHER_RELEASE=1 AALAYER_SKIP_BOOT=1 AALAYER_CACHE_DIR=/var/cache/aalayer-tests \
AALAYER_BUILD_DIR=build-$codename PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin '$script'"
# "/" of the root is bind-mounted onto itself: the bus harness makes "/" a
# private mount, which needs it to be a mount point.
exec unshare --mount --propagation private bash -c '
  set -e
  root=$1 checkout=$2 cache=$3 inner=$4
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/run"
  mount -t tmpfs tmpfs "$root/tmp"
  mount --bind "$checkout" "$root$checkout"
  mount --bind "$cache" "$root/var/cache/aalayer-tests"
  exec chroot "$root" /bin/bash -c "$inner"
' _ "$root" "$PWD" "$inner_cache" "$inner"
