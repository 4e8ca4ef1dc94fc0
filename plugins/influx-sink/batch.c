/* influx-sink: batches, their writes, and the writer threads (batch.h). */
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int batch_grow(batch *b)
{
    if (b->n + 1 < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 1024;
    size_t *off = realloc(b->off, (cap + 1) * sizeof *off);
    if (off)
        b->off = off;
    evh_msg **m = realloc(b->msgs, cap * sizeof *m);
    if (m)
        b->msgs = m;
    unsigned char *st = realloc(b->state, cap);
    if (st)
        b->state = st;
    if (!off || !m || !st)
        return -1;
    if (b->why) {
        char **why = realloc(b->why, cap * sizeof *why);
        if (!why)
            return -1;
        memset(why + b->cap, 0, (cap - b->cap) * sizeof *why);
        b->why = why;
    }
    b->cap = cap;
    return 0;
}

void batch_compact(batch *b)
{
    size_t w = 0, bytes = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->why) {
            free(b->why[i]);
            b->why[i] = NULL;
        }
        if (b->state[i] != LINE_PENDING)
            continue;
        size_t len = b->off[i + 1] - b->off[i];
        memmove(b->body.data + bytes, b->body.data + b->off[i], len);
        b->off[w] = bytes;
        b->msgs[w] = b->msgs[i];
        b->state[w] = LINE_PENDING;
        bytes += len;
        w++;
    }
    b->n = w;
    if (b->off)
        b->off[w] = bytes;
    b->body.len = bytes;
    if (b->body.data)
        b->body.data[bytes] = '\0';
    if (w == 0)
        b->first_ns = 0;
}

void batch_free(batch *b)
{
    if (!b)
        return;
    if (b->why)
        for (size_t i = 0; i < b->cap; i++)
            free(b->why[i]);
    free(b->why);
    evl_buf_free(&b->body);
    free(b->off);
    free(b->msgs);
    free(b->state);
    free(b);
}

static void create_database(evl_influx *db, const char *database)
{
    char q[512], err[256], *out = NULL;
    evl_buf id = {0};
    for (const char *p = database; *p; p++) {
        if (*p == '"' || *p == '\\')
            evl_buf_addc(&id, '\\');
        evl_buf_addc(&id, *p);
    }
    snprintf(q, sizeof q, "CREATE DATABASE \"%s\"", id.data ? id.data : "");
    evl_buf_free(&id);
    /* Its outcome shows in the retried write. */
    (void)evl_influx_query(db, q, NULL, &out, err, sizeof err);
    free(out);
}

static void mark_poison(batch *b, size_t i, const evl_write_result *res)
{
    if (!b->why)
        b->why = calloc(b->cap, sizeof *b->why);
    if (b->why) {
        char tmp[600];
        snprintf(tmp, sizeof tmp, "HTTP %ld: %s", res->http_status,
                 res->message);
        free(b->why[i]);
        b->why[i] = strdup(tmp);
    }
    b->state[i] = LINE_POISON;
}

/* Write lines [lo, hi); mark them written or poison.  Returns 0 when
 * every line was settled, or -1 (retry later) with the reason in res. */
static int write_range(batch *b, size_t lo, size_t hi, evl_influx *db,
                       const char *database, bool *create_db,
                       evl_write_result *res)
{
    size_t a = b->off[lo], z = b->off[hi];
    evl_influx_write(db, b->body.data + a, z - a, res);
    switch (res->outcome) {
    case EVL_WRITE_OK:
        for (size_t i = lo; i < hi; i++)
            b->state[i] = LINE_WRITTEN;
        return 0;
    case EVL_WRITE_BAD_DATA:
    case EVL_WRITE_TOO_LARGE:
        if (hi - lo == 1) {
            /* This point alone is refused: it is poison, not an outage. */
            mark_poison(b, lo, res);
            return 0;
        }
        {
            size_t mid = lo + (hi - lo) / 2;
            evl_write_result r2;
            if (write_range(b, lo, mid, db, database, create_db, res) != 0)
                return -1;
            if (write_range(b, mid, hi, db, database, create_db, &r2) != 0) {
                *res = r2;
                return -1;
            }
            return 0;
        }
    case EVL_WRITE_NOT_FOUND:
        if (*create_db) {
            *create_db = false;
            create_database(db, database);
            return write_range(b, lo, hi, db, database, create_db, res);
        }
        return -1;
    default: return -1;
    }
}

void batch_write(batch *b, evl_influx *db, const char *database,
                 bool *create_db)
{
    memset(&b->res, 0, sizeof b->res);
    b->rc =
        b->n ? write_range(b, 0, b->n, db, database, create_db, &b->res) : 0;
}

/* ------------------------------------------------------------ writers --- */

typedef struct writer {
    writers *pool;
    evl_influx *db;
    bool create_db;
    pthread_t thread;
    bool started;
} writer;

struct writers {
    pthread_mutex_t lock;
    pthread_cond_t work, done_cv;
    batch *queue, **queue_tail; /* submitted, not yet taken by a writer */
    batch *done, **done_tail;   /* written or failed, not yet taken back */
    size_t busy;
    bool stopping;
    char *database;
    writer *w;
    int n;
};

static void push(batch **head, batch ***tail, batch *b)
{
    b->next = NULL;
    **tail = b;
    *tail = &b->next;
}

static batch *pop(batch **head, batch ***tail)
{
    batch *b = *head;
    if (b) {
        *head = b->next;
        if (!*head)
            *tail = head;
        b->next = NULL;
    }
    return b;
}

static void *writer_main(void *arg)
{
    writer *me = arg;
    writers *w = me->pool;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->queue && !w->stopping)
            pthread_cond_wait(&w->work, &w->lock);
        if (w->stopping)
            break;
        batch *b = pop(&w->queue, &w->queue_tail);
        pthread_mutex_unlock(&w->lock);
        batch_write(b, me->db, w->database, &me->create_db);
        pthread_mutex_lock(&w->lock);
        push(&w->done, &w->done_tail, b);
        pthread_cond_broadcast(&w->done_cv);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

writers *writers_start(evh_instance *inst, const evl_influx_conf *conf, int n,
                       bool create_database)
{
    writers *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    w->queue_tail = &w->queue;
    w->done_tail = &w->done;
    w->database = strdup(conf->database ? conf->database : "");
    w->w = calloc((size_t)n, sizeof *w->w);
    if (!w->database || !w->w) {
        writers_free(w);
        return NULL;
    }
    w->n = n;
    for (int i = 0; i < n; i++) {
        writer *me = &w->w[i];
        me->pool = w;
        me->create_db = create_database && conf->api == EVL_INFLUX_V1;
        me->db = evl_influx_new(conf);
        int rc = me->db ? pthread_create(&me->thread, NULL, writer_main, me)
                        : ENOMEM;
        if (rc != 0) {
            evh_log(inst, EVH_LOG_ERROR, "cannot start writer thread %d: %s",
                    i + 1, strerror(rc));
            writers_stop(w);
            writers_free(w);
            return NULL;
        }
        me->started = true;
    }
    return w;
}

void writers_submit(writers *w, batch *b)
{
    pthread_mutex_lock(&w->lock);
    push(&w->queue, &w->queue_tail, b);
    w->busy++;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
}

batch *writers_done(writers *w)
{
    pthread_mutex_lock(&w->lock);
    batch *b = pop(&w->done, &w->done_tail);
    if (b)
        w->busy--;
    pthread_mutex_unlock(&w->lock);
    return b;
}

size_t writers_busy(writers *w)
{
    pthread_mutex_lock(&w->lock);
    size_t n = w->busy;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void writers_wait(writers *w, int64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    if (!w->done && w->busy > 0)
        pthread_cond_timedwait(&w->done_cv, &w->lock, &ts);
    pthread_mutex_unlock(&w->lock);
}

void writers_stop(writers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->lock);
    for (int i = 0; i < w->n; i++)
        if (w->w[i].started) {
            pthread_join(w->w[i].thread, NULL);
            w->w[i].started = false;
        }
    /* What no writer took comes back unwritten. */
    pthread_mutex_lock(&w->lock);
    batch *b;
    while ((b = pop(&w->queue, &w->queue_tail))) {
        b->rc = -1;
        memset(&b->res, 0, sizeof b->res);
        b->res.outcome = EVL_WRITE_RETRY;
        snprintf(b->res.message, sizeof b->res.message, "stopping");
        push(&w->done, &w->done_tail, b);
    }
    pthread_mutex_unlock(&w->lock);
}

void writers_free(writers *w)
{
    if (!w)
        return;
    batch *b;
    while ((b = pop(&w->done, &w->done_tail)))
        batch_free(b);
    while ((b = pop(&w->queue, &w->queue_tail)))
        batch_free(b);
    for (int i = 0; w->w && i < w->n; i++)
        evl_influx_free(w->w[i].db);
    free(w->w);
    free(w->database);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done_cv);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
