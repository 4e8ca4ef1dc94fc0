/*
 * Prometheus metrics: the host's counters in the text exposition format
 * (version 0.0.4) on `GET /metrics` of host.metrics_listen.
 */
#ifndef EVH_METRICS_H
#define EVH_METRICS_H

#include <stddef.h>

struct evh_host;

/* The exposition of every counter of the host; malloc'd, NULL when out
 * of memory.  Any thread; takes the host's insts_lock. */
char *metrics_text(struct evh_host *h, size_t *len);

/* Listen on host.metrics_listen (no-op when it is not set).  EVH_OK, or
 * EVH_ECONN (logged) when the address cannot be bound. */
int metrics_start(struct evh_host *h);
/* Stop serving; no request runs after it returns. */
void metrics_stop(struct evh_host *h);

#endif
