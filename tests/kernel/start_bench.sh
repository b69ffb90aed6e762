#!/usr/bin/env bash
# start-bench: aalayerd's start with many cached children, in the real Debian kernel under qemu
# (tests/kernel/vm.sh), against apparmor_parser loading the same cached binaries in one process.
# Not a meson test (it takes minutes); run by hand, figures in docs/PERFORMANCE.md.
#
#   start_bench.sh AALAYERD [AALAYERD_BEFORE] [USERS] [DEFAULTS] [RUNS]
#
# The guest gets USERS people (uids 2000..) and DEFAULTS default layers on the base `demo`
# (docs/admin-guide.md, "Default layers"): USERS x DEFAULTS layers. aalayerd starts once with an
# empty binary cache (cold: every child compiled), then RUNS times each of:
#   start    AALAYERD with the warm cache, until it exits (there is no system bus in the guest,
#            so it stops right after start(): the time is start() and the process around it);
#   before   AALAYERD_BEFORE the same way (a build of an earlier commit, e.g. one child per run);
#   files    apparmor_parser -r -B with every cached binary as a file, in one process (each
#            cached entry's binary written to /tmp first, outside the timing);
#   stdin    the same binaries one after another on one apparmor_parser -r -B's stdin (what
#            the batched start does);
#   compile  (once, after the cold start) apparmor_parser -r compiling and loading the same
#            children from their texts in one process: the cold start's reference;
#   empty    AALAYERD with no grants and an empty state directory (so no layers): the process
#            and its start without layers;
# Times from /proc/uptime (10 ms). Prints one line per measure: "NAME s1 s2 ...", and the
# "started with" lines of the daemons' logs.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
daemon=${1:?usage: start_bench.sh AALAYERD [AALAYERD_BEFORE] [USERS] [DEFAULTS] [RUNS]}
before=${2:-}
users=${3:-20} defaults=${4:-10} runs=${5:-3}
cache=${AALAYER_KERNEL_CACHE:-/var/cache/aalayer-tests/kernel}
work=$(mktemp -d "${TMPDIR:-/tmp}/aalayer-start-bench.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/profiles" "$work/extra" "$work/bin"
cat >"$work/profiles/demo" <<'EOF'
abi <abi/3.0>,
include <tunables/global>
profile demo {
  /data/** r,
  /home/** rw,
}
EOF
cat >"$work/extra/demo.conf" <<'EOF'
grant demo {
  @{HOME}/docs/** rw,
}
EOF
cp "$daemon" "$work/bin/aalayerd"
bins=(--bin "$work/bin/aalayerd")
if [ -n "$before" ]; then cp "$before" "$work/bin/aalayerd-before"; bins+=(--bin "$work/bin/aalayerd-before"); fi
cat >"$work/extra/bench" <<EOF
#!/bin/sh
users=$users defaults=$defaults runs=$runs
EOF
cat >>"$work/extra/bench" <<'EOF'
mkdir -p /etc/aalayer/grants.d/demo.defaults /var/lib/aalayer /var/cache/aalayer /tmp/ref
cp /extra/demo.conf /etc/aalayer/grants.d/
i=0
while [ $i -lt $defaults ]; do echo "@{HOME}/docs/d$i/** r," >/etc/aalayer/grants.d/demo.defaults/d$i.layer; i=$((i + 1)); done
u=0
while [ $u -lt $users ]; do echo "b$u:x:$((2000 + u)):$((2000 + u)):b:/home/b$u:/bin/sh" >>/etc/passwd; u=$((u + 1)); done
now() { cut -d' ' -f1 /proc/uptime; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
start() { # $1: the daemon [$2: grants dir $3: state dir]; prints the seconds it ran
  t0=$(now)
  $1 --set backend=apparmor --set profiles_dir=/profiles --set grants_dir=${2:-/etc/aalayer/grants.d} \
    --set state_dir=${3:-/var/lib/aalayer} --set cache_dir=/var/cache/aalayer >>/tmp/bench-$1.log 2>&1
  secs "$t0" "$(now)"
}
# A cache entry's binary: the last of its four length-prefixed fields after the magic line.
binary_of() {
  off=23
  for k in 1 2 3; do n=$(tail -c +$((off + 1)) "$1" | head -n 1); off=$((off + ${#n} + 1 + n)); done
  n=$(tail -c +$((off + 1)) "$1" | head -n 1)
  tail -c +$((off + ${#n} + 2)) "$1"
}
# Its text: the second field.
text_of() {
  off=23
  n=$(tail -c +$((off + 1)) "$1" | head -n 1); off=$((off + ${#n} + 1 + n))
  n=$(tail -c +$((off + 1)) "$1" | head -n 1)
  tail -c +$((off + ${#n} + 2)) "$1" | head -c "$n"
}
echo "cold $(start aalayerd) ;"
cp -a /var/lib/aalayer /var/lib/aalayer-before
for f in /var/cache/aalayer/*.bin; do binary_of "$f" >/tmp/ref/$(basename "$f"); done
echo "binaries $(ls /tmp/ref | wc -l) $(cat /tmp/ref/*.bin | wc -c) bytes ;"
# The cold start's reference: apparmor_parser compiling and loading the same children from
# their texts, in one process, its own cache neither read nor written.
mkdir -p /tmp/txt
for f in /var/cache/aalayer/*.bin; do text_of "$f" >/tmp/txt/$(basename "$f" .bin).child; done
t0=$(now); apparmor_parser -r -T /tmp/txt/*.child || echo "compile: apparmor_parser failed"
echo "compile $(secs "$t0" "$(now)") ;"
mkdir -p /etc/aalayer/no-grants
s="" b="" fl="" si="" e=""
r=0
while [ $r -lt $runs ]; do
  s="$s $(start aalayerd)"
  # Its own copy of the state: a build that keeps start records would otherwise
  # replace the other's each time, and each would compose every layer.
  [ -x /usr/local/bin/aalayerd-before ] && b="$b $(start aalayerd-before /etc/aalayer/grants.d /var/lib/aalayer-before)"
  t0=$(now); apparmor_parser -r -B /tmp/ref/*.bin || echo "files: apparmor_parser failed"; fl="$fl $(secs "$t0" "$(now)")"
  t0=$(now); cat /tmp/ref/*.bin | apparmor_parser -r -B || echo "stdin: apparmor_parser failed"; si="$si $(secs "$t0" "$(now)")"
  e="$e $(start aalayerd /etc/aalayer/no-grants /var/lib/aalayer-empty)"
  r=$((r + 1))
done
echo "start$s ;"
echo "before$b ;"
echo "files$fl ;"
echo "stdin$si ;"
echo "empty$e ;"
echo "children $(grep -c '^demo//aalayer\.' /sys/kernel/security/apparmor/profiles) ;"
grep -h 'started with' /tmp/bench-*.log | sort | uniq -c | sed 's/$/ ;/'
EOF
chmod 755 "$work/extra/bench"
echo "RUN bench /extra/bench" >"$work/checks"
extra_args=()
for f in "$work"/extra/*; do extra_args+=(--extra "$f"); done
out=$("$here/vm.sh" --cache "$cache" --profiles "$work/profiles" --checks "$work/checks" \
  --timeout "${AALAYER_KERNEL_TIMEOUT:-3000}" --log "$work/console.log" "${bins[@]}" "${extra_args[@]}")
rc=$?
# The bench's output comes as one RESULT line; each of its lines ends in " ;".
grep -v '^RESULT bench' <<<"$out"
sed -n 's/^RESULT bench rc=[0-9]* //p' <<<"$out" | sed 's/ ; */\n/g'
exit $rc
