#!/usr/bin/env bash
# run_fuzzer.sh EXE TARGET SECONDS: replays tests/fuzz/regressions/TARGET,
# then fuzzes for SECONDS from the seeds (shipped examples, the Debian
# profile corpus). A crash fails the run and its input is printed, to be
# fixed and kept as a regression input.
set -uo pipefail
exe=$(realpath "$1") target=$2 seconds=$3
src=${AALAYER_SOURCE_ROOT:-.}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
seeds=("$src/tests/fuzz/seeds/$target")
case $target in
  layer) seeds+=("$src/docs/examples/layers") ;;
  grant) seeds+=("$src/docs/examples/grants") ;;
  profile) seeds+=(/usr/share/apparmor/extra-profiles) ;;
esac
existing=()
for d in "${seeds[@]}"; do [ -d "$d" ] && existing+=("$d"); done

regressions="$src/tests/fuzz/regressions/$target"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  if ! "$exe" "$regressions"/* > "$work/replay.log" 2>&1; then
    cat "$work/replay.log"
    echo "fuzz-$target: a kept regression input fails again"
    exit 1
  fi
  echo "fuzz-$target: $(ls "$regressions" | wc -l) regression inputs pass"
fi

cd "$work"
"$exe" -max_total_time="$seconds" -max_len=8192 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  "$work/corpus" "${existing[@]}" > "$work/fuzz.log" 2>&1
status=$?
tail -n 20 "$work/fuzz.log"
if [ $status -ne 0 ]; then
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$f" ] || continue
    keep="${AALAYER_FUZZ_ARTIFACTS:-${TMPDIR:-/tmp}}/aalayer-fuzz-$target-$(basename "$f")"
    cp "$f" "$keep"
    echo "fuzz-$target: failing input kept in $keep (save it under tests/fuzz/regressions/$target/ once fixed); base64:"
    base64 "$f"
  done
  exit 1
fi
echo "fuzz-$target: no crash in ${seconds}s"
