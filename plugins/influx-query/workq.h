/*
 * A bounded queue of jobs and the threads that run them: the reader
 * answers several requests at once, and past `capacity` waiting ones it
 * says "busy" at once instead of queueing without bound.
 */
#ifndef EVH_QUERY_WORKQ_H
#define EVH_QUERY_WORKQ_H

#include <stddef.h>

typedef struct workq workq;

/** Runs one job on worker thread `worker` (0..nworkers-1); owns `job`. */
typedef void (*workq_fn)(void *ctx, size_t worker, void *job);

/**
 * Start `nworkers` threads taking jobs from a queue of at most
 * `capacity`.  NULL when memory or threads are short (nothing left
 * running).
 */
workq *workq_new(size_t nworkers, size_t capacity, workq_fn fn, void *ctx);

/** Queue a job: 0, or -1 when the queue is full or closed (job not taken). */
int workq_push(workq *q, void *job);

/** Jobs waiting (not yet taken by a worker). */
size_t workq_waiting(workq *q);

/**
 * No more jobs: the workers run what is queued, then end; returns once
 * they have.  Idempotent.
 */
void workq_close(workq *q);

/** Close (if not yet) and free. */
void workq_free(workq *q);

#endif /* EVH_QUERY_WORKQ_H */
