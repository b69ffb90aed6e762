#!/usr/bin/env bash
# The booted-system test's disk image: Debian 12 from Debian's packages
# (debootstrap from the mirror the host's apt uses), with systemd as init,
# udev, dbus, polkitd, logind, apparmor and the distribution's kernel, plus
# what the aalayer packages need at run time, so that the test installs them
# with dpkg alone (the guest has no network).
#
#   image.sh --check DIR   exit 0 if DIR holds a complete image made from this file
#   image.sh DIR    makes DIR/disk.raw (ext4, the guest's /dev/vda), and
#                   DIR/vmlinuz and DIR/initrd.img (the image's own kernel and
#                   initramfs, which qemu boots with -kernel/-initrd), unless
#                   DIR already holds a complete image made from this file.
#
# The cache key is this file's checksum: the package list and every step of
# the recipe are in it, so changing either makes a new image. DIR/.complete
# holds the key of the image that was finished; a run stopped half-way leaves
# none, and the next run starts over. Run as root (debootstrap, chroot).
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
dir=${1:?usage: image.sh [--check] DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
key=$(sha256sum "$here/image.sh" | cut -d' ' -f1)
if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$key" ] && [ -f "$dir/disk.raw" ]; then
  exit 0
fi
[ "$check" = 0 ] || exit 1

# What the guest runs: systemd as init with udev (logind assigns the console
# to seat0 from udev's tags), the real dbus-daemon, polkitd, logind
# (libpam-systemd registers the console login as a session), apparmor
# (apparmor.service loads /etc/apparmor.d at boot), the distribution's kernel
# and initramfs-tools for its initramfs; libsdbus-c++1 is what the aalayer
# packages depend on beyond these (dpkg -i in the guest refuses, naming the
# package, if a new dependency is missing here). auditd is there for one
# step of the test (the service reading auditd's log); it is disabled below,
# so the rest of the test sees a system with journald alone.
packages=(
  systemd systemd-sysv udev dbus libpam-systemd polkitd apparmor
  linux-image-amd64 initramfs-tools libsdbus-c++1 procps auditd
)

# shellcheck disable=SC2016 # $(REPO_URI) is apt's format, not the shell's
mirror=$(apt-get indextargets --format '$(REPO_URI)' 2>/dev/null | grep -m1 -v security || true)
mirror=${mirror:-http://deb.debian.org/debian/}
mkdir -p "$dir"
rm -f "$dir/.complete"
tree="$dir/tree"
rm -rf "$tree" "$dir/disk.raw"
log="$dir/build.log"
echo "   debootstrap bookworm from $mirror: ${packages[*]}"
t0=$SECONDS
list=$(IFS=,; echo "${packages[*]}")
debootstrap --variant=minbase --include="$list" bookworm "$tree" "$mirror" >"$log" 2>&1 || {
  tail -n 20 "$log" >&2
  echo "image.sh: debootstrap failed; its log: $log" >&2
  exit 1
}
echo "   debootstrap: $((SECONDS - t0)) s"

# --- configuration ------------------------------------------------------------------
echo aalayer-boot >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 aalayer-boot\n' >"$tree/etc/hosts"
# Root is /dev/vda, mounted read-write by the kernel (root=/dev/vda rw).
printf '/dev/vda / ext4 defaults 0 1\n' >"$tree/etc/fstab"
# A machine id of its own: an empty one would make every boot a first boot
# (ConditionFirstBoot units, systemd-firstboot's prompts on the console).
chroot "$tree" systemd-machine-id-setup >>"$log" 2>&1

# alice logs in on the console (the session polkit's allow_active is about);
# bob never has a session.
chroot "$tree" useradd --create-home --uid 1000 --shell /bin/bash alice
chroot "$tree" useradd --create-home --uid 1001 --shell /bin/bash bob

# Autologin of alice on tty1: a local session on seat0, active (its VT is
# the foreground one), as on a desktop.
mkdir -p "$tree/etc/systemd/system/getty@tty1.service.d"
cat >"$tree/etc/systemd/system/getty@tty1.service.d/autologin.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin alice --noclear %I $TERM
UNIT

# The test's runner: the test itself comes on the second disk (/dev/vdb, a
# tar archive) in each run, so the image does not change with the checkout.
# It starts after aalayerd (once installed and enabled: After= does not pull
# it in) and before the console login, so that after the reboot it sees the
# system as it is before anybody logs in: the console login waits until the
# test says it may go ahead (Type=notify; systemd-notify --ready in guest.sh).
# The archive is unpacked first (ExecStartPre=).
# Scripts run with sh: /run is mounted noexec. If the test ends in an error,
# the guest powers off rather than wait for the host's timeout.
cat >"$tree/etc/systemd/system/aalayer-boot-test.service" <<'UNIT'
[Unit]
Description=aalayer booted-system test (tests/boot)
Requires=dev-vdb.device
After=dev-vdb.device aalayerd.service apparmor.service dbus.service polkit.service systemd-logind.service
Before=getty@tty1.service
FailureAction=poweroff-force

[Service]
Type=notify
NotifyAccess=all
TimeoutStartSec=5min
ExecStartPre=/bin/rm -rf /run/aalayer-boot-test
ExecStartPre=/bin/mkdir -m 0755 /run/aalayer-boot-test
ExecStartPre=/bin/tar -x -f /dev/vdb -C /run/aalayer-boot-test
ExecStart=/bin/sh /run/aalayer-boot-test/guest.sh
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
UNIT
chroot "$tree" systemctl enable aalayer-boot-test.service >>"$log" 2>&1
# alice's login shell becomes the test's agent for commands run in her
# session (guest.sh hands them over in /run/aalayer-boot-test/alice).
cat >"$tree/etc/profile.d/aalayer-boot-test.sh" <<'SH'
if [ "$(id -un)" = alice ] && [ -f /run/aalayer-boot-test/agent.sh ]; then
  exec sh /run/aalayer-boot-test/agent.sh
fi
SH
# Nothing the test does not need runs at boot or on a timer. The journal stays
# in memory (each boot's is all the test prints): no flush to /var/log.
mkdir -p "$tree/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$tree/etc/systemd/journald.conf.d/aalayer-boot.conf"
# auditd too: the test starts it for its auditd step (guest.sh), so that
# everything else sees the system without it, as most desktops are.
for u in auditd.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer systemd-timesyncd.service; do
  chroot "$tree" systemctl disable "$u" >>"$log" 2>&1 || true
done
# The initramfs needs only the virtio disk and ext4 (MODULES=most, the
# default, makes it four times the size and the boot slower).
printf 'MODULES=list\n' >"$tree/etc/initramfs-tools/conf.d/aalayer-boot"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$tree/etc/initramfs-tools/modules"
chroot "$tree" update-initramfs -u -k all >>"$log" 2>&1
# The kernel and initramfs qemu boots (-kernel, -initrd).
vmlinuz=("$tree"/boot/vmlinuz-*)
initrd=("$tree"/boot/initrd.img-*)
cp "${vmlinuz[0]}" "$dir/vmlinuz"
cp "${initrd[0]}" "$dir/initrd.img"
basename "${vmlinuz[0]}" >"$dir/kernel-version"
rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*

# --- the disk -----------------------------------------------------------------------
# mkfs.ext4 -d fills the file system from the tree: no loop device, no mount.
t0=$SECONDS
mkfs.ext4 -q -F -L root -d "$tree" "$dir/disk.raw" 3G >>"$log" 2>&1 || {
  tail -n 5 "$log" >&2
  exit 1
}
rm -rf "$tree"
echo "   disk image: $((SECONDS - t0)) s"
echo "$key" >"$dir/.complete"
