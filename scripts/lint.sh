#!/usr/bin/env bash
# clang-format (must be clean) and clang-tidy (.clang-tidy at the root) over
# the project's sources, using build/compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/compile_commands.json ] || meson setup build -Dwerror=true >/dev/null
ninja -C build >/dev/null   # generated headers must exist
mapfile -t files < <(git ls-files '*.cpp' '*.h' | grep -E '^(policy|service|client|tests)/')
clang-format --dry-run --Werror "${files[@]}"
mapfile -t units < <(git ls-files '*.cpp' | grep -E '^(policy|service|client)/')
printf '%s\n' "${units[@]}" | xargs -P 2 -n 4 clang-tidy -p build --quiet
echo "lint: clean"
