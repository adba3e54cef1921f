/* main.c — start the Swarm in a background block, connect three clients one after
 * another, print the echoes, stop. */
#include <stdio.h>
#include <string.h>

#include "swarm.h"

static int client(int port, int i)
{
  anyc_stream *s;
  char msg[32], buf[64];
  int rc = anyc_tcp_connect("127.0.0.1", port, &s);
  if (rc)
    return rc;
  int len = snprintf(msg, sizeof msg, "hello %d", i);
  rc = anyc_stream_send(s, msg, (size_t)len);
  size_t got = 0;
  while (rc == 0 && got < sizeof buf - 1) {
    ssize_t n = anyc_stream_receive(s, buf + got, sizeof buf - 1 - got);
    if (n == ANYC_EOF)
      break;
    if (n < 0)
      rc = (int)n;
    else
      got += (size_t)n;
  }
  buf[got] = '\0';
  if (rc == 0)
    printf("client %d: %s\n", i, buf);
  anyc_stream_close(s);
  return rc;
}

static int app(void *arg)
{
  struct swarm *sw = arg;
  as_manager *m;
  int rc = as_background_service_enter(&sw->service, &m);
  if (rc)
    return rc;
  while (!sw->port && !rc)
    rc = anyc_sleep(0.0005);
  printf("swarm: listening\n");
  for (int i = 1; i <= 3 && !rc; i++)
    rc = client(sw->port, i);
  rc = as_background_service_exit(m, rc);
  printf("swarm: stopped rc=%d handled=%d live=%d\n", rc, sw->handled, sw->live);
  anyc_listener_close(sw->listener);
  as_service_destroy(&sw->service);
  return rc;
}

int main(void)
{
  static struct swarm sw;
  swarm_init(&sw);
  return anyc_run(app, &sw) ? 1 : 0;
}
