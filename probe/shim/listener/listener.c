/* listener.c — the Swarm shape: run() opens a private nursery (an anyc group the
 * manager does not own) whose listener task turns each incoming connection into a
 * handler scheduled with as_run_task — a root task of the service.  Each handler
 * schedules an ack (its child) and, when it is cancelled, tries to schedule a goodbye,
 * which a cancelled service drops.  The owner stops the service from its block. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

#define NCONN 3

struct node;
struct conn {
  struct node *n;
  int id;
};

struct node {
  as_service service;
  anyc_sender *tx;
  anyc_receiver *rx;
  struct conn conns[NCONN];
  int listening, handlers_up, acks, closed, goodbyes_ran;
  int goodbye_rc[NCONN];
  int run_rc;
};

static int goodbye(void *arg)
{
  struct node *n = arg;
  n->goodbyes_ran++;
  return 0;
}

static int ack(void *arg)
{
  struct node *n = arg;
  n->acks++;
  return 0;
}

static int handler(void *arg)
{
  struct conn *c = arg;
  struct node *n = c->n;
  as_manager *m = n->service.manager;
  int rc;
  n->handlers_up++;
  if (as_is_running(m) && (rc = as_run_task(m, ack, n, "ack")))
    return rc;
  while ((rc = as_sleep(0.001)) == 0)
    ;
  n->goodbye_rc[c->id] = as_run_task(m, goodbye, n, "goodbye");
  n->closed++;
  return rc;
}

static int listener(void *arg)
{
  struct node *n = arg;
  n->listening = 1;
  for (;;) {
    void *item;
    int rc = anyc_receive(n->rx, &item);
    if (rc)
      return rc == ANYC_EOF ? 0 : rc;
    if ((rc = as_run_task(n->service.manager, handler, item, "handler")))
      return rc;
  }
}

static int node_run(as_service *self)
{
  struct node *n = (struct node *)self;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc)
    return rc;
  if ((rc = anyc_start_soon(&g, listener, n)) == 0) {
    rc = as_wait_finished(self->manager);
    anyc_group_cancel(&g);
  }
  rc = anyc_group_close(&g, rc);
  n->run_rc = rc;
  return rc;
}

static void show(const char *when, const as_manager *m)
{
  as_stats st;
  as_get_stats(m, &st);
  printf("node: %s: running=%d cancelled=%d finished=%d error=%d total=%lu finished=%lu "
         "pending=%lu\n",
         when, as_is_running(m), as_is_cancelled(m), as_is_finished(m), as_did_error(m),
         st.total_count, st.finished_count, st.pending_count);
}

static int owner(void *arg)
{
  struct node *n = arg;
  as_manager *m;
  int rc = as_background_service_enter(&n->service, &m);
  if (rc)
    return rc;
  while (!n->listening)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  for (int i = 0; i < NCONN; i++)
    if ((rc = anyc_send(n->tx, &n->conns[i])))
      goto leave;
  while (n->handlers_up < NCONN || n->acks < NCONN)
    if ((rc = as_sleep(0.0002)))
      goto leave;
  show("serving", m);
  rc = as_stop(m);
  printf("node: stop -> %d, closed=%d goodbyes ran=%d run -> %s\n", rc, n->closed,
         n->goodbyes_ran, anyc_strerror(n->run_rc));
  for (int i = 0; i < NCONN; i++)
    printf("node: goodbye %d scheduled -> %d\n", i, n->goodbye_rc[i]);
  show("stopped", m);
leave:
  rc = as_background_service_exit(m, rc);
  printf("node: exit -> %d\n", rc);
  return rc;
}

int main(void)
{
  static struct node n;
  for (int i = 0; i < NCONN; i++)
    n.conns[i] = (struct conn){&n, i};
  if (anyc_channel_open(NCONN, &n.tx, &n.rx))
    return 1;
  as_service_init(&n.service, node_run, "node");
  int rc = as_run(owner, &n);
  anyc_sender_close(n.tx);
  anyc_receiver_close(n.rx);
  as_service_destroy(&n.service);
  return rc;
}
