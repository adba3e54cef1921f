#!/usr/bin/env bash
# compare.sh — run anyc's benchmark workloads in anyc, Trio, AnyIO and Go in one run and
# print the medians, the ratios and the targets of issue 3 as a Markdown table.
#
#   tests/bench/compare.sh            (from anywhere; writes only under $BUILD)
#
# What it does, in order:
#   1. installs python3-trio, python3-anyio and golang-go with apt-get if (and only if)
#      one is missing — they are not CI packages, benches do not run in CI;
#   2. builds anyc_bench (tests/bench/anyc_bench.c) in Release (-O2 -g, no sanitizers) in its
#      own build dir, and the Go version (tests/bench/go) offline with the standard
#      library only;
#   3. runs every workload in every implementation, alternating implementations inside
#      each repeat (so a noisy neighbour hits all of them alike), K repeats;
#   4. prints machine details, then medians and "other ÷ anyc" ratios (> 1: anyc is
#      faster or smaller) and whether anyc meets the issue's target.
#
# Python runs with fewer tasks / operations than the native ones (they are ~100x slower
# per op); what is compared is the per-op figure.  The sleeper workloads use the same N in
# every implementation so RSS per task is comparable, and the 1,000,000-sleeper run is
# anyc and Go only (Trio would need ~1 min and ~3.5 GB per repeat; the issue asks "works").
#
# Environment (all optional):
#   ANYC_BENCH_REPEATS=5      K, repeats of the whole matrix (the median is reported)
#   ANYC_BENCH_BUILD=<root>/build-bench   build and results directory
#   ANYC_BENCH_IMPLS="anyc trio anyio go" ANYC_BENCH_WORKLOADS="spawn_join ..."   subsets
#   ANYC_BENCH_N_NATIVE=1000000 ANYC_BENCH_N_PY=100000   ops for the loop workloads
#                             (and tasks for spawn_batch)
#   ANYC_BENCH_N_SPAWN=100000  tasks for spawn_join (all implementations)
#   ANYC_BENCH_N_SLEEPERS=100000 ANYC_BENCH_N_MILLION=1000000   sleeper counts
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${ANYC_BENCH_BUILD:-$ROOT/build-bench}
K=${ANYC_BENCH_REPEATS:-5}
IMPLS=${ANYC_BENCH_IMPLS:-anyc trio anyio go}
WORKLOADS=${ANYC_BENCH_WORKLOADS:-spawn_join spawn_batch yield_pingpong sleepers sleepers_1m timeout_scope checkpoint_only}
N_NATIVE=${ANYC_BENCH_N_NATIVE:-1000000}
N_PY=${ANYC_BENCH_N_PY:-100000}
N_SPAWN=${ANYC_BENCH_N_SPAWN:-100000}
N_SLEEPERS=${ANYC_BENCH_N_SLEEPERS:-100000}
N_MILLION=${ANYC_BENCH_N_MILLION:-1000000}
PY=/usr/bin/python3 # Debian's python3-trio/-anyio install here, not in a pyenv python
RESULTS=$BUILD/bench-results.txt

# shellcheck source=lib.sh
. "$HERE/lib.sh"

# ---- 1-2. packages and builds ---------------------------------------------------------------
build() {
  build_anyc_bench
  log "compare.sh: building the Go version (offline)"
  (cd "$HERE/go" &&
    GOPATH="$BUILD/gopath" GOCACHE="$BUILD/gocache" GOFLAGS=-mod=mod GOPROXY=off \
      GO111MODULE=on go build -o "$BUILD/gobench" .)
}

# ---- 3. runs -----------------------------------------------------------------------------
# run_one <impl> <workload>: append its key=value line to $RESULTS (or a fail line).
run_one() {
  local impl=$1 workload=$2 w=$2 n cmd
  [ "$workload" = sleepers_1m ] && w=sleepers
  case $impl in
    anyc | go) n=$N_NATIVE ;;
    *) n=$N_PY ;;
  esac
  case $workload in
    spawn_join) n=$N_SPAWN ;;
    sleepers) n=$N_SLEEPERS ;;
    sleepers_1m)
      case $impl in anyc | go) n=$N_MILLION ;; *) return 0 ;; esac ;;
  esac
  case $impl in
    anyc) cmd=("$BUILD/tests/bench/anyc_bench" "$w" "$n") ;;
    go) cmd=(env GOMAXPROCS=1 "$BUILD/gobench" "$w" "$n") ;;
    trio | anyio) cmd=("$PY" "$HERE/py/bench.py" "$impl" "$w" "$n") ;;
  esac
  local out
  if out=$("${cmd[@]}" 2>>"$BUILD/bench-errors.txt"); then
    printf '%s\n' "$out" | sed "s/workload=$w /workload=$workload /" >>"$RESULTS"
  else
    log "compare.sh: $impl $workload n=$n FAILED (see $BUILD/bench-errors.txt)"
    printf 'impl=%s workload=%s n=%s failed=1\n' "$impl" "$workload" "$n" >>"$RESULTS"
  fi
}

run_all() {
  : >"$RESULTS"
  : >"$BUILD/bench-errors.txt"
  local r w i
  "$BUILD/tests/bench/anyc_machine_probe" >>"$RESULTS"
  for ((r = 1; r <= K; r++)); do
    log "compare.sh: repeat $r/$K"
    for w in $WORKLOADS; do
      for i in $IMPLS; do
        run_one "$i" "$w"
      done
    done
  done
}

# ---- 4. report ---------------------------------------------------------------------------
# stat <median|min> <impl> <workload> <metric>: over the repeats; "fail" if any failed,
# "-" if never run.
stat() {
  local vals
  if grep -q "^impl=$2 workload=$3 .*failed=1" "$RESULTS"; then
    echo fail
    return
  fi
  vals=$(grep "^impl=$2 workload=$3 " "$RESULTS" | tr ' ' '\n' | sed -n "s/^$4=//p" | sort -g)
  if [ -z "$vals" ]; then
    echo -
    return
  fi
  printf '%s\n' "$vals" | awk -v mode="$1" '{ v[NR] = $1 }
    END { m = mode == "min" ? v[1] : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf(m >= 100 ? "%.0f\n" : "%.1f\n", m) }'
}
median() { stat median "$@"; }

# ratio <other> <anyc>: other ÷ anyc, or "-".
ratio() {
  awk -v o="$1" -v a="$2" 'BEGIN {
    if (o + 0 > 0 && a + 0 > 0) printf("%.1f\n", o / a); else print "-" }'
}

# meets <value> <target>: yes/no/-.
meets() {
  awk -v v="$1" -v t="$2" 'BEGIN {
    if (t == "" || v + 0 <= 0) print "-"; else print (v + 0 <= t + 0 ? "yes" : "**no**") }'
}

# row <label> <workload> <metric> <target or empty> <unit shown with the target>
row() {
  local label=$1 w=$2 m=$3 target=$4 a t y g
  a=$(median anyc "$w" "$m")
  t=$(median trio "$w" "$m")
  y=$(median anyio "$w" "$m")
  g=$(median go "$w" "$m")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$a" \
    "$(stat min anyc "$w" "$m")" "$t" "$y" "$g" \
    "$(ratio "$t" "$a")" "$(ratio "$y" "$a")" "$(ratio "$g" "$a")" \
    "${target:+≤ $target}" "$(meets "$a" "$target")"
}

# works <impl>: did every repeat of the 1M-sleeper run succeed?
works() {
  if grep -q "^impl=$1 workload=sleepers_1m .*failed=1" "$RESULTS"; then
    echo "**fails**"
  elif grep -q "^impl=$1 workload=sleepers_1m " "$RESULTS"; then
    echo works
  else
    echo "not run"
  fi
}

n_of() { grep -m1 "^impl=$1 workload=$2 " "$RESULTS" | sed -n 's/.* n=\([0-9]*\).*/\1/p'; }

report() {
  local py_ver trio_ver anyio_ver go_ver uv_ver cc_ver
  py_ver=$("$PY" -c 'import sys; print(sys.version.split()[0])')
  trio_ver=$("$PY" -c 'import trio; print(trio.__version__)' 2>/dev/null || echo -)
  anyio_ver=$(dpkg-query -W -f='${Version}' python3-anyio 2>/dev/null || echo -)
  go_ver=$(go version | awk '{print $3}')
  uv_ver=$(pkg-config --modversion libuv 2>/dev/null || echo -)
  cc_ver=$(${CC:-cc} --version | head -1)
  echo "- Machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r)."
  echo "- anyc $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo ?) (Release -O2," \
    "$cc_ver, libuv $uv_ver); Python $py_ver with Trio $trio_ver, AnyIO $anyio_ver" \
    "(asyncio backend); $go_ver with GOMAXPROCS=1."
  local probe
  probe=$(grep -m1 '^impl=machine ' "$RESULTS" || true)
  if [ -n "$probe" ]; then
    field() { printf '%s\n' "$probe" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    echo "- Machine costs (anyc_machine_probe): clock_gettime $(field clock_ns) ns;" \
      "first touch of a page $(field fault_ns) ns; a dependent load from a cold slot" \
      "$(field cold_135168_ns) ns at anyc's 132 KiB stack-slot stride," \
      "$(field cold_4096_ns) ns at 4 KiB, $(field cold_256_ns) ns at 256 B."
  fi
  echo "- Median of $K repeats (\"anyc best\": the fastest of them; \"met\" judges the median)," \
    "implementations alternating within each repeat." \
    "Loop workloads: $N_NATIVE ops (anyc, Go), $N_PY ops (Trio, AnyIO);" \
    "spawn_join $N_SPAWN tasks; sleepers $N_SLEEPERS tasks in every implementation."
  echo
  echo '| workload | anyc | anyc best | Trio | AnyIO | Go (1 P) | Trio ÷ anyc | AnyIO ÷ anyc | Go ÷ anyc | anyc target | met |'
  echo '|---|---|---|---|---|---|---|---|---|---|---|'
  row "spawn+join, $N_SPAWN in one group, ns/task" spawn_join ns_per_op 60
  row "spawn+join, groups of 1,000, ns/task" spawn_batch ns_per_op 60
  row "yield (sleep 0), ns/switch" yield_pingpong ns_per_op 15
  row "spawn a sleeper, ns/task" sleepers spawn_ns_per_task ""
  row "cancel a sleeper, ns/task" sleepers cancel_ns_per_task 100
  row "RSS per sleeping task, B" sleepers rss_bytes_per_task 4608
  row "move_on_after over checkpoint, ns" timeout_scope ns_per_op 40
  row "checkpoint only, ns" checkpoint_only ns_per_op ""
  if grep -q 'workload=sleepers_1m ' "$RESULTS"; then
    local m
    m=$(n_of anyc sleepers_1m)
    [ -n "$m" ] || m=$(n_of go sleepers_1m)
    printf '| %s concurrent sleepers | %s | | not run | not run | %s | | | | works | %s |\n' \
      "$m" "$(works anyc)" "$(works go)" \
      "$([ "$(works anyc)" = works ] && echo yes || echo '**no**')"
    row "… spawn, ns/task ($m)" sleepers_1m spawn_ns_per_task ""
    row "… RSS per task, B ($m)" sleepers_1m rss_bytes_per_task 4608
    row "… cancel, ns/task ($m)" sleepers_1m cancel_ns_per_task 100
  fi
  echo
  echo "Raw results: $RESULTS"
}

main() {
  install_missing python3-trio python3-anyio golang-go
  mkdir -p "$BUILD"
  build
  run_all
  report
}

main "$@"
