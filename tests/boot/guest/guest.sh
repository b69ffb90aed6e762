#!/bin/sh
# The booted-system test inside the guest (tests/boot/boot_test.sh makes the
# image and boots it). aalayer-boot-test.service runs this as root at every
# boot, after aalayerd.service (once it is installed and enabled) and before
# the console login; the test's files are in /run/aalayer-boot-test (the
# second disk). Phase 1, on the first boot: the packages installed with dpkg,
# a base and a grant, alice's layer from her console session and her denial
# read from the journal, bob without a session, bus activation, the package
# installed again over itself, auditd started and her denial read from its
# log, then a reboot. Phase 2, after it: the layer back in the kernel before anybody logs
# in, `aalayer run` at once, then purge. The phase survives the reboot in
# /var/lib/aalayer-boot-test.
#
# Results go to the second serial port (/dev/ttyS1), one line each:
#   PHASE N uptime=S          a phase starts (S: seconds since the kernel started)
#   BOOT TEXT                 systemd-analyze's line for this boot
#   STEP NAME start|done S    a step starts, or ends after S seconds
#   CHECK ID ok | CHECK ID FAIL WHY
#   BEGIN NAME ... END NAME   a block of text (systemctl status, the journal)
#   DONE failed=0|1           the last line
set -u
t=/run/aalayer-boot-test
state=/var/lib/aalayer-boot-test
layer=aalayer-boot-demo/bank
child='aalayer-boot-demo//aalayer.1000.bank'
stack='aalayer-boot-demo//&aalayer-boot-demo//aalayer.1000.bank'
mkdir -p "$state"
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=

say() { printf '%s\n' "$*" >&3; }
up() { cut -d' ' -f1 /proc/uptime; }
failed=0
ok() { say "CHECK $1 ok"; }
bad() {
  say "CHECK $1 FAIL $2"
  failed=1
}
oneline() { tr '\n' '|' | cut -c1-800; }
# expect ID RC ERE COMMAND...: COMMAND exits with RC and its output (stdout
# and stderr) has a line matching ERE.
expect() {
  id=$1 want=$2 re=$3
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" = "$want" ] && printf '%s\n' "$out" | grep -Eq -- "$re"; then
    ok "$id"
  else
    bad "$id" "exit $rc (want $want), output '$(printf '%s' "$out" | oneline)' (want /$re/)"
  fi
}
step_start() {
  step=$1
  step_t0=$(up)
  say "STEP $step start"
}
step_end() { say "STEP $step done $(awk -v a="$step_t0" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }')"; }
block() { # block NAME COMMAND...: COMMAND's output between BEGIN NAME and END NAME
  name=$1
  shift
  say "BEGIN $name"
  "$@" >&3 2>&1
  say "END $name"
}

# alice's commands run in her console session (agent.sh, her login shell).
mkdir -p "$t/alice"
chown alice: "$t/alice"
chmod 0700 "$t/alice"
alice_up=0
wait_alice() {
  i=0
  while [ ! -f "$t/alice/session" ]; do
    i=$((i + 1))
    if [ $i -gt 1200 ]; then
      bad alice-session "alice's console login did not start her shell in 120 s"
      return 1
    fi
    sleep 0.1
  done
  alice_up=1
}
as_alice() { # as_alice 'SHELL COMMAND'
  [ "$alice_up" = 1 ] || {
    echo "alice has no session"
    return 98
  }
  # The counter is in a file: callers run this in command substitutions.
  seq=$(($(cat "$t/seq" 2>/dev/null || echo 0) + 1))
  echo "$seq" >"$t/seq"
  f=$t/alice/$seq
  printf '%s\n' "$1" >"$f.tmp" && mv "$f.tmp" "$f.cmd"
  i=0
  while [ ! -f "$f.rc" ]; do
    i=$((i + 1))
    if [ $i -gt 1200 ]; then
      echo "alice's session did not answer in 120 s"
      return 99
    fi
    sleep 0.1
  done
  cat "$f.out"
  return "$(cat "$f.rc")"
}
# bob: runuser's PAM stack has no pam_systemd, so no logind session.
as_bob() { runuser -u bob -- sh -c "$1"; }
as_alice_nosession() { runuser -u alice -- sh -c "$1"; }

kernel_has() { grep -Fx "$1 (enforce)" /sys/kernel/security/apparmor/profiles; }
# How a mount point looks from inside a process's mount namespace: "ro" or
# "rw" (the last mount on it wins).
mount_mode() { awk -v m="$2" '$5 == m { split($6, o, ","); r = o[1] } END { print r }' "/proc/$1/mountinfo"; }
# This boot's times, when it has finished (the console login is part of it).
boot_line() {
  systemctl is-system-running --wait >/dev/null 2>&1
  say "BOOT $(systemd-analyze 2>&1 | head -n 1)"
  [ "$(systemctl is-system-running)" = running ] || bad no-failed-units "$(systemctl --failed --no-legend | oneline)"
}
# What the layer lets a program do, run with `aalayer run` in alice's session:
# the stack on the process, the layer's allow-list inside the grant, its deny
# rule outside it, the base elsewhere.
run_checks() { # run_checks PREFIX
  p=$1
  expect "$p-label" 0 "^$stack \\(enforce\\)\$" \
    as_alice "aalayer run $layer -- sh -c 'cat /proc/\$\$/attr/current'"
  expect "$p-allowed" 0 '^statement$' as_alice "aalayer run $layer -- cat /home/alice/docs/bank/statement"
  expect "$p-denied-in-grant" 1 'Permission denied' as_alice "aalayer run $layer -- cat /home/alice/docs/letters/letter"
  expect "$p-denied-by-deny-rule" 1 'Permission denied' as_alice "aalayer run $layer -- cat /srv/aalayer-boot/private/key"
  expect "$p-base-allows" 0 '^public$' as_alice "aalayer run $layer -- cat /srv/aalayer-boot/pub"
}
finish() {
  if [ "$failed" != 0 ]; then
    # What made the boot slow, if a timeout was near (takes seconds under TCG).
    say "INFO slowest units: $(systemd-analyze blame --no-pager 2>/dev/null | head -n 6 | awk '{ printf "%s %s, ", $NF, $1 }')"
    block journal-aalayerd journalctl -b --no-pager -o short-monotonic -u aalayerd.service
    block journal-bus journalctl -b --no-pager -o short-monotonic -u dbus.service -u polkit.service -u apparmor.service -u getty@tty1.service
  fi
}

phase=$(cat "$state/phase" 2>/dev/null || echo 1)
say "PHASE $phase uptime=$(up)"

if [ "$phase" = 1 ]; then
  # The console login may go ahead (the unit is Type=notify, before getty@tty1).
  systemd-notify --ready
  step_start boot
  expect apparmor-service 0 '^active$' systemctl is-active apparmor.service
  expect apparmor-enabled 0 '^Yes$' aa-enabled
  say "INFO $(wc -l </sys/kernel/security/apparmor/profiles) profiles in the kernel after boot"
  step_end

  step_start install
  expect dpkg-install 0 'Setting up aalayerd' dpkg -i "$t"/debs/aalayer_*.deb "$t"/debs/aalayerd_*.deb
  expect unit-enabled 0 '^enabled$' systemctl is-enabled aalayerd.service
  expect unit-active 0 '^active$' systemctl is-active aalayerd.service
  pid=$(systemctl show -p MainPID --value aalayerd.service)
  # The unit's sandbox, as the kernel sees the running service: CAP_MAC_ADMIN
  # (bit 33) alone, no new privileges, a seccomp filter.
  expect sandbox-caps 0 '^CapEff:[[:space:]]+0000000200000000$' grep '^CapEff:' "/proc/$pid/status"
  expect sandbox-bounding 0 '^CapBnd:[[:space:]]+0000000200000000$' grep '^CapBnd:' "/proc/$pid/status"
  expect sandbox-nnp 0 '^NoNewPrivs:[[:space:]]+1$' grep '^NoNewPrivs:' "/proc/$pid/status"
  expect sandbox-seccomp 0 '^Seccomp:[[:space:]]+2$' grep '^Seccomp:' "/proc/$pid/status"
  # Its view of the file system: read-only but for its state, its cache and
  # securityfs' apparmor directory (ProtectSystem=strict, which also covers
  # /home and /usr here, one file system; ProtectKernelTunables= with
  # /sys/kernel/security/apparmor re-opened).
  for m in /:ro /sys:ro /sys/kernel/security/apparmor:rw /var/lib/aalayer:rw /var/cache/aalayer:rw; do
    expect "sandbox-mount-${m%:*}" 0 "^${m#*:}\$" mount_mode "$pid" "${m%:*}"
  done
  expect backend 0 '"apparmor"' busctl get-property org.aalayer.Manager1 /org/aalayer/Manager1 org.aalayer.Manager1 Backend
  step_end

  # The admin's part: a base profile (loaded now; apparmor.service loads it at
  # the next boot), a grant for it (the service sees it by inotify), files.
  step_start admin
  cp "$t/aalayer-boot-demo" /etc/apparmor.d/
  expect base-load 0 '' apparmor_parser -r /etc/apparmor.d/aalayer-boot-demo
  cp "$t/boot.conf" /etc/aalayer/grants.d/
  mkdir -p /srv/aalayer-boot/private /home/alice/docs/bank /home/alice/docs/letters
  echo public >/srv/aalayer-boot/pub
  echo key >/srv/aalayer-boot/private/key
  echo statement >/home/alice/docs/bank/statement
  echo letter >/home/alice/docs/letters/letter
  chown -R alice: /home/alice/docs
  step_end

  step_start user
  if wait_alice; then
    sid=$(cat "$t/alice/session")
    expect session-active 0 '^Active=yes$' loginctl show-session "$sid" -p Active
    expect session-local 0 '^Remote=no$' loginctl show-session "$sid" -p Remote
    expect session-seat 0 '^Seat=seat0$' loginctl show-session "$sid" -p Seat
    say "INFO alice's session: $(loginctl show-session "$sid" -p Name -p TTY -p Seat -p Type -p Class -p Active -p Remote | oneline)"
  fi
  # The grant reaches the service by inotify (debounced): wait for it.
  i=0
  until as_alice 'aalayer grants' 2>/dev/null | grep -q 'aalayer-boot-demo'; do
    i=$((i + 1))
    [ $i -gt 50 ] && break
    sleep 0.2
  done
  expect grants 0 '^  owner /home/alice/docs/\*\* rw,$' as_alice 'aalayer grants'
  expect apply 0 "^applied $layer\$" as_alice "aalayer apply bank $t/bank.layer --base aalayer-boot-demo"
  expect list 0 "^${layer}[[:space:]]+active[[:space:]]+enforce\$" as_alice 'aalayer list'
  expect kernel-child 0 . kernel_has "$child"
  run_checks run
  # Without the layer alice reads her letters: the denial above is the layer's.
  expect no-layer-reads 0 '^letter$' as_alice 'cat /home/alice/docs/letters/letter'
  # The kernel's record of that denial reaches her through the service (from
  # the journal, under the shipped unit); it may take a moment to arrive.
  i=0
  until as_alice "aalayer log $layer" 2>/dev/null | grep -q 'DENIED.*/home/alice/docs/letters/letter'; do
    i=$((i + 1))
    [ $i -gt 20 ] && break
    sleep 0.5
  done
  expect denial-logged 0 'DENIED +open +/home/alice/docs/letters/letter ' as_alice "aalayer log $layer"
  # auditd is installed but not running (image.sh disables it): the service
  # reads the journal.
  expect auditd-not-running 3 '^inactive$' systemctl is-active auditd.service
  expect denial-source-journal 0 '^s "journal"$' busctl get-property org.aalayer.Manager1 /org/aalayer/Manager1 org.aalayer.Manager1 DenialSource
  step_end

  # bob has no session: polkit's allow_any (auth_self_keep) applies, and with
  # no authentication agent the service refuses (exit 3).
  step_start no-session
  expect bob-no-session 0 'aalayer-boot-test\.service' as_bob 'cat /proc/self/cgroup'
  expect bob-grants 0 '^  owner /home/bob/docs/\*\* rw,$' as_bob 'aalayer grants'
  expect bob-apply-refused 3 'authentication is required' as_bob "aalayer apply bank $t/bank.layer --base aalayer-boot-demo"
  say "INFO bob's apply: $(printf '%s' "$out" | oneline)"
  step_end

  block status systemctl status aalayerd.service --no-pager --full --lines=10

  # Bus activation: with the service stopped, a client's call starts it.
  step_start activation
  systemctl stop aalayerd.service
  expect stopped 3 '^inactive$' systemctl is-active aalayerd.service
  expect activation-call 0 "^${layer}[[:space:]]+active" as_alice 'aalayer list'
  # The call is answered once the service has its name; READY may come a
  # moment later.
  i=0
  while [ "$(systemctl is-active aalayerd.service)" = activating ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  expect activated 0 '^active$' systemctl is-active aalayerd.service
  expect activated-by-bus 0 "Activating via systemd: service name='org.aalayer.Manager1' unit='aalayerd.service'" \
    journalctl -b --no-pager -u dbus.service
  step_end

  # The package installed again over itself: restarted, every layer kept.
  step_start upgrade
  pid0=$(systemctl show -p MainPID --value aalayerd.service)
  files0=$(find /var/lib/aalayer -type f | sort)
  expect reinstall 0 'Setting up aalayerd' dpkg -i "$t"/debs/aalayer_*.deb "$t"/debs/aalayerd_*.deb
  expect reinstall-active 0 '^active$' systemctl is-active aalayerd.service
  pid1=$(systemctl show -p MainPID --value aalayerd.service)
  if [ "$pid0" != "$pid1" ]; then ok reinstall-restarted; else bad reinstall-restarted "MainPID still $pid0"; fi
  files1=$(find /var/lib/aalayer -type f | sort)
  if [ "$files0" = "$files1" ]; then ok reinstall-state-kept; else
    bad reinstall-state-kept "before: $(echo "$files0" | oneline) after: $(echo "$files1" | oneline)"
  fi
  expect reinstall-list 0 "^${layer}[[:space:]]+active[[:space:]]+enforce\$" as_alice 'aalayer list'
  expect reinstall-kernel-child 0 . kernel_has "$child"
  run_checks reinstall-run
  step_end

  # With auditd running the kernel's records go to auditd, not to the kernel
  # log: the service, restarted, reads auditd's log (under the unit's
  # sandbox), and alice's next denial reaches her from there.
  step_start auditd
  expect auditd-start 0 '' systemctl start auditd.service
  expect auditd-active 0 '^active$' systemctl is-active auditd.service
  expect auditd-restart-service 0 '' systemctl restart aalayerd.service
  expect denial-source-audit-log 0 '^s "audit-log"$' busctl get-property org.aalayer.Manager1 /org/aalayer/Manager1 org.aalayer.Manager1 DenialSource
  pid=$(systemctl show -p MainPID --value aalayerd.service)
  expect auditd-start-line 0 'denials from audit-log$' journalctl -b --no-pager -o cat _PID="$pid"
  expect auditd-denied 1 'Permission denied' as_alice "aalayer run $layer -- cat /home/alice/docs/letters/letter"
  denied_at=$(up)
  # The record is in auditd's log, and not in the kernel log.
  i=0
  until grep -q 'apparmor="DENIED".*name="/home/alice/docs/letters/letter"' /var/log/audit/audit.log; do
    i=$((i + 1))
    [ $i -gt 50 ] && break
    sleep 0.1
  done
  expect auditd-record 0 '^type=AVC .*apparmor="DENIED" operation="open" .*name="/home/alice/docs/letters/letter"' \
    grep -F /home/alice/docs/letters/letter /var/log/audit/audit.log
  say "INFO auditd's record: $(grep -F /home/alice/docs/letters/letter /var/log/audit/audit.log | tail -n 1 | tr -c '[:print:]' ' ' | cut -c1-400)"
  i=0
  until as_alice "aalayer log $layer" 2>/dev/null | grep -q 'DENIED.*/home/alice/docs/letters/letter'; do
    i=$((i + 1))
    [ $i -gt 50 ] && break
    sleep 0.1
  done
  say "INFO the denial in alice's aalayer log (audit-log source) $(awk -v a="$denied_at" -v b="$(up)" 'BEGIN { printf "%.1f", b - a }') s after the denied run returned"
  expect auditd-denial-logged 0 'DENIED +open +/home/alice/docs/letters/letter ' as_alice "aalayer log $layer"
  step_end
  boot_line

  finish
  echo 2 >"$state/phase"
  echo "$failed" >"$state/failed"
  sync
  say "STEP reboot start"
  systemctl reboot
  exit 0
fi

# Phase 2, after the reboot. The console login waits for this unit to be
# ready (Type=notify, Before=getty@tty1.service): nobody is logged in yet.
failed=$(cat "$state/failed" 2>/dev/null || echo 1)
say "STEP reboot done"
step_start before-login
expect no-session-yet 0 '^$' loginctl list-sessions --no-legend
expect boot-aalayerd-active 0 '^active$' systemctl is-active aalayerd.service
expect boot-base 0 . kernel_has aalayer-boot-demo
expect boot-child 0 . kernel_has "$child"
expect boot-run 0 '^statement$' as_alice_nosession "aalayer run $layer -- cat /home/alice/docs/bank/statement"
# auditd is disabled: after the reboot the service reads the journal again.
expect boot-denial-source 0 '^s "journal"$' busctl get-property org.aalayer.Manager1 /org/aalayer/Manager1 org.aalayer.Manager1 DenialSource
say "INFO aalayerd ready at $(systemctl show -p ActiveEnterTimestampMonotonic --value aalayerd.service | awk '{ printf "%.1f", $1 / 1e6 }') s after the kernel started"
step_end
systemd-notify --ready

step_start after-login
if wait_alice; then
  run_checks boot-run
fi
boot_line
step_end

step_start purge
expect purge 0 'Purging configuration files for aalayerd' dpkg --purge aalayer aalayerd
expect purge-state 0 '^gone$' sh -c '[ ! -e /var/lib/aalayer ] && [ ! -e /var/cache/aalayer ] && echo gone'
expect purge-stopped 3 '^inactive$' systemctl is-active aalayerd.service
expect purge-admin-grant-kept 0 '^kept$' sh -c 'test -f /etc/aalayer/grants.d/boot.conf && echo kept'
step_end

finish
say "DONE failed=$failed"
systemctl poweroff
