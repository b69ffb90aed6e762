#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test in a
# normal build and in an address+undefined sanitizer build, the fuzzers
# briefly, the service logic under ThreadSanitizer, then prints one closing
# line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${AALAYER_SKIP_DEPS:-0}" = 1 ] || scripts/install-deps.sh
. scripts/release.sh  # fuzz_cxx: the clang++ whose libFuzzer install-deps installed

# Caches kept between runs on one machine, outside the checkout, so a fresh clone
# reuses them: ccache's objects (the compile is most of a run) and the kernel
# image the qemu tests boot, and the other release's root. A cold cache costs
# the whole compile, about 30 minutes on 2 cores, and the root about 15 more;
# the closing lines say which this run had.
cache_root=${AALAYER_CACHE_DIR:-/var/cache/aalayer-tests}
mkdir -p "$cache_root/ccache" "$cache_root/kernel"
export CCACHE_DIR="$cache_root/ccache" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=6G
export AALAYER_KERNEL_CACHE="$cache_root/kernel"
if command -v ccache >/dev/null; then ccache --zero-stats >/dev/null; fi
cold_kernel=1
[ -f "$cache_root/kernel/vmlinuz" ] && cold_kernel=0
start=$SECONDS
phases=()

# The build directories' names end in AALAYER_BUILD_SUFFIX: the run in the
# other release's root (below) shares the checkout.
sfx=${AALAYER_BUILD_SUFFIX:-}
builds=("build$sfx")
[ "${AALAYER_SKIP_ASAN:-0}" = 1 ] || builds+=("build-asan$sfx")
# libFuzzer targets of the engine (clang, sanitizers), each for a short budget.
[ "${AALAYER_SKIP_FUZZ:-0}" = 1 ] || builds+=("build-fuzz$sfx")
status=0
kc=(-Dkernel_cache="$AALAYER_KERNEL_CACHE")
# Warnings are errors in these builds (not in meson.build's defaults: a release or
# distribution build must not fail on one).
dev=(-Dwerror=true)
for b in "${builds[@]}"; do
  if [ ! -f "$b/build.ninja" ]; then
    if [ "$b" = "build-asan$sfx" ]; then
      meson setup "$b" "${dev[@]}" "${kc[@]}" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
    elif [ "$b" = "build-fuzz$sfx" ]; then
      # Meson puts ccache before the compilers it finds, not before one named in CXX.
      cxx=$fuzz_cxx
      command -v ccache >/dev/null && cxx="ccache $fuzz_cxx"
      CXX=$cxx meson setup "$b" "${dev[@]}" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
    else
      meson setup "$b" "${dev[@]}" "${kc[@]}" >/dev/null
    fi
  fi
  t0=$SECONDS
  ninja -C "$b"
  t1=$SECONDS
  # The sanitizer build composes a sample of the corpus; the normal build all of it.
  sample=0
  [ "$b" = "build-asan$sfx" ] && sample=1
  AALAYER_SAMPLE_CORPUS=$sample \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$b" --print-errorlogs --num-processes 2 || status=1
  phases+=("$b: compile $((t1 - t0)) s, tests $((SECONDS - t1)) s")
done

# The service logic's tests (threads racing applies, reloads and quotas) under
# ThreadSanitizer: only that test binary, the rest has no threads of its own.
if [ "${AALAYER_SKIP_TSAN:-0}" != 1 ]; then
  tsan="build-tsan$sfx"
  [ -f "$tsan/build.ninja" ] || meson setup "$tsan" "${dev[@]}" -Db_sanitize=thread >/dev/null
  t0=$SECONDS
  ninja -C "$tsan" tests/service-tests
  t1=$SECONDS
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    meson test -C "$tsan" --no-rebuild --print-errorlogs service || status=1
  builds+=("$tsan")
  phases+=("$tsan: compile $((t1 - t0)) s, tests $((SECONDS - t1)) s")
fi

# The other Debian release (12 and 13 are both supported): its normal build
# and every test of it, kernel tests on its kernel, in a cached root.
if [ "${AALAYER_SKIP_OTHER_RELEASE:-0}" != 1 ]; then
  t0=$SECONDS
  echo "== the suite on Debian's $other_release, in a root under $cache_root"
  scripts/test-other-release.sh "$other_release" || status=1
  builds+=("build-$other_release")
  phases+=("$other_release root: $((SECONDS - t0)) s (its own lines above)")
fi

echo "== time: $((SECONDS - start)) s after the package check"
for p in "${phases[@]}"; do echo "   $p"; done
if command -v ccache >/dev/null; then
  echo "   compile cache ($CCACHE_DIR): $(ccache --print-stats 2>/dev/null | awk -F'\t' '
    $1=="direct_cache_hit"||$1=="preprocessed_cache_hit"{h+=$2} $1=="cache_miss"{m+=$2}
    END{printf "%d hits, %d misses", h, m}')"
fi
[ "$cold_kernel" = 1 ] && echo "   kernel cache was cold: the kernel package was downloaded in this run"
if [ -n "$sfx" ]; then
  echo "   a cold compile cache costs about 9 minutes more here (the normal build only)"
else
  echo "   a cold compile cache costs about 30 minutes more on 2 cores, and an uncached root of the"
  echo "   other release about 15 more (debootstrap about 5 minutes, its compile about 9)"
fi

python3 - "${builds[@]}" <<'PY'
import json, re, sys
passed = failed = skipped = 0
for b in sys.argv[1:]:
    try:
        lines = open(f"{b}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        p = re.search(r"\[  PASSED  \] (\d+) test", out)
        f = re.search(r"\[  FAILED  \] (\d+) test", out)
        s = re.search(r"\[  SKIPPED \] (\d+) test", out)
        if p or f:
            passed += int(p.group(1)) if p else 0
            failed += int(f.group(1)) if f else 0
            skipped += int(s.group(1)) if s else 0
            if t.get("result") not in ("OK", "EXPECTEDFAIL") and not f:
                failed += 1
        elif t.get("result") in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif t.get("result") == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
