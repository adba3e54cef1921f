#!/usr/bin/env bash
# tcp_echo.sh — TCP echo throughput and latency: anyc's echo server against Go's and
# Trio's, in one run, driven by the same load client (tcp_echo client, an anyc program).
#
#   tests/bench/tcp_echo.sh        (from anywhere; builds into $BUILD, loopback only)
#
# Each server runs as its own process on 127.0.0.1 (a free port it reports); the client
# opens CONNS connections and, for DURATION seconds, has each one send SIZE bytes and wait for the
# echo, over and over.  Servers run in turn, REPEATS times, alternating.  Every run is
# bounded (the client stops after DURATION; the server is killed after the client).
#
# Environment (optional): ANYC_BENCH_BUILD (default <root>/build-bench), CONNS=1000,
# DURATION=5 (seconds), SIZE=64, REPEATS=2, SERVERS="anyc go trio".
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${ANYC_BENCH_BUILD:-$ROOT/build-bench}
CONNS=${CONNS:-1000}
SECONDS_=${DURATION:-5}
SIZE=${SIZE:-64}
REPEATS=${REPEATS:-2}
SERVERS=${SERVERS:-anyc go trio}
ulimit -n 8192 2>/dev/null || true

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DANYC_BUILD_BENCH=ON \
  -DANYC_BUILD_TESTS=ON -DANYC_BUILD_REWRITER=OFF -DANYC_SANITIZE= >/dev/null
cmake --build "$BUILD" -j2 --target tcp_echo >/dev/null
ECHO=$BUILD/tests/bench/tcp_echo
# Go and Trio are not CI packages (golang-go, python3-trio): a missing one is skipped.
if [[ " $SERVERS " == *" go "* ]] && ! command -v go >/dev/null; then
  echo "tcp_echo.sh: go not found, skipping the Go server" >&2
  SERVERS=${SERVERS/go/}
fi
if [[ " $SERVERS " == *" go "* ]]; then
  (cd "$HERE/tcp_echo_go" && GOPATH="$BUILD/gopath" GOCACHE="$BUILD/gocache" GOPROXY=off \
    GOFLAGS=-mod=mod go build -o "$BUILD/tcp_echo_go" .)
fi
PY=""
for p in /usr/bin/python3 python3; do
  if "$p" -c 'import trio' 2>/dev/null; then PY=$p; break; fi
done
if [[ " $SERVERS " == *" trio "* && -z "$PY" ]]; then
  echo "tcp_echo.sh: no python3 with trio, skipping the Trio server" >&2
  SERVERS=${SERVERS/trio/}
fi

server_cmd() {
  case $1 in
    anyc) echo "$ECHO server 0" ;;
    go) echo "$BUILD/tcp_echo_go 0" ;;
    trio) echo "$PY $HERE/tcp_echo_trio.py 0" ;;
  esac
}

run_one() {
  local impl=$1 out port pid
  out=$(mktemp)
  $(server_cmd "$impl") >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/^port=//p' "$out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "server=$impl failed to start: $(cat "$out")"
  else
    echo "server=$impl $(timeout $((SECONDS_ + 60)) "$ECHO" client "$port" "$CONNS" "$SECONDS_" "$SIZE" || echo failed)"
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$out"
}

echo "# tcp_echo: $CONNS connections, $SIZE-byte messages, ${SECONDS_}s per run, $(nproc) CPUs, $(uname -r)"
for r in $(seq "$REPEATS"); do
  for impl in $SERVERS; do
    run_one "$impl"
  done
done
