#!/usr/bin/env bash
# boot-system: aalayer installed from its Debian packages on a booted Debian
# 12 system, under systemd, in qemu (TCG: KVM hangs on the machines this runs
# on). As root:
#   1. builds the packages from this checkout (dpkg-buildpackage -us -uc -b,
#      without the package's own tests: this suite runs them) in a copy
#      outside the checkout, with ccache, so a warm run costs the links;
#   2. makes the disk image once (tests/boot/image.sh: debootstrap from the
#      mirror apt uses, systemd, udev, dbus, polkitd, logind, apparmor, auditd
#      (disabled until the test starts it), the distribution's kernel), kept
#      until image.sh changes;
#   3. boots it from the image's own kernel and initramfs, with the test
#      (tests/boot/guest/) and the .debs on a second disk, and prints what
#      the guest reports on its second serial port as it comes: each check,
#      each step's time, systemd-analyze's boot times (guest/guest.sh says
#      what is checked);
#   4. ends with the timings, cold and warm.
# The guest's disk is a snapshot of the image (qemu snapshot=on): the image is
# never written, and the guest's changes survive its reboot, not the run; so
# its flushes need not reach the host's disk (cache=unsafe: dpkg syncs a lot).
# Exit 0 pass, 1 fail (the guest's journal for aalayerd, the console's last
# lines), 77 skip (no qemu, not root, AALAYER_SKIP_BOOT=1).
# Cache: $AALAYER_CACHE_DIR/boot (default /var/cache/aalayer-tests/boot).
set -euo pipefail

skip() {
  echo "=================================================================================="
  echo "SKIP boot-system: $1: the booted-system test (aalayer's"
  echo "packages on Debian 12 under systemd in qemu) did NOT run."
  echo "=================================================================================="
  exit 77
}
# The other release's run (scripts/test-other-release.sh) sets this: the
# image is Debian 12's, and the host's run already boots it.
[ "${AALAYER_SKIP_BOOT:-0}" = 1 ] && skip "AALAYER_SKIP_BOOT=1"
[ "$(id -u)" = 0 ] || skip "not root (debootstrap and the image need root)"
for p in qemu-system-x86_64 debootstrap dpkg-buildpackage mkfs.ext4; do
  command -v "$p" >/dev/null 2>&1 || skip "$p not found (scripts/install-deps.sh installs it)"
done
# The packages are built on the host, for the host's release: the image is
# Debian 12, so the host must be too.
# shellcheck source=/dev/null
[ "$(. /etc/os-release && echo "${VERSION_ID:-}")" = 12 ] ||
  skip "the host is not Debian 12 (the packages built here would not install in the Debian 12 image)"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
cache_root=${AALAYER_CACHE_DIR:-/var/cache/aalayer-tests}
boot=$cache_root/boot
mkdir -p "$boot/ccache" "$boot/last"
# One run at a time per cache: the package build directory and the image are shared.
exec 9>"$boot/lock"
flock 9
start=$SECONDS

# --- 1. the packages ---------------------------------------------------------------------
# Built in a fixed directory so ccache's entries match from run to run; only
# the files git knows (tracked or not ignored) are copied: no build directory.
echo "== packages: dpkg-buildpackage from $src"
t0=$SECONDS
debdir=$boot/deb
rm -rf "$debdir"
mkdir -p "$debdir/aalayer"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -x -C "$debdir/aalayer"
else
  tar -C "$src" --exclude='./build*' -cf - . | tar -x -C "$debdir/aalayer"
fi
path=$PATH
[ -d /usr/lib/ccache ] && path=/usr/lib/ccache:$PATH
export CCACHE_DIR=$boot/ccache CCACHE_BASEDIR=$debdir/aalayer CCACHE_NOHASHDIR=1
command -v ccache >/dev/null && ccache --zero-stats >/dev/null
if ! (cd "$debdir/aalayer" && PATH=$path DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
  dpkg-buildpackage -us -uc -b -Pnocheck) >"$debdir/build.log" 2>&1; then
  tail -n 40 "$debdir/build.log"
  echo "boot-system: the package build failed; its log: $debdir/build.log"
  exit 1
fi
deb_secs=$((SECONDS - t0))
deb_stats=""
if command -v ccache >/dev/null; then
  deb_stats=$(ccache --print-stats 2>/dev/null | awk -F'\t' '
    $1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2} $1=="cache_miss"{m+=$2}
    END{printf "%d hits, %d misses", h, m}')
  # A build with no hit at all is a cold one: remember what it cost.
  hits=${deb_stats%% *}
  [ "$hits" = 0 ] && echo "$deb_secs $(date -u +%F)" >"$boot/deb-cold-seconds"
fi
echo "   built in $deb_secs s (ccache: ${deb_stats:-not used})"

# --- 2. the image ------------------------------------------------------------------------
image=$boot/image
t0=$SECONDS
image_state=cached
if ! "$here/image.sh" --check "$image"; then
  echo "== image: not cached (or made from another tests/boot/image.sh), making it"
  "$here/image.sh" "$image"
  image_state=built
  echo "$((SECONDS - t0)) $(date -u +%F)" >"$image/build-seconds"
fi
image_secs=$((SECONDS - t0))
echo "== image: $image_state ($image_secs s), kernel $(cat "$image/kernel-version")"

# --- 3. boot -------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/aalayer-boot.XXXXXX")
qpid=""
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/payload/debs"
cp "$here"/guest/* "$work/payload/"
cp "$debdir"/aalayer_*.deb "$debdir"/aalayerd_*.deb "$work/payload/debs/"
tar -C "$work/payload" --owner=0 --group=0 -cf "$work/payload.tar" .
: >"$work/results.log"
# A quiet machine needs about 150 s; one shared with compiles was seen at 513 s.
timeout_s=${AALAYER_BOOT_TIMEOUT:-1200}
echo "== boot: qemu (TCG), up to $timeout_s s; the guest's lines, with the host's seconds since qemu started"
q0=$SECONDS
timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1536 \
  -nodefaults -display none \
  -drive "file=$image/disk.raw,if=virtio,format=raw,snapshot=on,cache=unsafe" \
  -drive "file=$work/payload.tar,if=virtio,format=raw,readonly=on" \
  -serial "file:$work/console.log" -serial "file:$work/results.log" \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 apparmor=1 security=apparmor quiet" \
  </dev/null >"$work/qemu.out" 2>&1 &
qpid=$!
# The guest's lines as they come (complete lines only), each with the time it
# was seen; the same in timeline for the summary.
seen=0
emit() {
  local n
  n=$(tr -cd '\n' <"$work/results.log" | wc -c)
  [ "$n" -gt "$seen" ] || return 0
  sed -n "$((seen + 1)),${n}p" "$work/results.log" | tr -d '\r' |
    while IFS= read -r line; do printf '%5d s  %s\n' "$((SECONDS - q0))" "$line"; done | tee -a "$work/timeline"
  seen=$n
}
while kill -0 "$qpid" 2>/dev/null; do
  emit
  sleep 1
done
qrc=0
wait "$qpid" || qrc=$?
qpid=""
emit
qemu_secs=$((SECONDS - q0))
tr -d '\r' <"$work/results.log" >"$boot/last/results.log"
tr -d '\r' <"$work/console.log" >"$boot/last/console.log"
sed -n '/^BEGIN status$/,/^END status$/{/^BEGIN status$/d;/^END status$/d;p}' "$boot/last/results.log" \
  >"$boot/last/systemctl-status.txt"

# --- 4. verdict and timings ---------------------------------------------------------------
failures=()
[ "$qrc" = 0 ] || failures+=("qemu exited $qrc$([ "$qrc" = 124 ] && echo " (timeout: $timeout_s s)")")
grep -q '^DONE failed=0$' "$boot/last/results.log" || failures+=("the guest did not finish with DONE failed=0")
while IFS= read -r l; do failures+=("$l"); done < <(grep '^CHECK .* FAIL' "$boot/last/results.log" || true)
nchecks=$(grep -c '^CHECK .* ok$' "$boot/last/results.log" || true)

echo "== timings (host seconds since qemu started, guest seconds per step)"
echo "   package build: $deb_secs s (ccache: ${deb_stats:-not used})"
echo "   image: $image_state, $image_secs s"
awk '
  / PHASE / { sub(/.*uptime=/, ""); printf "   boot %d: the test started %s s after the kernel did\n", ++b, $0 }
  / BOOT / { sub(/^ *[0-9]+ s  BOOT /, ""); printf "      systemd-analyze: %s\n", $0 }
  / STEP reboot start$/ { r = $1 }
  / STEP reboot done$/ { printf "   reboot: %d s (shutdown, boot, until the test started again)\n", $1 - r }
  / STEP [^ ]+ done [0-9.]+$/ { printf "   step %s: %s s\n", $4, $6 }
' "$work/timeline" 2>/dev/null || true
echo "   qemu in all: $qemu_secs s; the whole test: $((SECONDS - start)) s"
cold_deb=$(cat "$boot/deb-cold-seconds" 2>/dev/null || true)
cold_image=$(cat "$image/build-seconds" 2>/dev/null || true)
cost() { # cost "SECONDS DATE" FALLBACK
  if [ -n "$1" ]; then echo "${1%% *} s (measured here on ${1#* })"; else echo "$2"; fi
}
echo "   a cold cache costs: the image $(cost "$cold_image" "about 3 to 5 minutes")," \
  "the package build $(cost "$cold_deb" "about 6 to 8 minutes on 2 cores")"
echo "   the guest's serial console: $boot/last/console.log; systemctl status: $boot/last/systemctl-status.txt"

if [ ${#failures[@]} -gt 0 ]; then
  echo "== console, last lines"
  tail -n 40 "$boot/last/console.log"
  echo "== boot-system FAILED:"
  for f in "${failures[@]}"; do echo "   $f"; done
  exit 1
fi
echo "== boot-system: $nchecks checks passed"
