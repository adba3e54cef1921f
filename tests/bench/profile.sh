#!/usr/bin/env bash
# profile.sh — where does an anyc workload spend its time?  perf profile of the measured
# section only (the warm-up, set-up and teardown are left out), then the top symbols.
#
#   tests/bench/profile.sh <workload> [n] [phase]
#     workload, n: as anyc_bench takes them (see anyc_bench.c)
#     phase: for sleepers, "spawn" or "cancel" (default: both sections)
#   ANYC_BENCH_STACK_SIZE: passed through to anyc_bench (anyc_config.stack_size)
#   ANYC_BENCH_CALLGRAPH=1: record call graphs (-g) and print them
#
# Builds anyc_bench like compare.sh (Release -O2 -g, $BUILD = <root>/build-bench) and
# installs linux-perf if it is missing.  perf uses the cpu-clock software event, which
# works in VMs without hardware counters; the report is in $BUILD/perf-<workload>.data.
# For instruction counts instead of time, run the same binary under
#   valgrind --tool=callgrind <build>/tests/bench/anyc_bench <workload> <n>
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${ANYC_BENCH_BUILD:-$ROOT/build-bench}
# shellcheck source=lib.sh
. "$HERE/lib.sh"

[ $# -ge 1 ] || { log "usage: $0 <workload> [n] [phase]"; exit 2; }
workload=$1
n=${2:-}
phase=${3:-}

install_missing linux-perf
mkdir -p "$BUILD"
build_anyc_bench

fifo_dir=$(mktemp -d)
trap 'rm -rf "$fifo_dir"' EXIT
mkfifo "$fifo_dir/ctl" "$fifo_dir/ack"
data=$BUILD/perf-$workload${phase:+-$phase}.data
graph=()
[ "${ANYC_BENCH_CALLGRAPH:-0}" = 1 ] && graph=(-g)

ANYC_BENCH_PERF_CTL="$fifo_dir/ctl:$fifo_dir/ack" ANYC_BENCH_PHASE=$phase \
  perf record -q -e cpu-clock "${graph[@]}" -D -1 \
  --control="fifo:$fifo_dir/ctl,$fifo_dir/ack" -o "$data" \
  "$BUILD/tests/bench/anyc_bench" "$workload" ${n:+"$n"}
perf report -i "$data" --no-children --stdio --sort dso,sym 2>/dev/null |
  grep -v '^$' | grep -v '^#' | head -40
