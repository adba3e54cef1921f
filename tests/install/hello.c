/* hello.c — the smallest anyc program: a group with two children.  Built out of tree
 * against the installed library by check-install.sh. */
#include <anyc.h>
#include <stdio.h>

static int child(void *arg)
{
  int rc = anyc_sleep(0.001);
  if (rc == 0)
    printf("child %s\n", (const char *)arg);
  return rc;
}

static int main_task(void *arg)
{
  (void)arg;
  anyc_group g;
  int rc = anyc_group_open(&g);
  if (rc < 0)
    return rc;
  rc = anyc_start_soon(&g, child, (void *)"a");
  if (rc == 0)
    rc = anyc_start_soon(&g, child, (void *)"b");
  return anyc_group_close(&g, rc);
}

int main(void)
{
  int rc = anyc_run(main_task, NULL);
  printf("done %d\n", rc);
  return rc == 0 ? 0 : 1;
}
