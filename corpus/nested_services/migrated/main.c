/* main.c — child services three deep (root > mid > leaf) inside background blocks
 * three deep (root, then logger, then metrics).  Blocks unwind in reverse order; each
 * service tree unwinds leaves first. */
#include <stdio.h>

#include "layer.h"

static struct layer leaf, mid, root, logger, metrics;

static int wait_up(struct layer *l)
{
  int rc = 0;
  while (!l->up && !rc)
    rc = anyc_sleep(0.0005);
  return rc;
}

static int app(void *arg)
{
  (void)arg;
  as_manager *m_root, *m_logger, *m_metrics;
  int rc = as_background_service_enter(&root.service, &m_root);
  if (rc) return rc;
  rc = wait_up(&leaf);
  if (!rc && !(rc = as_background_service_enter(&logger.service, &m_logger))) {
    rc = wait_up(&logger);
    if (!rc && !(rc = as_background_service_enter(&metrics.service, &m_metrics))) {
      rc = wait_up(&metrics);
      printf("app: all layers up\n");
      rc = as_background_service_exit(m_metrics, rc);
    }
    rc = as_background_service_exit(m_logger, rc);
  }
  rc = as_background_service_exit(m_root, rc);
  printf("app: done rc=%d cancelled: root=%d mid=%d leaf=%d\n", rc,
         as_is_cancelled(root.service.manager), as_is_cancelled(mid.service.manager),
         as_is_cancelled(leaf.service.manager));
  as_service_destroy(&leaf.service);
  as_service_destroy(&mid.service);
  as_service_destroy(&root.service);
  as_service_destroy(&logger.service);
  as_service_destroy(&metrics.service);
  return rc;
}

int main(void)
{
  layer_init(&leaf, "leaf", NULL, 0);
  layer_init(&mid, "mid", &leaf, 1);
  layer_init(&root, "root", &mid, 0);
  layer_init(&logger, "logger", NULL, 0);
  layer_init(&metrics, "metrics", NULL, 0);
  return anyc_run(app, NULL) ? 1 : 0;
}
