#include "workq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct workq {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    void **ring;
    size_t cap, head, len;
    bool closed, joined;
    pthread_t *threads;
    size_t nthreads;
    workq_fn fn;
    void *ctx;
};

typedef struct worker_arg {
    workq *q;
    size_t index;
} worker_arg;

static void *worker(void *p)
{
    worker_arg a = *(worker_arg *)p;
    free(p);
    workq *q = a.q;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->len == 0 && !q->closed)
            pthread_cond_wait(&q->ready, &q->lock);
        if (q->len == 0)
            break; /* closed and drained */
        void *job = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        pthread_mutex_unlock(&q->lock);
        q->fn(q->ctx, a.index, job);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

workq *workq_new(size_t nworkers, size_t capacity, workq_fn fn, void *ctx)
{
    workq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity, sizeof *q->ring);
    q->threads = calloc(nworkers, sizeof *q->threads);
    q->cap = capacity;
    q->fn = fn;
    q->ctx = ctx;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    if (!q->ring || !q->threads) {
        workq_free(q);
        return NULL;
    }
    for (size_t i = 0; i < nworkers; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (a) {
            a->q = q;
            a->index = i;
        }
        if (!a || pthread_create(&q->threads[i], NULL, worker, a) != 0) {
            free(a);
            workq_free(q);
            return NULL;
        }
        q->nthreads++;
    }
    return q;
}

int workq_push(workq *q, void *job)
{
    pthread_mutex_lock(&q->lock);
    bool ok = !q->closed && q->len < q->cap;
    if (ok) {
        q->ring[(q->head + q->len) % q->cap] = job;
        q->len++;
        pthread_cond_signal(&q->ready);
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}

size_t workq_waiting(workq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void workq_close(workq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    bool join = !q->joined;
    q->joined = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    if (join)
        for (size_t i = 0; i < q->nthreads; i++)
            pthread_join(q->threads[i], NULL);
}

void workq_free(workq *q)
{
    if (!q)
        return;
    workq_close(q);
    /* Jobs are the caller's: a closed queue was drained by its workers. */
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
    free(q->threads);
    free(q->ring);
    free(q);
}
