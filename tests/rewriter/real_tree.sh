#!/bin/sh
# real_tree.sh — ctest script (issue 6, "a real tree"): fetch libuv's Debian source
# with a private apt configuration (deb-src enabled here only), configure it for a
# compilation database, and run `anyc-migrate --check -p` over it, parsing every file:
# zero edits, zero crashes, exit 0.  Skips (77) cleanly without network or tools.
# Usage: real_tree.sh ANYC_MIGRATE WORKDIR
set -u
tool=$1 work=$2
for t in apt-get dpkg-source cmake; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not installed"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work/lists/partial" "$work/src" || exit 1
echo "deb-src http://deb.debian.org/debian bookworm main" > "$work/sources.list"
apt="-q -o Dir::Etc::SourceList=$work/sources.list -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$work/lists"
if ! timeout 120 apt-get $apt update >"$work/apt.log" 2>&1 ||
   ! (cd "$work/src" && timeout 180 apt-get $apt source libuv1 >>"$work/apt.log" 2>&1); then
  echo "SKIP: cannot fetch libuv's source (no network?); see $work/apt.log"
  exit 77
fi
tree=$(ls -d "$work"/src/libuv1-*/ | head -1)
cmake -S "$tree" -B "$tree/b" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DLIBUV_BUILD_TESTS=OFF \
  >"$work/cmake.log" 2>&1 || { echo "FAIL: cmake"; exit 1; }
cd "$tree" || exit 1
"$tool" --check --no-prefilter -p b src include >"$work/out.txt" 2>"$work/err.txt"
rc=$?
cat "$work/err.txt"
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc, want 0"; exit 1; }
[ ! -s "$work/out.txt" ] || { echo "FAIL: a diff was printed"; exit 1; }
grep -q " 0 sites: 0 rewritten, 0 left; 0 not parsed" "$work/err.txt" || { echo "FAIL: summary"; exit 1; }
echo "libuv: no legacy use, every file parsed, exit 0"
