#!/bin/sh
# Build and run every probe (or those named): ./build.sh [p01_x.c ...]
cd "$(dirname "$0")" || exit 1
B=../../build/runtime/libanyc.a
mkdir -p bin
for f in ${@:-p*.c}; do
  n=$(basename "$f" .c)
  cc -std=c11 -D_GNU_SOURCE -g -O0 -Wall -Wno-unused-result -I../../include "$f" "$B" -luv -lpthread -lm -o "bin/$n" || continue
  echo "=== $n"; timeout 20 "bin/$n" 2>&1 | grep -v '^ok  '
done
