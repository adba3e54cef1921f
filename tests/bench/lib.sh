# shellcheck shell=bash
# lib.sh — shell functions shared by compare.sh and profile.sh (sourced, not run).
#
# Expects HERE (tests/bench), ROOT (the source tree) and BUILD (the bench build dir) set.

log() { printf '%s\n' "$*" >&2; }

# install_missing <debian package>...: apt-get install the ones not installed, only those.
install_missing() {
  local missing=() p sudo=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y "${missing[@]}" >&2
}

# build_anyc_bench: anyc_bench (and anyc_machine_probe) in Release (-O2, no sanitizers, with symbols for perf).
build_anyc_bench() {
  log "building anyc_bench (Release, -O2) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS_RELEASE="-O2 -g -DNDEBUG" -DANYC_SANITIZE= -DANYC_BUILD_BENCH=ON \
    -DANYC_BUILD_TESTS=ON -DANYC_BUILD_REWRITER=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target anyc_bench anyc_machine_probe >/dev/null
}
