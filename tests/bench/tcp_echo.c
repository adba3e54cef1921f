/* tcp_echo.c — the TCP echo benchmark of issue 4: an anyc echo server and the load
 * client that tcp_echo.sh points at it and at the Go and Trio servers alike.
 *
 *   tcp_echo server [port]                 listen on 127.0.0.1 (0 = any port), print
 *                                          "port=<n>", echo until killed
 *   tcp_echo client <port> [conns] [seconds] [size]
 *       opens `conns` connections (default 1000) to 127.0.0.1:<port>, then for `seconds`
 *       (default 5) each connection sends `size` bytes (default 64) and waits for them to
 *       come back, over and over.  Prints one line: round trips per second, MB/s each
 *       way and the round-trip latency percentiles (p50, p99, max) in microseconds.
 * Loopback only; everything is bounded by the duration.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anyc.h>

#define MAX_SIZE 65536
#define HIST_US 1000000 /* latency histogram: 1 µs buckets up to 1 s, then the last */

/* ---- server ---- */

static int echo(anyc_stream *s, void *arg)
{
  char buf[16384];
  (void)arg;
  for (;;) {
    ssize_t n = anyc_stream_receive(s, buf, sizeof buf);
    if (n == ANYC_EOF || n == -ECONNRESET)
      return 0;
    if (n < 0)
      return (int)n;
    int rc = anyc_stream_send(s, buf, (size_t)n);
    if (rc == -EPIPE || rc == -ECONNRESET)
      return 0;
    if (rc < 0)
      return rc;
  }
}

static int server_main(void *arg)
{
  anyc_listener *l;
  int rc = anyc_tcp_listen("127.0.0.1", *(int *)arg, &l);
  if (rc < 0)
    return rc;
  printf("port=%d\n", anyc_listener_port(l));
  fflush(stdout);
  rc = anyc_serve(l, echo, NULL);
  anyc_listener_close(l);
  return rc;
}

/* ---- client ---- */

static int port, conns, size;
static double seconds, t_end;
static unsigned *hist;
static uint64_t roundtrips;
static int connected, failures;
static anyc_event all_connected;

static int connection(void *arg)
{
  (void)arg;
  char out[MAX_SIZE], in[MAX_SIZE];
  anyc_stream *s;
  memset(out, 'e', (size_t)size);
  int rc = anyc_tcp_connect("127.0.0.1", port, &s);
  if (rc < 0) {
    failures++;
    return rc;
  }
  if (++connected == conns)
    anyc_event_set(&all_connected);
  rc = anyc_event_wait(&all_connected);
  while (rc == 0 && anyc_now() < t_end) {
    double t0 = anyc_now();
    rc = anyc_stream_send(s, out, (size_t)size);
    for (int got = 0; rc == 0 && got < size;) {
      ssize_t n = anyc_stream_receive(s, in + got, (size_t)(size - got));
      if (n < 0)
        rc = (int)n;
      else
        got += (int)n;
    }
    if (rc == 0) {
      double us = (anyc_now() - t0) * 1e6;
      hist[us < HIST_US ? (size_t)us : HIST_US]++;
      roundtrips++;
    }
  }
  anyc_stream_close(s);
  return rc == -ECANCELED ? 0 : rc;
}

static double percentile(double p)
{
  uint64_t want = (uint64_t)ceil(p * (double)roundtrips), seen = 0;
  for (size_t i = 0; i <= HIST_US; i++)
    if ((seen += hist[i]) >= want && want > 0)
      return (double)i;
  return 0;
}

static int client_main(void *arg)
{
  (void)arg;
  anyc_group g;
  anyc_scope deadline;
  anyc_event_init(&all_connected);
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  t_end = INFINITY;
  for (int i = 0; i < conns && rc == 0; i++)
    rc = anyc_start_soon(&g, connection, NULL);
  /* Connecting is not measured: the clock starts when every connection is up. */
  if (rc == 0)
    rc = anyc_event_wait(&all_connected);
  double t0 = anyc_now();
  t_end = t0 + seconds;
  if (rc == 0 && (rc = anyc_move_on_at(&deadline, t_end + 5.0)) == 0)
    rc = anyc_scope_close(&deadline, anyc_sleep_until(t_end));
  rc = anyc_group_close(&g, rc);
  double elapsed = anyc_now() - t0;
  printf("conns=%d size=%d seconds=%.2f roundtrips=%llu rt_per_sec=%.0f mb_per_sec=%.2f "
         "p50_us=%.0f p99_us=%.0f max_us=%.0f failures=%d\n",
         conns, size, elapsed, (unsigned long long)roundtrips, (double)roundtrips / elapsed,
         (double)roundtrips * size / elapsed / 1e6, percentile(0.50), percentile(0.99),
         percentile(1.0), failures);
  return rc;
}

int main(int argc, char **argv)
{
  int rc;
  if (argc >= 2 && strcmp(argv[1], "server") == 0) {
    int p = argc > 2 ? atoi(argv[2]) : 0;
    rc = anyc_run(server_main, &p);
  } else if (argc >= 3 && strcmp(argv[1], "client") == 0) {
    port = atoi(argv[2]);
    conns = argc > 3 ? atoi(argv[3]) : 1000;
    seconds = argc > 4 ? atof(argv[4]) : 5.0;
    size = argc > 5 ? atoi(argv[5]) : 64;
    if (conns < 1 || size < 1 || size > MAX_SIZE || !(seconds > 0 && seconds <= 600)) {
      fprintf(stderr, "tcp_echo: bad arguments\n");
      return 2;
    }
    hist = calloc(HIST_US + 1, sizeof *hist);
    if (!hist)
      return 1;
    anyc_config cfg = {256 * 1024, 0, 0.0}; /* two 64 KiB buffers per connection task */
    rc = anyc_run_with(&cfg, client_main, NULL);
    free(hist);
  } else {
    fprintf(stderr, "usage: tcp_echo server [port] | tcp_echo client <port> [conns] "
                    "[seconds] [size]\n");
    return 2;
  }
  if (rc != 0)
    fprintf(stderr, "tcp_echo: %s\n", anyc_strerror(rc));
  return rc == 0 ? 0 : 1;
}
