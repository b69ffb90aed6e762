# Shared by the shell kernel tests (sourced): checking vm.sh's STEP lines and
# ending the test. They use the caller's globals: out (vm.sh's stdout), work
# (the test's directory with vm.err, checks and console.log), secs, failures
# and the associative array want_step (KEY -> expected fifth field of the
# first "STEP N KEY ..." line).

check_steps() {
  local key line
  for key in "${!want_step[@]}"; do
    line=$(grep -E "^STEP [0-9]+ $key " <<<"$out" | head -n 1)
    set -- $line
    [ "${5:-}" = "${want_step[$key]}" ] || failures+=("step '$key': expected ${want_step[$key]}, got '${line:-<none>}'")
  done
}

# finish NAME SUMMARY: with failures, prints them and everything needed to see
# why, and exits 1; else prints vm.sh's stderr and "NAME: SUMMARY", exits 0.
finish() {
  local name=$1 summary=$2
  if [ ${#failures[@]} -gt 0 ]; then
    echo "$name: FAILED (${#failures[@]} problems, ${secs} s)"
    printf '  - %s\n' "${failures[@]}"
    echo "--- vm.sh stdout ---"; echo "$out"
    echo "--- vm.sh stderr ---"; cat "$work/vm.err"
    echo "--- checks file ---"; cat -n "$work/checks"
    echo "--- guest console ---"; cat "$work/console.log" 2>/dev/null || echo "(none)"
    exit 1
  fi
  cat "$work/vm.err"
  [ -n "${AALAYER_KERNEL_VERBOSE:-}" ] && echo "$out"
  echo "$name: $summary"
  exit 0
}
