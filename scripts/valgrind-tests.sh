#!/usr/bin/env bash
# Run every runtime and shim test program under Valgrind memcheck; any error or leak
# fails.  Usage: scripts/valgrind-tests.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
status=0
for t in "$build"/tests/runtime/test_* "$build"/tests/shim/test_*; do
  [ -x "$t" ] || continue
  case "$t" in
    *million*) continue ;;  # label "slow": too big for memcheck
    *_switch|*_switch_aarch64) continue ;;  # bare switch tests (unregistered stacks; arm64)
  esac
  if valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
       --errors-for-leak-kinds=definite,indirect --trace-children=no "$t" >"$t.valgrind.log" 2>&1; then
    echo "valgrind: $(basename "$t") clean"
  else
    echo "valgrind: $(basename "$t") FAILED (log: $t.valgrind.log)"
    tail -40 "$t.valgrind.log"
    status=1
  fi
done
exit $status
