#!/bin/sh
# corpus_roundtrip.sh — ctest script, one per corpus program (issue 6's round trip):
# migrate a copy of corpus/<name> with anyc-migrate --write; a second run makes no
# edit; a file with nothing legacy left no longer includes async_service.h; the program
# builds (against anyc.h + libanyc alone when fully migrated, else with the shim too) and
# prints its expected.txt.  The rewrite must equal the golden files
# (corpus/<name>/migrated/: the files it changes) and leave every other file untouched.
# Usage: corpus_roundtrip.sh ANYC_MIGRATE SOURCE_DIR LIBASYNC_SERVICE_A LIBANYC_A WORKDIR NAME [CFLAGS]
set -eu
tool=$1 src=$2 shim=$3 lib=$4 work=$5 name=$6 cflags=${7:-}
orig="$src/corpus/$name"
rm -rf "$work" && mkdir -p "$work" && cp -r "$orig" "$work/$name"
cd "$work/$name"
rm -rf migrated
"$tool" -q -w --report "$work/report.json" . || { echo "FAIL: anyc-migrate exit $?"; exit 1; }
"$tool" -q . > "$work/second.diff" || true
if [ -s "$work/second.diff" ]; then echo "FAIL: a second run still edits:"; cat "$work/second.diff"; exit 1; fi
# Every file equals its golden file (corpus/<name>/migrated/<file>), or, when it has
# none, the original: the rewrite changes exactly what the golden files say.
for f in ./*.c ./*.h; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  want="$orig/$b"
  [ -f "$orig/migrated/$b" ] && want="$orig/migrated/$b"
  diff -u "$want" "$f" || { echo "FAIL: $b differs from $want"; exit 1; }
done
if cat ./*.c ./*.h 2>/dev/null | grep -q "async_service"; then
  libs="$shim $lib"; what="partly migrated (shim + libanyc)"
else
  libs="$lib"; what="fully migrated (anyc.h + libanyc only)"
fi
cc -std=c11 -Wall $cflags -I "$src/include" -I . ./*.c $libs $(pkg-config --libs libuv) \
   -ldl -lpthread -lm -o "$work/prog"
timeout 30 "$work/prog" > "$work/out.txt"
diff -u "$orig/expected.txt" "$work/out.txt"
echo "$name: $what, same transcript"
