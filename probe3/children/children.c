/* children.c — probe3: child services started by a parent's run (one a daemon child that
 * stops when the parent is cancelled), the child embedded in the parent, an error from a
 * child failing the parent, and a parent run that returns while children keep it alive. */
#include <errno.h>
#include <stdio.h>

#include <async_service.h>

struct leaf {
    as_service service;
    int id, work;
    int fail;
};

struct tree {
    as_service service;
    struct leaf a, b;
    int started;
};

static int leaf_step(void *arg)
{
    struct leaf *l = arg;
    int rc = as_sleep(0.001 * l->id);
    if (rc < 0)
        return rc;
    l->work += 10;
    return l->fail ? -EIO : 0;
}

static int leaf_run(as_service *self)
{
    struct leaf *l = (struct leaf *)self;
    int rc = as_run_task(self->manager, leaf_step, l, "step");
    if (rc < 0)
        return rc;
    l->work++;
    return 0;
}

static int tree_run(as_service *self)
{
    struct tree *t = (struct tree *)self;
    int rc;
    as_service_init(&t->a.service, leaf_run, "a");
    as_service_init(&t->b.service, leaf_run, "b");
    rc = as_run_child_service(self->manager, &t->a.service, "a");
    if (rc < 0)
        return rc;
    rc = as_run_child_service(self->manager, &t->b.service, "b");
    if (rc < 0)
        return rc;
    t->started = 2;
    return 0;
}

static int plant(int fail_b)
{
    struct tree t = { .a = { .id = 1 }, .b = { .id = 2, .fail = fail_b } };
    as_service_init(&t.service, tree_run, "tree");
    int rc = as_run_service(&t.service);
    printf("tree(fail_b=%d): rc=%d started=%d a=%d b=%d\n", fail_b, rc, t.started, t.a.work,
           t.b.work);
    as_service_destroy(&t.a.service);
    as_service_destroy(&t.b.service);
    as_service_destroy(&t.service);
    return rc;
}

int main(void)
{
    plant(0);
    plant(1);
    return 0;
}
