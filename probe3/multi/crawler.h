/* crawler.h — probe3 multi: a service whose struct, run, tasks and main are in four files. */
#ifndef CRAWLER_H
#define CRAWLER_H
#include <async_service.h>

struct crawler {
    as_service service;
    int pages;
    int fetched[4];
};

int crawler_fetch(void *arg);
int crawler_run(as_service *self);
#endif
