#!/usr/bin/env bash
# A longer fuzzing run of one target: scripts/fuzz.sh layer|grant|glob|profile|dbus [SECONDS]
# Builds build-fuzz (clang, ASAN+UBSAN) if needed; crashes are printed and
# belong, once fixed, in tests/fuzz/regressions/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh layer|grant|glob|profile|dbus [SECONDS]}
seconds=${2:-600}
. scripts/release.sh  # fuzz_cxx: the clang++ whose libFuzzer install-deps installed
[ -f build-fuzz/build.ninja ] ||
  CXX=$fuzz_cxx meson setup build-fuzz -Dwerror=true -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz "tests/fuzz/fuzz-$target"
AALAYER_SOURCE_ROOT=$PWD tests/fuzz/run_fuzzer.sh "build-fuzz/tests/fuzz/fuzz-$target" "$target" "$seconds"
