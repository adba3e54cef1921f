#!/bin/bash
# run.sh — probe round 3 driver: build the legacy program DIR on the shim (the oracle
# transcript), migrate a copy with every report format, check a second run makes no edit,
# build the migrated copy with -Werror -Wall -Wextra and compare its transcript.
# Usage: probe3/run.sh DIR [extra anyc-migrate args]
set -u
src=/work/wt-rwprobe; b=$src/build
tool=$b/rewriter/anyc-migrate
shim=$(find $b -name 'libasync_service*.a' | head -1); lib=$(find $b -name 'libanyc*.a' | grep -v async | head -1)
d=$(cd "$1" && pwd); shift; name=$(basename "$d"); w=/tmp/p3/$name
rm -rf "$w" && mkdir -p "$w" && cp -a "$d" "$w/src"
libs="$shim $lib $(pkg-config --libs libuv) -ldl -lpthread -lm"
cc -std=c11 -Wall -Wextra -Werror -I $src/include -I "$w/src" "$w"/src/*.c $libs -o "$w/legacy" || { echo "LEGACY BUILD FAIL"; exit 1; }
timeout 20 "$w/legacy" > "$w/legacy.txt"; echo "legacy rc=$?"
cd "$w/src"
for f in md sarif html; do "$tool" "$@" --report ../r.$f . >/dev/null 2>&1; done
"$tool" "$@" -w --report ../r.json . 2> ../migrate.err; echo "migrate rc=$?"; grep -v "warning\|note" ../migrate.err
python3 $src/tests/rewriter/check_reports.py ../r.json ../r.sarif ../r.md ../r.html $src/docs/report.schema.json /work/shared/reference/sarif-schema-2.1.0.json | tail -3
"$tool" "$@" . > ../second.diff 2>/dev/null; [ -s ../second.diff ] && { echo "SECOND RUN EDITS"; cat ../second.diff; }
"$tool" "$@" --check . >/dev/null 2>&1; echo "check rc=$?"
if cat *.c *.h 2>/dev/null | grep -q async_service; then l="$libs"; echo partial; else l="$lib $(pkg-config --libs libuv) -lpthread -lm"; echo FULL; fi
cc -std=c11 -Wall -Wextra -Werror -I $src/include -I . *.c $l -o "$w/migrated" || { echo "MIGRATED BUILD FAIL"; exit 1; }
timeout 20 "$w/migrated" > "$w/migrated.txt"; echo "migrated rc=$?"
diff -u "$w/legacy.txt" "$w/migrated.txt" && echo "SAME TRANSCRIPT"
python3 -c "import json;d=json.load(open('$w/r.json'));print('summary',d.get('summary'))"
