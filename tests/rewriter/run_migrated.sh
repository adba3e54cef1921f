#!/bin/sh
# run_migrated.sh — ctest script: the rewrite behaves as the legacy program did.  Copy a
# legacy program, migrate it with anyc-migrate --write, check that nothing legacy is
# left and a second run makes no edit, build it against anyc.h and libanyc alone, run it
# and compare its output with the legacy transcript.
# Usage: run_migrated.sh ANYC_MIGRATE SOURCE_DIR LIBANYC_A WORKDIR PROGRAM [CFLAGS]
set -eu
tool=$1 src=$2 lib=$3 work=$4 prog=$5 cflags=${6:-}
rm -rf "$work" && mkdir -p "$work"
cp "$src/tests/rewriter/fixtures/run/$prog.c" "$work/"
cd "$work"
"$tool" -q -w -I "$src/include" "$prog.c"
if grep -n "as_\|async_service" "$prog.c"; then echo "FAIL: legacy use left"; exit 1; fi
"$tool" -q --check -I "$src/include" "$prog.c" || { echo "FAIL: second run has work"; exit 1; }
cc -std=c11 -Wall -Wextra -Werror $cflags -I "$src/include" "$prog.c" "$lib" \
   $(pkg-config --libs libuv) -lpthread -lm -o "$prog"
./"$prog" > out.txt
# The legacy transcript: fixtures/run/PROGRAM.txt, or expected.txt (the first program's).
want="$src/tests/rewriter/fixtures/run/$prog.txt"
[ -f "$want" ] || want="$src/tests/rewriter/fixtures/run/expected.txt"
diff -u "$want" out.txt
echo "migrated $prog: same transcript"
