/* pool.h — a connection pool service: one task per connection; run() only opens them
 * and returns, the connections keep the pool alive. */
#ifndef POOL_H
#define POOL_H

#include <async_service.h>

#define POOL_CONNS 3

struct pool;

struct conn
{
  struct pool *pool;
  int id;
  int flush_fails;      /* its flush on close fails with -EPIPE */
};

struct pool
{
  as_service service;
  struct conn conns[POOL_CONNS];
  int open, closed, served;
};

void pool_setup(struct pool *p);

#endif
