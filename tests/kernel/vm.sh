#!/usr/bin/env bash
# vm.sh: run file-access checks under AppArmor profile stacks in a real Debian kernel under qemu.
#
#   vm.sh --cache DIR --profiles DIR --checks FILE [--timeout S] [--log FILE] [--accel auto|tcg|kvm]
#         [--extra FILE]...     (each FILE copied into the guest as /extra/NAME, mode kept)
#         [--bin PATH]...       (a dynamic executable: copied, without debug symbols, to
#                                /usr/local/bin/NAME, first on the guest's PATH, with the
#                                libraries `ldd` lists at their own paths)
#
# What it does
#   1. Once per cache DIR (reused when present, under a lock): `apt-get download` the Debian kernel
#      package (default: what linux-image-cloud-amd64 depends on; override with
#      AALAYER_KERNEL_PKG=linux-image-6.1.0-NN-cloud-amd64), `dpkg -x` it and keep DIR/vmlinuz and
#      DIR/kernel-package. Also builds DIR/aaprobe (tests/kernel/aaprobe.c, `cc -static`), the
#      helper that performs each operation inside the guest and reports its errno.
#   2. Builds an initramfs (cpio newc, gzip): busybox-static, the host's apparmor_parser and aa-exec
#      with exactly the libraries `ldd` lists (same paths, plus the dynamic loader), the host's
#      /etc/apparmor.d/{abi,tunables,abstractions}, every regular file of --profiles DIR (not
#      dotfiles, not *~) as /profiles/NAME, the checks file, aaprobe and /init; the --extra files
#      and --bin programs. /etc/passwd and /etc/group hold root only (add users with SH);
#      /etc/nsswitch.conf says `files`.
#   3. Boots `qemu-system-x86_64 -m 1536 -nodefaults -display none -no-reboot` with the serial console
#      to a log file. At boot /init mounts proc, sys, devtmpfs, tmpfs (/tmp), securityfs
#      (/sys/kernel/security), loads every /profiles file with `apparmor_parser -r` in file-name
#      order (a file that fails is retried once after all others, so a child file may sort before
#      its parent), runs the checks file top to bottom, prints result lines and does `poweroff -f`.
#   4. Prints on stdout only the protocol lines below. The full serial console is kept in
#      DIR/last-console.log (and in --log FILE when given); it ends with the guest's AppArmor
#      kernel messages (audit DENIED lines), for diagnosis.
#
# Accelerator: --accel auto (default; env AALAYER_VM_ACCEL) tries KVM once with a short timeout when
# /dev/kvm is usable and remembers the verdict in DIR/kvm-status (ok|hangs); otherwise, and after a
# KVM hang, TCG. --accel tcg / kvm force one.
#
# Checks file: one directive per line, fields separated by blanks; blank lines and lines starting
# with '#' are ignored. Directives run in order, so setup and kernel-policy changes may appear
# between checks.
#   ID LABEL OP PATH          a check, run in a new process. ID: any word that is not a keyword
#                             below. LABEL: what `aa-exec -p` takes (a profile, or a stack
#                             'A//&A//child'), or '-' for unconfined, or @NAME for the running
#                             process started by `BG NAME` (see below). OP is one of
#                               read    open O_RDONLY + read (a directory is listed)
#                               write   open O_WRONLY|O_CREAT|O_TRUNC + write
#                               append  open O_WRONLY|O_CREAT|O_APPEND + write (O_CREAT: AppArmor
#                                       asks for create, which only w grants, as well as a)
#                               appendx open O_WRONLY|O_APPEND, no O_CREAT, no write (AppArmor: a;
#                                       a write(2) on such a file is checked as a write: w)
#                               exec    fork + execve PATH without arguments; exit 0 expected
#                                       (make PATH with EXE)
#                               mkdir   mkdir PATH
#                               lock    open O_RDONLY + flock LOCK_SH (AppArmor: r + k)
#                               wlock   open O_WRONLY + flock LOCK_EX (AppArmor: w + k)
#                               unlink  unlink PATH
#                               label   the process's label (PATH ignored, write '-'), read by
#                                       init from /proc/PID/attr/current
#                               execlabel  execve PATH (an EXE) and report the label the new
#                                       program runs under (exec transitions, ix inheritance)
#                             (label and execlabel run through a temporary BG server.)
#                             LABEL may also be +WRAPPER: an executable in the guest (e.g. an
#                             --extra script) that confines and then execs its arguments, as
#                             `aalayer run BASE/NAME -- "$@"` does; it runs as the AS uid.
#                             The process runs as the current AS uid:
#                             [aaprobe --as UID:GID] aa-exec -p LABEL -- aaprobe OP PATH
#                             [aaprobe --as UID:GID] WRAPPER /aaprobe OP PATH   (LABEL +WRAPPER)
#   BG NAME LABEL             start a long-running `aaprobe serve` under LABEL (as the current AS
#                             uid) that performs later `ID @NAME OP PATH` checks itself, in the
#                             same process: for "a running process sees the replaced profile".
#                             NAME: letters, digits, _. At most 20 BG processes. LABEL may be
#                             +WRAPPER as above: `WRAPPER /aaprobe serve`.
#   STOP NAME                 end the BG process NAME (its input is closed, so it exits) and wait
#                             up to 10 s until its pid is gone from /proc. Later checks on @NAME
#                             report an error.
#   FILE PATH [OWNER [MODE [CONTENT...]]]
#                             create/overwrite a regular file as root, unconfined. OWNER is
#                             UID[:GID] numeric or '-' (root, the default); MODE octal, default
#                             0666; CONTENT is the rest of the line (blanks collapsed) plus a
#                             newline; empty file when absent. Parent directories are created
#                             (mode 0777, root). Ownership matters for AppArmor `owner` rules:
#                             `FILE /data/mine 1000` makes a file owned by uid 1000.
#   DIR PATH [OWNER [MODE]]   mkdir -p as root; then chown/chmod (default mode 0777).
#   EXE PATH [OWNER [MODE]]   an executable target for `exec` checks (a copy of aaprobe that
#                             exits 0 when run under another name; no interpreter, no libraries).
#                             Default mode 0755.
#   SH COMMAND...             run `sh -c COMMAND...` as root, unconfined (symlinks, odd setups;
#                             a daemon started here must not keep stdout/stderr: redirect them).
#   RUN ID COMMAND...         the same, reported as `RESULT ID rc=N OUTPUT` (one line): for tools
#                             copied in with --extra.
#   AS UID[:GID]              run the following checks as this uid (gid defaults to uid; 0 = root).
#                             Supplementary groups are dropped.
#   LOAD FILE                 apparmor_parser -a FILE   (FILE: host path, relative to the checks
#   REPLACE FILE              apparmor_parser -r FILE    file's directory unless absolute; copied
#                                                        into the initramfs)
#   REMOVE NAME               write NAME to /sys/kernel/security/apparmor/.remove (e.g. demo//child)
# The default mode of FILE and DIR is world-writable so that DAC never decides a check: any
# EACCES/EPERM is reported as `denied`, whoever caused it. Choose modes deliberately otherwise.
#
# Output lines (stdout; everything else from the guest goes only to the console log):
#   BOOT ok apparmor=Y|N lsm=LIST kernel=RELEASE     first line when the guest came up
#   PROFILE NAME ok | PROFILE NAME failed MESSAGE    one per --profiles file loaded at boot
#   STEP LINENO KEYWORD [ARG] ok | ... failed MESSAGE  for LOAD, REPLACE, REMOVE, SH, BG, STOP
#                                    (ARG: the file's base name for LOAD/REPLACE, the NAME for
#                                    BG and STOP)
#   RESULT ID allowed
#   RESULT ID denied STEP ERRNO      the operation failed with EACCES/EPERM (STEP: open, flock, ...)
#   RESULT ID label TEXT             for label/execlabel: /proc/PID/attr/current, e.g.
#                                    "demo//&demo//child (enforce)" or "unconfined"
#   RESULT ID error DETAIL           anything else (missing file, aa-exec failure, bad exit, ...)
#   DONE CHECKS uptime=SECONDS       last line when the guest finished
#   VMERROR MESSAGE                  internal failure (download, build, boot, timeout, bad line)
# Exit status: 0 when the guest printed DONE and nothing printed VMERROR, 1 otherwise, 2 on usage.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="" profiles="" checks="" timeout_s=120 logcopy="" accel=${AALAYER_VM_ACCEL:-auto}
extras=() bins=()

usage() {
  sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) cache=${2:-}; shift 2 ;;
    --profiles) profiles=${2:-}; shift 2 ;;
    --checks) checks=${2:-}; shift 2 ;;
    --timeout) timeout_s=${2:-}; shift 2 ;;
    --log) logcopy=${2:-}; shift 2 ;;
    --accel) accel=${2:-}; shift 2 ;;
    --extra) extras+=("${2:-}"); shift 2 ;;
    --bin) bins+=("${2:-}"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "vm.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$cache" ] && [ -n "$profiles" ] && [ -n "$checks" ] || usage

vmerror() {
  echo "VMERROR $*"
  echo "vm.sh: $*" >&2
}
die() {
  vmerror "$@"
  exit 1
}

[ -d "$profiles" ] || die "profiles directory not found: $profiles"
[ -f "$checks" ] || die "checks file not found: $checks"
case "$timeout_s" in ''|*[!0-9]*) die "bad --timeout: $timeout_s" ;; esac
case "$accel" in auto|tcg|kvm) ;; *) die "bad --accel: $accel" ;; esac
for tool in qemu-system-x86_64 cpio gzip apt-get dpkg flock; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (scripts/install-deps.sh installs it)"
done
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
  if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || die "missing static busybox (package busybox-static)"
parser=$(command -v apparmor_parser || echo /usr/sbin/apparmor_parser)
aaexec=$(command -v aa-exec || echo /usr/bin/aa-exec)
[ -x "$parser" ] || die "missing apparmor_parser (package apparmor)"
[ -x "$aaexec" ] || die "missing aa-exec (package apparmor)"

mkdir -p "$cache" || die "cannot create cache directory $cache"
cache=$(cd "$cache" && pwd)
profiles=$(cd "$profiles" && pwd)
checks_dir=$(cd "$(dirname "$checks")" && pwd)
checks="$checks_dir/$(basename "$checks")"

# --- cached kernel and helper (under a lock: parallel runs share the cache) ------------------------
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$cache/vmlinuz" ]; then
  pkg=${AALAYER_KERNEL_PKG:-}
  if [ -z "$pkg" ]; then
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
      awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
  fi
  [ -n "$pkg" ] || die "cannot resolve the kernel package (apt-cache depends linux-image-cloud-amd64; run apt-get update?)"
  dl="$cache/download"
  rm -rf "$dl" && mkdir -p "$dl"
  echo "vm.sh: downloading $pkg" >&2
  (cd "$dl" && apt-get download "$pkg") >"$dl/apt.log" 2>&1 ||
    die "apt-get download $pkg failed: $(tail -n 1 "$dl/apt.log")"
  deb=$(ls "$dl"/*.deb 2>/dev/null | head -n 1)
  [ -n "$deb" ] || die "apt-get download $pkg produced no .deb"
  dpkg -x "$deb" "$dl/x" || die "dpkg -x $deb failed"
  vmlinuz=$(ls "$dl"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
  [ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $deb"
  config=$(ls "$dl"/x/boot/config-* 2>/dev/null | head -n 1)
  if [ -n "$config" ] && ! grep -q '^CONFIG_SECURITY_APPARMOR=y' "$config"; then
    die "$pkg is not built with CONFIG_SECURITY_APPARMOR=y"
  fi
  [ -n "$config" ] && cp "$config" "$cache/kernel-config"
  cp "$vmlinuz" "$cache/vmlinuz.tmp" && mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
  echo "$(basename "$deb")" >"$cache/kernel-package"
  rm -rf "$dl"
fi
probe_src="$here/aaprobe.c"
probe_sum=$(sha256sum "$probe_src" | cut -d' ' -f1)
if [ ! -x "$cache/aaprobe" ] || [ "$(cat "$cache/aaprobe.sha256" 2>/dev/null)" != "$probe_sum" ]; then
  cc=${CC:-cc}
  "$cc" -static -O2 -o "$cache/aaprobe.tmp" "$probe_src" 2>"$cache/aaprobe.log" ||
    die "cannot build aaprobe with $cc -static: $(head -n 3 "$cache/aaprobe.log" | tr '\n' ' ')"
  mv "$cache/aaprobe.tmp" "$cache/aaprobe"
  echo "$probe_sum" >"$cache/aaprobe.sha256"
fi
flock -u 9

# --- initramfs ---------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/aalayer-vm.XXXXXX") || die "mktemp failed"
qpid=""
cleanup() {
  [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc/apparmor.d,profiles,steps} ||
  die "cannot create $root"
cp "$busybox" "$root/bin/busybox" || die "cannot copy busybox"
ln -s busybox "$root/bin/sh"
cp "$cache/aaprobe" "$root/aaprobe"
mkdir -p "$root/extra"
for x in "${extras[@]}"; do
  cp "$x" "$root/extra/" || die "cannot copy extra file $x"
done
copy_libs() { # exactly what ldd lists for a host binary, to the same paths
  local bin=$1 lib
  for lib in $(ldd "$bin" 2>/dev/null | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }'); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
  done
}
copy_binary() { # copy a host binary to the same path, and its libraries
  local bin=$1
  mkdir -p "$root$(dirname "$bin")" && cp -L "$bin" "$root$bin" || return 1
  copy_libs "$bin"
}
copy_binary "$parser" || die "cannot copy $parser and its libraries"
copy_binary "$aaexec" || die "cannot copy $aaexec and its libraries"
mkdir -p "$root/usr/local/bin"
for b in "${bins[@]}"; do
  [ -f "$b" ] && [ -x "$b" ] || die "--bin $b: not an executable file"
  dst="$root/usr/local/bin/$(basename "$b")"
  # Debug builds of the project's programs are tens of MB; the guest needs no symbols.
  if ! objcopy --strip-debug "$b" "$dst" 2>/dev/null; then
    cp -L "$b" "$dst" || die "cannot copy $b"
  fi
  chmod 755 "$dst"
  copy_libs "$b" || die "cannot copy the libraries of $b"
done
[ "$parser" = /usr/sbin/apparmor_parser ] || ln -sf "$parser" "$root/usr/sbin/apparmor_parser"
[ "$aaexec" = /usr/bin/aa-exec ] || ln -sf "$aaexec" "$root/usr/bin/aa-exec"
for d in abi tunables abstractions; do
  [ -d "/etc/apparmor.d/$d" ] && cp -a "/etc/apparmor.d/$d" "$root/etc/apparmor.d/"
done
printf 'root:x:0:0:root:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\n' >"$root/etc/nsswitch.conf"
mkdir -p "$root/etc/apparmor" && : >"$root/etc/apparmor/parser.conf"

nprof=0
for f in "$profiles"/*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in .*|*~) continue ;; esac
  cp "$f" "$root/profiles/" || die "cannot copy profile $f"
  nprof=$((nprof + 1))
done

# Copy the checks file, rewriting LOAD/REPLACE paths to their copies in /steps.
lineno=0
: >"$root/checks"
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  read -r kw arg rest <<<"$line"
  case "$kw" in
    LOAD|REPLACE)
      [ -n "$arg" ] || die "checks line $lineno: $kw needs a file"
      case "$arg" in /*) src=$arg ;; *) src="$checks_dir/$arg" ;; esac
      [ -f "$src" ] || die "checks line $lineno: $kw file not found: $src"
      dst="/steps/$lineno-$(basename "$src")"
      cp "$src" "$root$dst" || die "cannot copy $src"
      line="$kw $dst"
      ;;
  esac
  printf '%s\n' "$line" >>"$root/checks"
done <"$checks"

cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t securityfs securityfs /sys/kernel/security
exec </dev/console >/dev/console 2>&1
echo 0 >/proc/sys/kernel/printk_ratelimit 2>/dev/null
umask 0
aafs=/sys/kernel/security/apparmor

one_line() { tr '\n\r' '  ' | sed 's/  */ /g; s/ $//'; }
finish() {
  echo "DONE $nchecks uptime=$(cut -d' ' -f1 /proc/uptime)"
  echo "--- guest apparmor kernel messages ---"
  dmesg | grep -i apparmor | tail -n 200
  sync
  poweroff -f
  sleep 10
}

# A long-running `aaprobe serve` under LABEL as $uid, talking through fds FIN/FOUT. It talks
# through anonymous pipes (via cat and named fifos outside): AppArmor revalidates inherited files
# at exec, and a named fifo would have to be allowed by the profile under test.
bg_start() {
  local name=$1 label=$2 fin=$3 fout=$4 res=""
  rm -f "/run/bg.$name.in" "/run/bg.$name.out"
  mkfifo "/run/bg.$name.in" "/run/bg.$name.out"
  case "$label" in
    -) set -- /aaprobe serve ;;
    +*) set -- "${label#+}" /aaprobe serve ;;
    *) set -- /usr/bin/aa-exec -p "$label" -- /aaprobe serve ;;
  esac
  if [ "$uid" != 0 ] && [ "$uid" != 0:0 ]; then set -- /aaprobe --as "$uid" "$@"; fi
  (cat "/run/bg.$name.in" | "$@" 2>&1 | cat >"/run/bg.$name.out") 3<&- &
  eval "exec $fin>/run/bg.$name.in $fout</run/bg.$name.out"
  eval "bgin_$name=$fin bgout_$name=$fout bgpid_$name="
  eval "read -r res <&$fout"
  case "$res" in
    "ready "*) eval "bgpid_$name=${res#ready }"; return 0 ;;
  esac
  bgerr="server did not start: ${res:-no output}"
  return 1
}
bg_stop() {
  local fin fout
  eval "fin=\${bgin_$1:-} fout=\${bgout_$1:-}"
  [ -n "$fin" ] && eval "exec $fin>&- $fout<&-"
  eval "bgin_$1= bgout_$1="
}
# Prints the result text of one request to a BG server.
bg_request() {
  local name=$1 op=$2 p=$3 fin fout pid res=""
  eval "fin=\${bgin_$name:-} fout=\${bgout_$name:-} pid=\${bgpid_$name:-}"
  if [ -z "$pid" ]; then echo "error no BG process $name"; return; fi
  if [ "$op" = label ]; then echo "label $(cat "/proc/$pid/attr/current" 2>&1)"; return; fi
  eval "echo \"\$op \$p\" >&$fin" && eval "read -r res <&$fout"
  case "$res" in
    "hold "*)
      echo "label $(cat "/proc/${res#hold }/attr/current" 2>&1)"
      eval "echo release >&$fin"
      ;;
    allowed|denied*|error*|label*) echo "$res" ;;
    *) echo "error BG $name: ${res:-no answer}" ;;
  esac
}

enabled=N
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && [ -d "$aafs" ]; then
  enabled=Y
fi
echo "BOOT ok apparmor=$enabled lsm=$(cat /sys/kernel/security/lsm 2>/dev/null) kernel=$(uname -r)"
nchecks=0
if [ "$enabled" != Y ]; then
  echo "VMERROR apparmor is not enabled in the guest"
  finish
fi

retry=""
for f in /profiles/*; do
  [ -f "$f" ] || continue
  if out=$(apparmor_parser -r "$f" 2>&1); then
    echo "PROFILE ${f#/profiles/} ok"
  else
    retry="$retry $f"
  fi
done
for f in $retry; do
  if out=$(apparmor_parser -r "$f" 2>&1); then
    echo "PROFILE ${f#/profiles/} ok"
  else
    echo "PROFILE ${f#/profiles/} failed $(echo "$out" | one_line)"
    echo "VMERROR boot load of ${f#/profiles/} failed"
  fi
done

uid=0
n=0
nbg=0
# The checks are read from fd 3, not with `done </checks`: for that, busybox ash keeps the saved
# stdin on an fd >= 10 for the whole loop, where the BG pipes go, and closing one of those (STOP)
# broke the loop. Commands run by the checks get /dev/null as stdin and fd 3 closed.
exec 3</checks </dev/null
while IFS= read -r line <&3 || [ -n "$line" ]; do
  n=$((n + 1))
  case "$line" in ''|'#'*) continue ;; esac
  set -f
  set -- $line
  set +f
  [ $# -gt 0 ] || continue
  kw=$1
  case "$kw" in
    FILE)
      p=$2; owner=${3:--}; mode=${4:-0666}
      if [ $# -gt 4 ]; then shift 4; content="$*"; else content=""; fi
      mkdir -p "$(dirname "$p")" &&
        if [ -n "$content" ]; then printf '%s\n' "$content" >"$p"; else : >"$p"; fi &&
        { [ "$owner" = - ] || chown "$owner" "$p"; } && chmod "$mode" "$p" ||
        echo "VMERROR line $n: $line"
      ;;
    DIR)
      p=$2; owner=${3:--}; mode=${4:-0777}
      mkdir -p "$p" && { [ "$owner" = - ] || chown "$owner" "$p"; } && chmod "$mode" "$p" ||
        echo "VMERROR line $n: $line"
      ;;
    EXE)
      p=$2; owner=${3:--}; mode=${4:-0755}
      mkdir -p "$(dirname "$p")" && cp /aaprobe "$p" &&
        { [ "$owner" = - ] || chown "$owner" "$p"; } && chmod "$mode" "$p" ||
        echo "VMERROR line $n: $line"
      ;;
    SH)
      shift
      if out=$(sh -c "$*" 2>&1 3<&-); then echo "STEP $n SH ok"
      else echo "STEP $n SH failed rc=$? $(echo "$out" | one_line)"; fi
      ;;
    RUN)
      id=$2; shift 2
      out=$(sh -c "$*" 2>&1 3<&-); rc=$?
      echo "RESULT $id rc=$rc $(echo "$out" | one_line)"
      ;;
    AS)
      uid=${2:-0}
      ;;
    LOAD|REPLACE)
      flag=-a; [ "$kw" = REPLACE ] && flag=-r
      name=${2#/steps/}; name=${name#*-}
      if out=$(apparmor_parser $flag "$2" 2>&1 3<&-); then echo "STEP $n $kw $name ok"
      else echo "STEP $n $kw $name failed $(echo "$out" | one_line)"; fi
      ;;
    REMOVE)
      if out=$(printf '%s' "$2" 2>&1 >$aafs/.remove); then echo "STEP $n REMOVE $2 ok"
      else echo "STEP $n REMOVE $2 failed $(echo "$out" | one_line)"; fi
      ;;
    BG)
      name=$2; label=${3:-}
      case "$name" in ''|*[!A-Za-z0-9_]*) echo "VMERROR line $n: bad BG name: $line"; continue ;; esac
      [ -n "$label" ] || { echo "VMERROR line $n: BG needs NAME LABEL: $line"; continue; }
      nbg=$((nbg + 1))
      if [ "$nbg" -gt 20 ]; then echo "VMERROR line $n: too many BG processes"; continue; fi
      if bg_start "$name" "$label" $((nbg * 2 + 8)) $((nbg * 2 + 9)); then echo "STEP $n BG $name ok"
      else echo "STEP $n BG $name failed $bgerr"; fi
      ;;
    STOP)
      name=${2:-}; pid=""
      case "$name" in ''|*[!A-Za-z0-9_]*) echo "VMERROR line $n: bad STOP name: $line"; continue ;; esac
      eval "pid=\${bgpid_$name:-}"
      if [ -z "$pid" ]; then echo "STEP $n STOP $name failed no BG process $name"; continue; fi
      # Its input closed, it exits. (A signal from init may be refused: AppArmor mediates
      # signals to confined processes.)
      bg_stop "$name"
      eval "bgpid_$name="
      i=0
      while [ -d "/proc/$pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
      if [ -d "/proc/$pid" ]; then echo "STEP $n STOP $name failed pid $pid still running"
      else echo "STEP $n STOP $name ok"; fi
      ;;
    *)
      if [ $# -ne 4 ]; then
        echo "VMERROR line $n: expected 'ID LABEL OP PATH': $line"
        continue
      fi
      id=$1; label=$2; op=$3; p=$4
      nchecks=$((nchecks + 1))
      case "$label:$op" in
        @*)
          echo "RESULT $id $(bg_request "${label#@}" "$op" "$p")"
          continue
          ;;
        *:label|*:execlabel)
          # Only an unconfined observer may read a confined process's label: use a server.
          if bg_start _tmp "$label" 8 9; then echo "RESULT $id $(bg_request _tmp "$op" "$p")"
          else echo "RESULT $id error $bgerr"; fi
          bg_stop _tmp
          continue
          ;;
      esac
      case "$label" in
        -) set -- /aaprobe "$op" "$p" ;;
        +*) set -- "${label#+}" /aaprobe "$op" "$p" ;;
        *) set -- /usr/bin/aa-exec -p "$label" -- /aaprobe "$op" "$p" ;;
      esac
      if [ "$uid" != 0 ] && [ "$uid" != 0:0 ]; then set -- /aaprobe --as "$uid" "$@"; fi
      out=$("$@" 2>&1 </dev/null 3<&-)
      rc=$?
      out=$(echo "$out" | one_line)
      case "$rc:$out" in
        0:allowed) echo "RESULT $id allowed" ;;
        0:label*) echo "RESULT $id $out" ;;
        2:denied*|3:error*) echo "RESULT $id $out" ;;
        *) echo "RESULT $id error rc=$rc $out" ;;
      esac
      ;;
  esac
done
exec 3<&-
finish
INIT
chmod 755 "$root/init"

initrd="$work/initrd.gz"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$initrd" ||
  die "cannot build the initramfs"

# --- boot ----------------------------------------------------------------------------------------------
console="$work/console.log"
run_qemu() { # $1 accel, $2 timeout; sets qrc
  local a=$1 t=$2
  : >"$console"
  timeout -k 5 "$t" qemu-system-x86_64 -accel "$a" -m 1536 -nodefaults -display none -no-reboot \
    -serial "file:$console" -kernel "$cache/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 apparmor=1 security=apparmor loglevel=1 rdinit=/init" \
    </dev/null >"$work/qemu.out" 2>&1 &
  qpid=$!
  wait "$qpid"
  qrc=$?
  qpid=""
}
kvm_usable() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

start=$(date +%s.%N)
used=tcg
if [ "$accel" = kvm ] || { [ "$accel" = auto ] && kvm_usable && [ "$(cat "$cache/kvm-status" 2>/dev/null)" != hangs ]; }; then
  kt=$timeout_s
  [ "$accel" = auto ] && [ "$(cat "$cache/kvm-status" 2>/dev/null)" != ok ] && kt=10
  run_qemu kvm "$kt"
  if grep -q '^DONE ' "$console"; then
    used=kvm
    [ "$accel" = auto ] && echo ok >"$cache/kvm-status"
  elif [ "$accel" = auto ]; then
    echo "vm.sh: KVM guest did not finish in ${kt}s (rc $qrc); using TCG from now on" >&2
    echo hangs >"$cache/kvm-status"
  else
    used=kvm
  fi
fi
if [ "$used" = tcg ]; then
  run_qemu tcg "$timeout_s"
fi
end=$(date +%s.%N)

tr -d '\r' <"$console" >"$work/console.clean"
cp "$work/console.clean" "$cache/last-console.log" 2>/dev/null
[ -n "$logcopy" ] && cp "$work/console.clean" "$logcopy"
grep -E '^(BOOT|PROFILE|STEP|RESULT|VMERROR|DONE)( |$)' "$work/console.clean"
status=0
grep -q '^VMERROR' "$work/console.clean" && status=1
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
  vmerror "timeout: the guest did not finish within ${timeout_s}s (accel $used); console log: $cache/last-console.log"
  status=1
elif ! grep -q '^BOOT ' "$work/console.clean"; then
  vmerror "the guest did not boot (qemu rc $qrc: $(tail -n 2 "$work/qemu.out" | tr '\n' ' ')); console log: $cache/last-console.log"
  status=1
elif ! grep -q '^DONE ' "$work/console.clean"; then
  vmerror "the guest stopped before finishing (qemu rc $qrc); console log: $cache/last-console.log"
  status=1
fi
echo "vm.sh: $(cat "$cache/kernel-package"), accel $used, $nprof profiles, wall $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s" >&2
exit "$status"
