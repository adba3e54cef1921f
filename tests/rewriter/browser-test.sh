#!/usr/bin/env bash
# Run report_browser.mjs on an HTML report.  Skips (exit 77) with a message when node or
# Chromium is absent; installs playwright-core from npm into the build tree once.
# usage: browser-test.sh REPORT.html SCREENSHOT.png [MAX_LOAD_MS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null || [ ! -x "$chromium" ]; then
  echo "SKIP: the browser test needs node and Chromium ($chromium); apt-get install chromium nodejs"
  exit 77
fi
mods=${ANYC_NODE_PREFIX:-$(dirname "$2")/node}
if [ ! -d "$mods/node_modules/playwright-core" ]; then
  mkdir -p "$mods"
  if ! npm install --prefix "$mods" --no-audit --no-fund --silent playwright-core@1 >/dev/null 2>&1; then
    echo "SKIP: could not install playwright-core from npm"
    exit 77
  fi
fi
cp "$here/report_browser.mjs" "$mods/report_browser.mjs"
exec node "$mods/report_browser.mjs" "$@"
