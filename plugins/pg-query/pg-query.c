/*
 * pg-query: answers the `query` requests influx-query answers (query.h:
 * the classic pair, ranges, criticality sets, contains, key, paging,
 * counts) from the table pg-sink writes, with the same replies.  Every
 * request gets a reply within timeout_ms: the events (trimmed to
 * max_payload and marked so when they do not fit), the counts, or an
 * error -- a bad request, a busy reader, a PostgreSQL that failed.
 *
 * on_msg (the host's delivery thread) validates the request and queues
 * it; `workers` threads, each with its own PostgreSQL connection, answer
 * the queue (influx-query's workq and health: after a failure PostgreSQL
 * is known down and requests fail fast until a probe succeeds).  Values
 * of a request reach PostgreSQL only as PQexecParams parameters (sql.h).
 */
#include <evhost/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "pg.h"
#include "query.h"
#include "reply.h"
#include "send.h"
#include "sql.h"
#include "wipe.h"
#include "workq.h"

typedef struct reader {
    evh_instance *inst;
    evl_pg_conf pg;
    char *password;
    const char *table;
    int64_t max_count, workers, queue_size, probe_interval_ms;
    PGconn **conns; /* one per worker, made on its first request */
    workq *q;
    query_health health;
} reader;

typedef struct job {
    struct evl_query req;
    int64_t arrived_ms;
    char reply_to[];
} job;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int reader_configure(evh_instance *inst, void **state)
{
    reader *r = calloc(1, sizeof *r);
    char err[300];
    if (!r)
        return EVH_ENOMEM;
    *state = r;
    r->inst = inst;
    health_init(&r->health);
    evh_config_string(inst, "conninfo", "host=127.0.0.1 dbname=events",
                      &r->pg.conninfo);
    evh_config_secret_file(inst, "password_file", &r->password);
    evh_config_string(inst, "table", "events", &r->table);
    evh_config_int(inst, "max_count", 1000, 1, 1000000, &r->max_count);
    evh_config_int(inst, "timeout_ms", 5000, 100, 600000,
                   &r->pg.statement_timeout_ms);
    evh_config_int(inst, "connect_timeout_ms", 1000, 100, 600000,
                   &r->pg.connect_timeout_ms);
    evh_config_int(inst, "workers", 4, 1, 64, &r->workers);
    evh_config_int(inst, "queue_size", 1000, 1, 1000000, &r->queue_size);
    evh_config_int(inst, "probe_interval_ms", 1000, 10, 600000,
                   &r->probe_interval_ms);
    if (evl_pg_conninfo_check(r->pg.conninfo, err, sizeof err) != 0)
        evh_config_error(inst, "conninfo", "%s", err);
    if (!r->table[0])
        evh_config_error(inst, "table", "must not be empty");
    if (evh_config_status(inst) != EVH_OK)
        return EVH_ECONFIG;
    r->pg.password = r->password;
    r->conns = calloc((size_t)r->workers, sizeof *r->conns);
    return r->conns ? EVH_OK : EVH_ENOMEM;
}

/* Send `text` (consumed) to `to`, trimmed to one NATS message. */
static void reply_to(reader *r, const char *to, char *text)
{
    query_reply_send(r->inst, to, text);
}

static char *db_failed(reader *r, const char *why)
{
    evh_counter_add(r->inst, "db_errors", 1);
    if (health_failed(&r->health, mono_ms(), r->probe_interval_ms, why))
        evh_log(r->inst, EVH_LOG_WARN,
                "query failed: %s; answering \"unavailable\" at once until "
                "PostgreSQL answers again (asked every %lld ms)",
                why, (long long)r->probe_interval_ms);
    return pgq_error_reply("unavailable", why);
}

static char *fail_fast(reader *r, const char *why)
{
    char msg[400];
    evh_counter_add(r->inst, "fail_fast", 1);
    snprintf(msg, sizeof msg,
             "PostgreSQL is unavailable (%.300s); asked again every %lld ms",
             why, (long long)r->probe_interval_ms);
    return pgq_error_reply("unavailable", msg);
}

/* The worker's connection, made anew when there is none or it broke. */
static PGconn *conn_of(reader *r, size_t worker, char *err, size_t errlen)
{
    PGconn **c = &r->conns[worker];
    if (*c && PQstatus(*c) == CONNECTION_OK)
        return *c;
    if (*c)
        PQfinish(*c);
    *c = evl_pg_connect(&r->pg, err, errlen);
    return *c;
}

static PGresult *run(PGconn *c, const pgq_stmt *st)
{
    const char *vals[PGQ_MAX_PARAMS];
    for (int i = 0; i < st->nparams; i++)
        vals[i] = st->vals[i];
    return PQexecParams(c, st->sql, st->nparams, NULL, vals, NULL, NULL, 0);
}

static char *answer(reader *r, size_t worker, const job *j)
{
    char err[512];
    if (mono_ms() - j->arrived_ms >= r->pg.statement_timeout_ms) {
        evh_counter_add(r->inst, "queue_timeouts", 1);
        return pgq_error_reply("unavailable",
                               "the reader is overloaded: the request waited "
                               "over timeout_ms for a worker");
    }
    if (health_fail_fast(&r->health, mono_ms(), true, err, sizeof err))
        return fail_fast(r, err);
    PGconn *c = conn_of(r, worker, err, sizeof err);
    if (!c)
        return db_failed(r, err);
    pgq_stmt st;
    if ((j->req.counts ? pgq_build_counts(r->table, &j->req, &st)
                       : pgq_build_events(r->table, &j->req, &st)) != 0)
        return pgq_error_reply("unavailable", "out of memory");
    PGresult *res = run(c, &st);
    if (PQresultStatus(res) != PGRES_TUPLES_OK &&
        PQstatus(c) != CONNECTION_OK) {
        /* A server restarted since this connection's last request: the
         * first use finds out.  Once more on a new one. */
        PQclear(res);
        res = (c = conn_of(r, worker, err, sizeof err)) ? run(c, &st) : NULL;
    }
    pgq_stmt_free(&st);
    if (!res)
        return db_failed(r, err);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        evl_pg_result_error(res, c, err, sizeof err);
        PQclear(res);
        return db_failed(r, err);
    }
    char *out = j->req.counts ? pgq_counts_reply(res, &j->req)
                              : pgq_events_reply(res, &j->req);
    PQclear(res);
    if (health_ok(&r->health))
        evh_log(r->inst, EVH_LOG_INFO, "PostgreSQL answers again");
    return out ? out : pgq_error_reply("unavailable", "out of memory");
}

static void run_job(void *ctx, size_t worker, void *p)
{
    reader *r = ctx;
    job *j = p;
    reply_to(r, j->reply_to, answer(r, worker, j));
    free(j);
}

static void queue_request(reader *r, evh_msg *msg, const struct evl_query *q)
{
    const char *to = evh_msg_reply(msg);
    size_t tl = strlen(to) + 1;
    job *j = malloc(sizeof *j + tl);
    if (j) {
        j->req = *q;
        j->arrived_ms = mono_ms();
        memcpy(j->reply_to, to, tl);
    }
    if (!j || !r->q || workq_push(r->q, j) != 0) {
        char err[200];
        free(j);
        evh_counter_add(r->inst, "busy", 1);
        snprintf(err, sizeof err,
                 "the reader is busy: %lld requests are waiting; retry later",
                 (long long)r->queue_size);
        reply_to(r, to, pgq_error_reply("unavailable", err));
    }
}

static int reader_on_msg(void *state, evh_msg *msg)
{
    reader *r = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    struct evl_query q;
    char err[512];

    if (!evh_msg_reply(msg)) {
        evh_log(r->inst, EVH_LOG_DEBUG,
                "ignoring a message without reply subject on %s",
                evh_msg_subject(msg));
        return EVH_OK;
    }
    evh_counter_add(r->inst, "queries", 1);
    if (evl_query_parse(data, len, r->max_count, real_ns(), &q, err,
                        sizeof err) != 0) {
        evh_counter_add(r->inst, "bad_requests", 1);
        reply_to(r, evh_msg_reply(msg), pgq_error_reply("bad_request", err));
        return EVH_OK;
    }
    if (health_fail_fast(&r->health, mono_ms(), false, err, sizeof err)) {
        reply_to(r, evh_msg_reply(msg), fail_fast(r, err));
        return EVH_OK;
    }
    queue_request(r, msg, &q);
    return EVH_OK;
}

static int reader_start(void *state)
{
    reader *r = state;
    r->q = workq_new((size_t)r->workers, (size_t)r->queue_size, run_job, r);
    if (!r->q) {
        evh_log(r->inst, EVH_LOG_ERROR, "cannot start %lld worker threads",
                (long long)r->workers);
        return EVH_ENOMEM;
    }
    return EVH_OK;
}

static void reader_drain(void *state)
{
    reader *r = state;
    workq_close(r->q);
}

static void reader_destroy(void *state)
{
    reader *r = state;
    if (!r)
        return;
    workq_free(r->q);
    for (int64_t i = 0; r->conns && i < r->workers; i++)
        if (r->conns[i])
            PQfinish(r->conns[i]);
    free(r->conns);
    health_destroy(&r->health);
    wipe_free(r->password);
    free(r);
}

EVH_PLUGIN_DEFINE(.name = "pg-query", .version = PACKAGE_VERSION,
                  .needs = EVH_WIRE_SUBSCRIBE, .refuses = EVH_WIRE_JETSTREAM,
                  .description = "answer event queries from PostgreSQL",
                  .configure = reader_configure, .start = reader_start,
                  .on_msg = reader_on_msg, .drain = reader_drain,
                  .stop = reader_drain, .destroy = reader_destroy);
