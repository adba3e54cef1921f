#!/usr/bin/env bash
# Usage: check-install.sh PREFIX SCRATCH_DIR SOURCE_DIR  (PREFIX: an installed tree)
set -euo pipefail
prefix=$1 scratch=$2 src=$3
rm -rf "$scratch"
mkdir -p "$scratch"
for f in include/anyc.h include/async_service.h lib/pkgconfig/anyc.pc \
         lib/pkgconfig/async_service.pc lib/cmake/anyc/anycConfig.cmake lib/libanyc.a \
         lib/libasync_service.a; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
ls "$prefix"/lib/libanyc.so* "$prefix"/lib/libasync_service.so* >/dev/null
[ -x "$prefix/bin/anyc-migrate" ] || [ ! -d "$src/../../rewriter" ] || echo "note: anyc-migrate not installed (rewriter not built)"

# 1. pkg-config
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
${CC:-cc} -o "$scratch/hello_pc" "$src/hello.c" $(pkg-config --cflags --libs anyc) \
  -Wl,-rpath,"$prefix/lib"
out=$("$scratch/hello_pc")
[ "$out" = $'child a\nchild b\ndone 0' ] || { echo "pkg-config build printed: $out"; exit 1; }
# The static library with its private dependencies.
${CC:-cc} -o "$scratch/hello_static" "$src/hello.c" $(pkg-config --cflags anyc) \
  "$prefix/lib/libanyc.a" $(pkg-config --libs libuv) -lpthread
"$scratch/hello_static" >/dev/null

# 2. find_package
cmake -S "$src/consumer" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_RPATH="$prefix/lib" >/dev/null
cmake --build "$scratch/consumer" >/dev/null
out=$("$scratch/consumer/hello")
[ "$out" = $'child a\nchild b\ndone 0' ] || { echo "find_package build printed: $out"; exit 1; }

# Only the documented API is exported from the shared libraries.
bad=$(nm -D --defined-only "$prefix"/lib/libanyc.so | awk '{print $3}' | grep -v '^anyc_' || true)
[ -z "$bad" ] || { echo "unexpected exported symbols in libanyc: $bad"; exit 1; }
bad=$(nm -D --defined-only "$prefix"/lib/libasync_service.so | awk '{print $3}' | grep -v '^as_' || true)
[ -z "$bad" ] || { echo "unexpected exported symbols in libasync_service: $bad"; exit 1; }
echo "install: headers, libraries, .pc files and CMake package work"
