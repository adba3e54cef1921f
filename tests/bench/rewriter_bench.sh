#!/usr/bin/env bash
# rewriter_bench.sh — anyc-migrate against clang -fsyntax-only and Coccinelle (issue 6).
#
#   1. a generated tree of N C files (default 2,000) in the shape of the corpus: a service
#      per file (struct embedding as_service, run, tasks, as_sleep / as_is_running /
#      as_to_thread / as_run calls), plus one file in ten with no legacy use at all;
#   2. libuv's real source (apt-get source libuv1, deb-src enabled in a private apt
#      configuration; skipped without network), which has no legacy use.
# On each: `clang -fsyntax-only` over every file (one process per file, sequential: the
# parse cost anyc-migrate cannot beat), `anyc-migrate -j1` and `-j2` (diff mode, output
# discarded), and `spatch` (Debian coccinelle) applying a semantic patch for the rules it
# can express (as_sleep, as_to_thread, as_run, as_is_running), -j1.  Each is timed R
# times (default 3); the median is printed with the ratios the issue targets:
# anyc-migrate -j1 / clang <= 1.3, spatch / anyc-migrate >= 5 on the generated tree,
# anyc-migrate within 2x of spatch on libuv.
#
# usage: tests/bench/rewriter_bench.sh [N] [R]   (env: BUILD=build-bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-2000}
reps=${2:-3}
build=${BUILD:-$root/build-bench}
work=$build/rewriter-bench
mkdir -p "$work"

need=()
command -v spatch >/dev/null || need+=(coccinelle)
command -v clang >/dev/null || need+=(clang)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get install -y -q "${need[@]}" >/dev/null
fi
migrate=$build/rewriter/anyc-migrate
if [ ! -x "$migrate" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DANYC_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target anyc-migrate >/dev/null
fi

# ---- the generated tree ----
tree=$work/tree
if [ ! -f "$tree/.n-$n" ]; then
  rm -rf "$tree"
  mkdir -p "$tree"
  for ((i = 0; i < n; i++)); do
    d=$tree/mod$((i / 100))
    mkdir -p "$d"
    if ((i % 10 == 9)); then
      cat >"$d/plain$i.c" <<EOF
#include <stdio.h>
#include <string.h>
struct buf$i { char data[64]; size_t len; };
static size_t fill$i(struct buf$i *b, const char *s) {
  b->len = strlen(s) < sizeof b->data ? strlen(s) : sizeof b->data - 1;
  memcpy(b->data, s, b->len);
  b->data[b->len] = '\0';
  return b->len;
}
int use$i(void) { struct buf$i b; return (int)fill$i(&b, "plain file $i"); }
EOF
      continue
    fi
    cat >"$d/svc$i.c" <<EOF
#include <async_service.h>
#include <stdio.h>

struct svc$i {
    as_service service;
    double     interval;
    int        ticks;
};

static int compute$i(void *arg) {
    int *v = arg;
    return *v > 0 ? 0 : -1;
}

static int tick$i(void *arg) {
    struct svc$i *s = arg;
    while (as_is_running(s->service.manager)) {
        s->ticks++;
        int rc = as_sleep(s->interval);
        if (rc < 0) return rc;
        rc = as_to_thread(compute$i, &s->ticks);
        if (rc < 0) return rc;
    }
    return 0;
}

static int run$i(as_service *self) {
    struct svc$i *s = (struct svc$i *)self;
    as_run_daemon_task(self->manager, tick$i, s, "tick");
    return as_wait_finished(self->manager);
}

static int main$i(void *arg) {
    struct svc$i *s = arg;
    as_service_init(&s->service, run$i, "svc$i");
    return as_run_service(&s->service);
}

int start$i(void) {
    static struct svc$i s = { .interval = 0.5 };
    return as_run(main$i, &s);
}
EOF
  done
  touch "$tree/.n-$n"
fi

cat >"$work/rules.cocci" <<'EOF'
@@
expression E;
@@
- as_sleep(E)
+ anyc_sleep(E)

@@
expression F, A;
@@
- as_to_thread(F, A)
+ anyc_to_thread(F, A, 0)

@@
expression F, A;
@@
- as_run(F, A)
+ anyc_run(F, A)

@@
expression M;
@@
- as_is_running(M)
+ !anyc_cancelled()
EOF

# ---- libuv's source ----
libuv=""
src=$work/aptsrc
mkdir -p "$src/lists/partial" "$src/cache/archives/partial" "$src/parts"
cat >"$src/parts/src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
aptq=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$src/parts"
      -o "Dir::State::Lists=$src/lists" -o "Dir::Cache=$src/cache")
if [ ! -d "$src/libuv" ]; then
  if (cd "$src" && timeout 120 apt-get "${aptq[@]}" update >/dev/null 2>&1 &&
      timeout 120 apt-get "${aptq[@]}" source --download-only libuv1 >/dev/null 2>&1); then
    mkdir -p "$src/libuv" && tar -xzf "$src"/libuv1_*.orig.tar.gz -C "$src/libuv" --strip-components=1
  fi
fi
[ -d "$src/libuv/src" ] && libuv=$src/libuv

# ---- timing ----
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() { # timeit CMD...: median wall seconds over $reps runs
  for ((r = 0; r < reps; r++)); do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done | median
}
clang_all() { # clang -fsyntax-only over every file of $1, sequentially
  # shellcheck disable=SC2086  # $2: extra flags, word-split on purpose
  find "$1" -name '*.c' -print0 | xargs -0 -n1 clang -fsyntax-only -w -I "$root/include" ${2:-}
}

files=$(find "$tree" -name '*.c' | wc -l)
echo "generated tree: $files files"
t_clang=$(timeit clang_all "$tree")
t_m1=$(timeit "$migrate" -q -j1 -I "$root/include" "$tree")
t_m2=$(timeit "$migrate" -q -j2 -I "$root/include" "$tree")
t_sp=$(timeit spatch --very-quiet -j 1 --sp-file "$work/rules.cocci" --dir "$tree" -I "$root/include")

printf '\n| tree | clang -fsyntax-only | anyc-migrate -j1 | anyc-migrate -j2 | spatch -j1 | migrate/clang | spatch/migrate | -j1/-j2 |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
printf '| generated, %s files | %.2f s | %.2f s | %.2f s | %.2f s | %.2f | %.1f | %.2f |\n' \
  "$files" "$t_clang" "$t_m1" "$t_m2" "$t_sp" "$(echo "$t_m1/$t_clang" | bc -l)" \
  "$(echo "$t_sp/$t_m1" | bc -l)" "$(echo "$t_m1/$t_m2" | bc -l)"
if [ -n "$libuv" ]; then
  lf=$(find "$libuv/src" -name '*.c' | wc -l)
  u_clang=$(timeit clang_all "$libuv/src" "-I$libuv/include -I$libuv/src -D_GNU_SOURCE")
  u_m1=$(timeit "$migrate" -q -j1 --check -I "$libuv/include" -I "$libuv/src" "$libuv/src")
  u_m2=$(timeit "$migrate" -q -j2 --check -I "$libuv/include" -I "$libuv/src" "$libuv/src")
  u_sp=$(timeit spatch --very-quiet -j 1 --sp-file "$work/rules.cocci" --dir "$libuv/src")
  printf '| libuv 1.44 src, %s files | %.2f s | %.2f s | %.2f s | %.2f s | %.2f | %.1f | %.2f |\n' \
    "$lf" "$u_clang" "$u_m1" "$u_m2" "$u_sp" "$(echo "$u_m1/$u_clang" | bc -l)" \
    "$(echo "$u_sp/$u_m1" | bc -l)" "$(echo "$u_m1/$u_m2" | bc -l)"
else
  echo "(libuv source not available: apt-get source failed, no network?)"
fi
echo
echo "targets: migrate/clang <= 1.3 (-j1); spatch/migrate >= 5 (generated); on libuv migrate within 2x of spatch"
