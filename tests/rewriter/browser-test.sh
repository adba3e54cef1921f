#!/usr/bin/env bash
# The HTML report in headless Chromium (report_browser.mjs, playwright-core from npm).
#   browser-test.sh --setup NODE_DIR       install playwright-core into NODE_DIR (once;
#                                          atomically, so parallel tests never see half)
#   browser-test.sh NODE_DIR REPORT.html SCREENSHOT.png [MAX_LOAD_MS]
# Either skips (exit 77) with a message when node, npm or Chromium is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null || [ ! -x "$chromium" ]; then
  echo "SKIP: the browser test needs node and Chromium ($chromium); apt-get install chromium nodejs"
  exit 77
fi
if [ "${1:-}" = "--setup" ]; then
  mods=$2
  [ -f "$mods/node_modules/playwright-core/index.js" ] && exit 0
  command -v npm >/dev/null || { echo "SKIP: npm is not installed"; exit 77; }
  tmp=$(mktemp -d "${mods%/}.tmp.XXXXXX")
  if ! npm install --prefix "$tmp" --no-audit --no-fund --silent playwright-core@1 >/dev/null 2>&1; then
    rm -rf "$tmp"
    echo "SKIP: could not install playwright-core from npm"
    exit 77
  fi
  rm -rf "$mods"
  mv "$tmp" "$mods"
  echo "playwright-core installed in $mods"
  exit 0
fi
mods=$1
shift
if [ ! -f "$mods/node_modules/playwright-core/index.js" ]; then
  echo "SKIP: playwright-core is not installed in $mods (rewriter.browser_setup skipped)"
  exit 77
fi
cp "$here/report_browser.mjs" "$mods/report_browser.mjs"
exec node "$mods/report_browser.mjs" "$@"
