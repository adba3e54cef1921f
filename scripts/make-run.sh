#!/usr/bin/env bash
# `make run`: the product's main job on the bundled corpus.
#  - anyc-migrate built: migrate corpus/ in a scratch copy (build/corpus-migrated), write
#    the HTML and Markdown reports under build/, print the summary.
#  - otherwise (rewriter not built): build and run each corpus program on the shim and
#    compare its output with its expected.txt.
# (Each program's checked-in golden files, corpus/<name>/migrated/, are excluded.)
# Usage: scripts/make-run.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
migrate="$build/rewriter/anyc-migrate"

if [ -x "$migrate" ] && [ -d "$root/corpus" ]; then
  scratch="$build/corpus-migrated"
  rm -rf "$scratch"
  cp -r "$root/corpus" "$scratch"
  "$migrate" -q -I "$root/include" --exclude migrated --report "$build/migration-report.html" "$scratch" >/dev/null || true
  "$migrate" -q -I "$root/include" --exclude migrated --report "$build/migration-report.md" "$scratch" >/dev/null || true
  set +e
  "$migrate" -q -I "$root/include" --exclude migrated --write "$scratch"
  rc=$?
  set -e
  echo
  echo "anyc-migrate exit status: $rc"
  echo "migrated copy:   $scratch"
  echo "HTML report:     $build/migration-report.html"
  echo "Markdown report: $build/migration-report.md"
  [ -f "$build/migration-report.md" ] && sed -n '1,40p' "$build/migration-report.md"
  exit 0
fi

echo "anyc-migrate is not built yet: running the corpus programs on the shim instead."
if (cd "$build" && ctest -N -L corpus 2>/dev/null | grep -q 'corpus\.'); then
  (cd "$build" && ctest --output-on-failure -L corpus)
else
  echo "No corpus programs are registered yet (the shim and corpus/ are still being built)."
  echo "What works today: the runtime core (see README's status table); run 'make test'."
fi
