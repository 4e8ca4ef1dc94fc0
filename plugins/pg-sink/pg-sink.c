/*
 * pg-sink: events from NATS into PostgreSQL, in batches, losing nothing
 * (the shape of influx-sink).
 *
 * Each message is parsed, encoded as one COPY row (rows.h) and held; a
 * batch is written when it reaches batch_size or flush_interval_ms, by one
 * of `writers` threads in one transaction (store.h), and its messages are
 * acknowledged only after COMMIT.  PostgreSQL down, restarting or failing:
 * the batch is kept and retried with capped, jittered backoff on a new
 * connection; new messages beyond max_pending are nak'ed with a delay
 * (JetStream keeps them) or counted as dropped (core NATS).  A batch
 * PostgreSQL refuses for its data is split in halves until the offending
 * rows are alone; only those are dead-lettered and terminated, the rest
 * are stored.
 *
 * Row identity (schema.h): (writer, seq, time) under a unique constraint.
 * With JetStream, writer is "" and seq the stream sequence, so a
 * redelivered message conflicts with its first row and adds none.  Core
 * NATS has no sequence: a per-instance counter started from the wall clock
 * in microseconds (a restarted sink does not reuse its previous run's
 * numbers) and the writer id (writer_id, default
 * "<hostname>/<pid>/<instance>", as influx-sink's writer tag) keeps two
 * sinks of one queue group apart.
 */
#include <evhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "deadletter.h"
#include "event.h"
#include "pg.h"
#include "rows.h"
#include "schema.h"
#include "wipe.h"

typedef struct sink {
    evh_instance *inst;
    writer_conf wconf;
    char *password;
    const char *key_field, *dead_letter, *partition;
    int64_t batch_size, flush_interval_ms, max_event_bytes, max_pending;
    int64_t retry_initial_ms, retry_max_ms, drain_timeout_ms, nwriters;
    char *writer_id;

    writers *pool;
    batch *fill;                    /* being filled */
    batch *waiting, **waiting_tail; /* failed: written again after backoff */
    size_t held; /* rows in every batch: fill, in flight, waiting */

    bool failing;
    int64_t next_try_ns, backoff_ms, failures;
    uint64_t core_seq, rng;
} sink;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rnd(sink *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

/* ------------------------------------------------------------ config ---- */

static void read_config(sink *s, const char **wid)
{
    evh_instance *inst = s->inst;
    writer_conf *c = &s->wconf;
    evh_config_string(inst, "conninfo", "host=127.0.0.1 dbname=events",
                      &c->pg.conninfo);
    evh_config_secret_file(inst, "password_file", &s->password);
    evh_config_string(inst, "table", "events", &c->table);
    evh_config_string(inst, "partition", "none", &s->partition);
    evh_config_int(inst, "partitions_ahead", 2, 0, 120, &c->partitions_ahead);
    evh_config_string(inst, "key_field", "key", &s->key_field);
    evh_config_int(inst, "batch_size", 5000, 1, 1000000, &s->batch_size);
    evh_config_int(inst, "flush_interval_ms", 200, 1, 3600000,
                   &s->flush_interval_ms);
    evh_config_int(inst, "statement_timeout_ms", 30000, 0, 3600000,
                   &c->pg.statement_timeout_ms);
    evh_config_int(inst, "connect_timeout_ms", 2000, 100, 600000,
                   &c->pg.connect_timeout_ms);
    evh_config_int(inst, "max_event_bytes", EVL_EVENT_MAX_BYTES, 64, INT32_MAX,
                   &s->max_event_bytes);
    evh_config_int(inst, "max_pending", 100000, 1, 100000000, &s->max_pending);
    evh_config_int(inst, "retry_initial_ms", 100, 1, 600000,
                   &s->retry_initial_ms);
    evh_config_int(inst, "retry_max_ms", 30000, 1, 3600000, &s->retry_max_ms);
    evh_config_int(inst, "drain_timeout_ms", 5000, 0, 3600000,
                   &s->drain_timeout_ms);
    evh_config_int(inst, "writers", 2, 1, 16, &s->nwriters);
    evh_config_string(inst, "dead_letter", NULL, &s->dead_letter);
    evh_config_string(inst, "writer_id", NULL, wid);
}

/* "<hostname>/<pid>/<instance>", or the configured writer_id. */
static int writer_id(sink *s, const char *conf)
{
    char host[256] = "";
    if (conf && !conf[0])
        return evh_config_error(s->inst, "writer_id", "must not be empty");
    if (conf) {
        s->writer_id = strdup(conf);
    } else {
        if (gethostname(host, sizeof host - 1) != 0 || !host[0])
            snprintf(host, sizeof host, "localhost");
        size_t n = strlen(host) + strlen(evh_instance_name(s->inst)) + 24;
        s->writer_id = malloc(n);
        if (s->writer_id)
            snprintf(s->writer_id, n, "%s/%ld/%s", host, (long)getpid(),
                     evh_instance_name(s->inst));
    }
    return s->writer_id ? EVH_OK : EVH_ENOMEM;
}

static bool core_key(const char *k)
{
    return !k[0] || !strcmp(k, "criticality") || !strcmp(k, "timestamp") ||
           !strcmp(k, "eventMessage");
}

static int check_config(sink *s)
{
    char err[300];
    const writer_conf *c = &s->wconf;
    int rc = evl_pg_conninfo_check(c->pg.conninfo, err, sizeof err);
    if (rc != 0)
        evh_config_error(s->inst, "conninfo", "%s", err);
    if (strcmp(s->partition, "none") && strcmp(s->partition, "month"))
        evh_config_error(s->inst, "partition",
                         "expected \"none\" or \"month\", got \"%s\"",
                         s->partition);
    if (!c->table[0] || strlen(c->table) > 40)
        evh_config_error(s->inst, "table", "must be 1 to 40 bytes");
    if (core_key(s->key_field))
        evh_config_error(s->inst, "key_field",
                         "\"%s\" is not a member that can hold the key",
                         s->key_field);
    if (s->retry_max_ms < s->retry_initial_ms)
        evh_config_error(s->inst, "retry_max_ms",
                         "must be >= retry_initial_ms");
    return evh_config_status(s->inst);
}

static int sink_configure(evh_instance *inst, void **state)
{
    sink *s = calloc(1, sizeof *s);
    const char *wid = NULL;
    if (!s)
        return EVH_ENOMEM;
    *state = s;
    s->inst = inst;
    s->rng = (uint64_t)mono_ns() | 1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->core_seq = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
    /* Every key read and checked before failing: all problems at once. */
    read_config(s, &wid);
    if (writer_id(s, wid) == EVH_ENOMEM)
        return EVH_ENOMEM;
    if (check_config(s) != EVH_OK)
        return EVH_ECONFIG;
    s->wconf.pg.password = s->password;
    s->wconf.partitioned = !strcmp(s->partition, "month");
    s->backoff_ms = s->retry_initial_ms;
    s->waiting_tail = &s->waiting;
    return EVH_OK;
}

/* ------------------------------------------------------------- batch ---- */

static void dead_letter(sink *s, evh_msg *msg, const char *why)
{
    if (s->dead_letter &&
        evl_dead_letter(s->inst, s->dead_letter, msg, why) == EVH_OK)
        evh_counter_add(s->inst, "dead_lettered", 1);
}

static void wait_list_add(sink *s, batch *b)
{
    b->next = NULL;
    *s->waiting_tail = b;
    s->waiting_tail = &b->next;
}

static batch *wait_list_pop(sink *s)
{
    batch *b = s->waiting;
    if (b) {
        s->waiting = b->next;
        if (!s->waiting)
            s->waiting_tail = &s->waiting;
        b->next = NULL;
    }
    return b;
}

/* The filled batch goes to the writers, or waits while PostgreSQL fails. */
static void seal(sink *s)
{
    batch *b = s->fill;
    if (!b || b->n == 0)
        return;
    s->fill = NULL;
    if (s->failing)
        wait_list_add(s, b);
    else
        writers_submit(s->pool, b);
}

/* Ack what was committed, settle the poison; count both. */
static size_t settle_rows(sink *s, batch *b)
{
    size_t written = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->state[i] == ROW_WRITTEN) {
            evh_msg_ack(b->msgs[i]);
            written++;
        } else if (b->state[i] == ROW_POISON) {
            const char *why = b->why && b->why[i] ? b->why[i] : "refused";
            evh_log(s->inst, EVH_LOG_WARN,
                    "PostgreSQL refused a row (%s); dead-lettering it", why);
            evh_counter_add(s->inst, "rejected", 1);
            dead_letter(s, b->msgs[i], why);
            evh_msg_term(b->msgs[i]);
        }
    }
    evh_counter_add(s->inst, "written", (int64_t)written);
    evh_counter_add(s->inst, "inserted", b->inserted);
    evh_counter_add(s->inst, "duplicates", (int64_t)written - b->inserted);
    evh_counter_add(s->inst, "batches", 1);
    return written;
}

/* A batch that failed: kept for a retry after a jittered, capped backoff. */
static void backoff(sink *s, batch *b)
{
    evh_counter_add(s->inst, "retries", 1);
    s->failures++;
    if (!s->failing)
        evh_log(s->inst, EVH_LOG_ERROR,
                "PostgreSQL write failed (%s); keeping %zu rows and retrying "
                "with backoff up to %lld ms",
                b->err, s->held, (long long)s->retry_max_ms);
    else
        evh_log(s->inst, EVH_LOG_DEBUG, "PostgreSQL write failed again (%s)",
                b->err);
    s->failing = true;
    int64_t wait = s->backoff_ms;
    wait = wait / 2 + (int64_t)(rnd(s) % (uint64_t)(wait / 2 + 1));
    s->next_try_ns = mono_ns() + wait * 1000000;
    s->backoff_ms = s->backoff_ms * 2 > s->retry_max_ms ? s->retry_max_ms
                                                        : s->backoff_ms * 2;
    wait_list_add(s, b);
}

static void settle(sink *s, batch *b)
{
    settle_rows(s, b);
    size_t before = b->n;
    batch_compact(b);
    s->held -= before - b->n;
    if (b->rc == 0) {
        if (s->failing)
            evh_log(s->inst, EVH_LOG_INFO,
                    "PostgreSQL accepts writes again (after %lld failed "
                    "attempts)",
                    (long long)s->failures);
        s->failing = false;
        s->failures = 0;
        s->backoff_ms = s->retry_initial_ms;
        if (b->n == 0) {
            batch_free(b);
            return;
        }
    }
    backoff(s, b);
}

static void collect(sink *s)
{
    batch *b;
    while ((b = writers_done(s->pool)))
        settle(s, b);
}

/* Waiting batches go out again: all of them once PostgreSQL accepts
 * writes; while it fails, one at a time after the backoff, as a probe. */
static void retry_waiting(sink *s, int64_t now, bool force)
{
    if (!s->waiting)
        return;
    if (!s->failing) {
        batch *b;
        while ((b = wait_list_pop(s)))
            writers_submit(s->pool, b);
        return;
    }
    if ((force || now >= s->next_try_ns) && writers_busy(s->pool) == 0)
        writers_submit(s->pool, wait_list_pop(s));
}

static void on_tick(void *state, int64_t now)
{
    sink *s = state;
    collect(s);
    if (s->fill && s->fill->n &&
        now - s->fill->first_ns >= s->flush_interval_ms * 1000000)
        seal(s);
    retry_waiting(s, now, false);
}

static void refuse(sink *s, evh_msg *msg, const char *err)
{
    evh_counter_add(s->inst, "invalid", 1);
    evh_log(s->inst, EVH_LOG_WARN, "refused an event on %s: %s",
            evh_msg_subject(msg), err);
    dead_letter(s, msg, err);
    /* Poison never gets better: no redelivery. */
    if (evh_msg_is_jetstream(msg))
        evh_msg_term(msg);
}

/* No room (max_pending, memory): JetStream keeps it, core NATS loses it. */
static void no_room(sink *s, evh_msg *msg)
{
    if (evh_msg_is_jetstream(msg)) {
        evh_counter_add(s->inst, "naks", 1);
        evh_msg_nak(msg, s->backoff_ms);
        return;
    }
    evh_counter_add(s->inst, "dropped", 1);
    evh_log(s->inst, EVH_LOG_ERROR,
            "dropping events: %zu rows wait for PostgreSQL (max_pending); "
            "core NATS cannot hold them (use JetStream)",
            s->held);
}

static int sink_on_msg(void *state, evh_msg *msg)
{
    sink *s = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];

    collect(s);
    if (evl_event_parse(data, len, (size_t)s->max_event_bytes, &ev, err,
                        sizeof err) != 0) {
        refuse(s, msg, err);
        return EVH_OK;
    }
    if (!s->fill)
        s->fill = calloc(1, sizeof *s->fill);
    batch *b = s->fill;
    if (s->held >= (size_t)s->max_pending || !b || batch_grow(b) != 0) {
        evl_event_free(&ev);
        no_room(s, msg);
        return EVH_OK;
    }
    b->off[b->n] = b->body.len;
    uint64_t seq = evh_msg_stream_seq(msg);
    int rc = pgs_row(&b->body, &ev, s->key_field, seq ? "" : s->writer_id,
                     seq ? seq : s->core_seq++, err, sizeof err);
    b->time_ns[b->n] = ev.time_ns;
    evl_event_free(&ev);
    if (rc != 0) {
        refuse(s, msg, err);
        return EVH_OK;
    }
    evh_msg_hold(msg);
    b->msgs[b->n] = msg;
    b->state[b->n] = ROW_PENDING;
    if (b->n == 0)
        b->first_ns = mono_ns();
    b->n++;
    b->off[b->n] = b->body.len;
    s->held++;
    if (b->n >= (size_t)s->batch_size)
        seal(s);
    return EVH_OK;
}

/* The table made now when PostgreSQL answers (readers may start before
 * the first event); when it does not, the writers make it later. */
static void first_contact(sink *s)
{
    char err[512];
    PGconn *c = evl_pg_connect(&s->wconf.pg, err, sizeof err);
    if (c && pgs_schema_ensure(c, s->wconf.table, s->wconf.partitioned, err,
                               sizeof err) == 0) {
        evh_log(s->inst, EVH_LOG_INFO, "writing to table \"%s\" on %s:%s",
                s->wconf.table, PQhost(c), PQport(c));
    } else {
        evh_log(s->inst, EVH_LOG_WARN,
                "PostgreSQL not ready (%s); events are held and written once "
                "it is",
                err);
    }
    if (c)
        PQfinish(c);
}

static int sink_start(void *state)
{
    sink *s = state;
    first_contact(s);
    if (s->dead_letter)
        evl_dead_letter_check(s->inst, s->dead_letter);
    s->pool = writers_start(s->inst, &s->wconf, (int)s->nwriters);
    if (!s->pool)
        return EVH_ENOMEM;
    int64_t tick = s->flush_interval_ms / 4;
    tick = tick < 5 ? 5 : tick > 20 ? 20 : tick;
    return evh_timer_add(s->inst, tick, on_tick, NULL);
}

static bool all_jetstream(const batch *b)
{
    for (size_t i = 0; b && i < b->n; i++)
        if (!evh_msg_is_jetstream(b->msgs[i]))
            return false;
    return true;
}

/* Hand back what a batch still holds: nak'ed (JetStream redelivers it to
 * the next writer) or, on core NATS, lost and counted. */
static void give_back(sink *s, batch *b, size_t *js, size_t *all)
{
    for (size_t i = 0; i < b->n; i++) {
        if (evh_msg_is_jetstream(b->msgs[i]))
            (*js)++;
        evh_msg_nak(b->msgs[i], 0);
    }
    *all += b->n;
    s->held -= b->n;
    b->n = 0;
    batch_free(b);
}

/* Write what is in flight or waiting until none is left, PostgreSQL keeps
 * failing with JetStream holding everything (one last try), or the
 * deadline. */
static void drain_writes(sink *s, int64_t deadline)
{
    bool all_js = all_jetstream(s->fill);
    for (batch *b = s->waiting; b; b = b->next)
        all_js = all_js && all_jetstream(b);
    bool last_try = s->failing && all_js;
    if (last_try)
        retry_waiting(s, 0, true);
    for (;;) {
        collect(s);
        if (!last_try)
            retry_waiting(s, mono_ns(), false);
        size_t busy = writers_busy(s->pool);
        if (busy == 0 && (!s->waiting || last_try || mono_ns() >= deadline))
            break;
        writers_wait(s->pool, 20);
    }
}

static void sink_drain(void *state)
{
    sink *s = state;
    if (!s->pool)
        return;
    int64_t deadline = mono_ns() + s->drain_timeout_ms * 1000000;
    collect(s);
    seal(s);
    drain_writes(s, deadline);
    size_t js = 0, all = 0;
    batch *b;
    while ((b = wait_list_pop(s)))
        give_back(s, b, &js, &all);
    if (s->fill) {
        give_back(s, s->fill, &js, &all);
        s->fill = NULL;
    }
    if (all == 0)
        return;
    if (js < all)
        evh_counter_add(s->inst, "dropped", (int64_t)(all - js));
    evh_log(s->inst, js == all ? EVH_LOG_WARN : EVH_LOG_ERROR,
            "stopping with %zu rows not written: %zu returned to JetStream, "
            "%zu lost (core NATS)",
            all, js, all - js);
}

static void sink_destroy(void *state)
{
    sink *s = state;
    if (!s)
        return;
    writers_stop(s->pool);
    writers_free(s->pool);
    wipe_free(s->password);
    free(s->writer_id);
    batch *b;
    while ((b = wait_list_pop(s)))
        batch_free(b);
    batch_free(s->fill);
    free(s);
}

EVH_PLUGIN_DEFINE(.name = "pg-sink", .version = PACKAGE_VERSION,
                  .needs = EVH_WIRE_SUBSCRIBE,
                  .description = "write events to PostgreSQL, batched in one "
                                 "transaction, acked after COMMIT",
                  .configure = sink_configure, .start = sink_start,
                  .on_msg = sink_on_msg, .drain = sink_drain,
                  .destroy = sink_destroy);
