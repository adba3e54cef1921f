/* waitfor.c — probe3: as_wait_for that times out, that returns an error, that ignores
 * cancellation (a loop without checks then a sleep), nested wait_for, a zero timeout,
 * and as_sleep with 0 and negative delays. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

static int slow(void *arg)
{
    int *n = arg;
    int rc = as_sleep(1.0);
    (*n)++;
    return rc;
}

static int failing(void *arg)
{
    (void)arg;
    if (as_sleep(0.001) != 0)
        return -ECANCELED;
    return -EPROTO;
}

static int inner(void *arg)
{
    int *n = arg;
    int rc = as_wait_for(slow, n, 0.01);
    printf("inner: rc=%d\n", rc);
    return rc;
}

static int body(void *arg)
{
    int n = 0, rc;
    (void)arg;
    rc = as_wait_for(slow, &n, 0.01);
    printf("timeout: rc=%d n=%d\n", rc, n);
    rc = as_wait_for(failing, NULL, 1.0);
    printf("failing: rc=%d\n", rc);
    rc = as_wait_for(inner, &n, 1.0);
    printf("nested: rc=%d n=%d\n", rc, n);
    rc = as_wait_for(slow, &n, 0);
    printf("zero: rc=%d n=%d\n", rc, n);
    printf("sleep0: %d\n", as_sleep(0));
    printf("sleepneg: %d\n", as_sleep(-1));
    return 0;
}

int main(void)
{
    int rc = as_run(body, NULL);
    printf("rc=%d\n", rc);
    return 0;
}
