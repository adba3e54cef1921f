#!/usr/bin/env bash
# Build a program from the .c files of SRC_DIR against an installed prefix with
# `pkg-config --cflags --libs PKG`, run it, and compare its stdout with EXPECTED.
# usage: run-installed.sh PREFIX PKG SRC_DIR EXPECTED WORK_DIR
set -euo pipefail
prefix=$1 pkg=$2 src=$3 expected=$4 work=$5
rm -rf "$work" && mkdir -p "$work"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046  # pkg-config's output is a word list by design
${CC:-cc} -std=c11 -D_GNU_SOURCE -o "$work/program" "$src"/*.c \
  $(pkg-config --cflags --libs "$pkg") -Wl,-rpath,"$prefix/lib"
# As on a system where the prefix's lib/ is a loader path (libasync_service.so finds
# libanyc.so through it, not through the program's runpath).
LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$work/program" >"$work/stdout" 2>"$work/stderr" || {
  echo "exit status $?; stderr:"; cat "$work/stderr"; exit 1; }
if ! diff -u "$expected" "$work/stdout"; then
  echo "--- stderr"; cat "$work/stderr"; exit 1
fi
echo "$(basename "$src"): transcript matches (built with pkg-config $pkg)"
