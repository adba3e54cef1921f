#!/bin/sh
# run.sh — build each probe program (probe/shim/<name>/*.c) against an installed shim
# through `pkg-config async_service`, the way an outside legacy program is built, run it
# and compare its stdout with <name>/expected.txt.
#   PREFIX=<install prefix> [VALGRIND=1] ./run.sh [name...]
# EXTRA_CFLAGS=-fsanitize=address,undefined with an ASan install.
# PREFIX defaults to /tmp/shimprobe-prefix (cmake --install build --prefix ...).
set -u
here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-/tmp/shimprobe-prefix}
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig"
export LD_LIBRARY_PATH="$prefix/lib:$prefix/lib64"
out=${OUT:-/tmp/shimprobe-out}
mkdir -p "$out"
names=${*:-$(cd "$here" && ls -d */ | tr -d /)}
fail=0
for n in $names; do
  exe="$out/$n"
  if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g ${EXTRA_CFLAGS:-} -o "$exe" "$here/$n"/*.c \
       $(pkg-config --cflags --libs async_service) -lpthread -lm; then
    echo "BUILD FAIL $n"; fail=1; continue
  fi
  if [ "${VALGRIND:-0}" = 1 ]; then
    run="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
  else
    run=""
  fi
  timeout 60 $run "$exe" >"$out/$n.out" 2>"$out/$n.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "EXIT $rc $n"; cat "$out/$n.err"; fail=1
  fi
  if diff -u "$here/$n/expected.txt" "$out/$n.out" >"$out/$n.diff"; then
    echo "ok   $n"
  else
    echo "DIFF $n"; cat "$out/$n.diff"; fail=1
  fi
done
exit $fail
