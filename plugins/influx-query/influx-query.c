/*
 * influx-query: answers `{"last_events_count":N,"min_criticality":X}`
 * requests with the last N stored events whose criticality is strictly
 * greater than X, newest first, over all stored time.  Every request gets
 * a reply, within timeout_ms of its arrival: the events (trimmed to the
 * NATS server's max_payload, and marked so, when they do not fit), or an
 * error -- a bad request, a busy reader, an InfluxDB that failed.
 *
 * on_msg (the host's delivery thread) validates the request and queues
 * it; `workers` threads, each with its own InfluxDB connection, answer
 * the queue.  One hung InfluxDB request used to hold every request behind
 * it for timeout_ms each: 50 concurrent requests with 10 s client
 * timeouts, 49 got nothing.  Now they are answered side by side, a full
 * queue is answered "busy" at once, and after a failure InfluxDB is known
 * down (health.h): requests fail fast until a probe succeeds.
 */
#include <evhost/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counts.h"
#include "health.h"
#include "influx.h"
#include "request.h"
#include "send.h"
#include "wipe.h"
#include "workq.h"

typedef struct reader {
    evh_instance *inst;
    evl_influx **dbs; /* one per worker: a curl handle is not shared */
    evl_influx_conf dbconf;
    char *password, *token;
    query_store st; /* measurement, band tag (or NULL), key field */
    int64_t max_count, workers, queue_size, probe_interval_ms;
    workq *q;
    query_health health;
} reader;

/* A queued request: what its answer needs once on_msg has returned. */
typedef struct job {
    query_request req;
    int64_t arrived_ms;
    char reply_to[]; /* the request's reply subject */
} job;

static int reader_configure(evh_instance *inst, void **state)
{
    reader *r = calloc(1, sizeof *r);
    if (!r)
        return EVH_ENOMEM;
    *state = r;
    r->inst = inst;
    health_init(&r->health);
    evl_influx_conf *c = &r->dbconf;
    c->timeout_ms = 5000;
    c->connect_timeout_ms = 1000;
    evl_influx_conf_read(inst, c, &r->password, &r->token);
    evh_config_string(inst, "measurement", "event", &r->st.measurement);
    evh_config_string(inst, "criticality_band", "crit_band", &r->st.band_tag);
    evh_config_string(inst, "key_field", "key", &r->st.key_field);
    evh_config_int(inst, "max_count", 1000, 1, 1000000, &r->max_count);
    evh_config_int(inst, "workers", 4, 1, 64, &r->workers);
    evh_config_int(inst, "queue_size", 1000, 1, 1000000, &r->queue_size);
    evh_config_int(inst, "probe_interval_ms", 1000, 10, 600000,
                   &r->probe_interval_ms);
    if (r->st.key_field && !r->st.key_field[0])
        evh_config_error(inst, "key_field", "must not be empty");
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    if (!r->st.band_tag[0])
        r->st.band_tag =
            NULL; /* data written without bands: read every point */
    r->dbs = calloc((size_t)r->workers, sizeof *r->dbs);
    if (!r->dbs)
        return EVH_ENOMEM;
    for (int64_t i = 0; i < r->workers; i++)
        if (!(r->dbs[i] = evl_influx_new(c)))
            return EVH_ENOMEM;
    return EVH_OK;
}

/* Send `text` (consumed) to `to`, trimmed to one NATS message. */
static void reply_to(reader *r, const char *to, char *text)
{
    query_reply_send(r->inst, to, text);
}

static void reply(reader *r, evh_msg *msg, char *text)
{
    reply_to(r, evh_msg_reply(msg), text);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An "unavailable" answer for a failed InfluxDB request: InfluxDB is
 * known down from now until the next probe. */
static char *db_failed(reader *r, const char *why)
{
    evh_counter_add(r->inst, "db_errors", 1);
    if (health_failed(&r->health, mono_ms(), r->probe_interval_ms, why))
        evh_log(r->inst, EVH_LOG_WARN,
                "query failed: %s; answering \"unavailable\" at once until "
                "InfluxDB answers again (asked every %lld ms)",
                why, (long long)r->probe_interval_ms);
    else
        evh_log(r->inst, EVH_LOG_DEBUG, "query failed: %s", why);
    return query_error_reply("unavailable", why);
}

static char *fail_fast(reader *r, const char *why)
{
    char msg[400];
    evh_counter_add(r->inst, "fail_fast", 1);
    snprintf(msg, sizeof msg,
             "InfluxDB is unavailable (%.300s); asked again "
             "every %lld ms",
             why, (long long)r->probe_interval_ms);
    return query_error_reply("unavailable", msg);
}

/* The stored bands that can hold a criticality above x (request.h): asked
 * for each request, from InfluxDB's tag index, so that a band first written
 * a moment ago is read too. */
static int stored_bands(reader *r, evl_influx *db, const query_request *req,
                        char bands[][EVL_CRIT_BAND_LEN], char *err,
                        size_t errlen)
{
    char *list = query_build_band_listing(r->st.measurement, r->st.band_tag);
    char *body = NULL;
    if (!list || evl_influx_query(db, list, NULL, &body, err, errlen) != 0) {
        if (!list)
            snprintf(err, errlen, "out of memory");
        free(list);
        return -1;
    }
    free(list);
    int n = query_bands_from_influx(body, req, bands, err, errlen);
    free(body);
    return n;
}

/* One InfluxQL statement's answer, within what is left until deadline_ms
 * (timeout_ms after the request arrived). */
static int ask(evl_influx *db, char *q, int64_t deadline_ms, char **body,
               char *err, size_t errlen)
{
    int64_t left = deadline_ms - mono_ms();
    *body = NULL;
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (left < 1) {
        free(q);
        snprintf(err, errlen, "InfluxDB did not answer within timeout_ms");
        return -1;
    }
    evl_influx_set_timeout_ms(db, left);
    int rc = evl_influx_query(db, q, NULL, body, err, errlen);
    free(q);
    return rc;
}

/* The last millisecond of the answer again when it may hold newer events
 * (request.h); *edge NULL when not needed.  -1 when InfluxDB failed. */
static int read_boundary(reader *r, evl_influx *db, const query_request *req,
                         char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                         const char *body, int64_t count, int64_t deadline_ms,
                         char **edge, char *err, size_t errlen)
{
    int64_t from, to, k;
    *edge = NULL;
    if (count < 1 || query_boundary(body, count, &from, &to, &k) != 1)
        return 0;
    /* The k newest of that millisecond by their sub-millisecond part; the
     * whole millisecond when fewer than k points there have one. */
    int rc = ask(db, query_build_range(&r->st, bands, nbands, req, from, to, k),
                 deadline_ms, edge, err, errlen);
    if (rc == 0 && query_points(*edge) < k) {
        free(*edge);
        *edge = NULL;
        rc = ask(db, query_build_range(&r->st, bands, nbands, req, from, to, 0),
                 deadline_ms, edge, err, errlen);
    }
    return rc;
}

/* The SELECT, and the boundary millisecond again when the answer reaches
 * into one that may hold newer events (request.h).  With a cursor, the
 * cursor's millisecond is read whole (its events after the cursor count)
 * and the SELECT covers the times before it.  -1 when InfluxDB failed, -2
 * when its answer could not be read. */
static int select_events(reader *r, evl_influx *db, const query_request *req,
                         char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                         int64_t deadline_ms, char **out, char *err,
                         size_t errlen)
{
    char *body = NULL, *edge = NULL, *after = NULL;
    query_request main = *req;
    int64_t count = req->last_events_count;
    if (req->has_before) {
        int64_t ms = query_floor_ms(req->before.tie);
        if (ask(db,
                query_build_range(&r->st, bands, nbands, req, ms, ms + 1000000,
                                  0),
                deadline_ms, &after, err, errlen) != 0)
            return -1;
        count -= query_after_cursor(after, req);
        if (!main.has_until || main.until_ns > ms) {
            main.has_until = true;
            main.until_ns = ms;
        }
    }
    int rc = ask(db, query_build_influxql(&r->st, bands, nbands, &main),
                 deadline_ms, &body, err, errlen);
    if (rc == 0)
        rc = read_boundary(r, db, &main, bands, nbands, body, count,
                           deadline_ms, &edge, err, errlen);
    if (rc == 0)
        *out = query_reply_from_influx(body, edge, after, req, err, errlen);
    free(body);
    free(edge);
    free(after);
    return rc != 0 ? -1 : *out ? 0 : -2;
}

/* count_by: the count statement over the bands it can count (the inner
 * ones when by criticality), and the outer bands' values when by
 * criticality.  -1 when InfluxDB failed, -2 when its answer could not be
 * read, -3 for a range too wide to count (a bad request). */
static int select_counts(reader *r, evl_influx *db, const query_request *req,
                         char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                         int64_t deadline_ms, char **out, char *err,
                         size_t errlen)
{
    char *counted = NULL, *outer = NULL;
    char inner[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    size_t ninner = nbands;
    bool none = true, too_many = false;
    int rc = 0;
    memcpy(inner, bands, nbands * sizeof *inner);
    if (req->count_by_criticality) {
        ninner = query_inner_bands(inner, nbands);
        char *q = query_build_outer(&r->st, bands, nbands, req, &none);
        if (!none)
            rc = ask(db, q, deadline_ms, &outer, err, errlen);
    }
    /* With bands and none of them inner, nothing is left to count there. */
    if (rc == 0 && (!r->st.band_tag || ninner > 0))
        rc = ask(db, query_build_counts(&r->st, inner, ninner, req),
                 deadline_ms, &counted, err, errlen);
    if (rc == 0)
        *out = query_counts_reply(counted, outer, &r->st, req, &too_many, err,
                                  errlen);
    free(counted);
    free(outer);
    return rc != 0 ? -1 : *out ? 0 : too_many ? -3 : -2;
}

/* The answer to one queued request, on a worker thread with its own
 * InfluxDB connection `db`.  timeout_ms counts from the request's
 * arrival: time spent in the queue is taken from InfluxDB's share. */
static char *answer(reader *r, evl_influx *db, const job *j)
{
    char err[512];
    int64_t left = r->dbconf.timeout_ms - (mono_ms() - j->arrived_ms);
    if (left < 1) {
        evh_counter_add(r->inst, "queue_timeouts", 1);
        snprintf(err, sizeof err,
                 "the reader is overloaded: the request waited over "
                 "timeout_ms (%lld ms) for a worker",
                 (long long)r->dbconf.timeout_ms);
        return query_error_reply("unavailable", err);
    }
    if (health_fail_fast(&r->health, mono_ms(), true, err, sizeof err))
        return fail_fast(r, err);
    char bands[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    int nbands = 0;
    evl_influx_set_timeout_ms(db, left);
    if (r->st.band_tag) {
        nbands = stored_bands(r, db, &j->req, bands, err, sizeof err);
        if (nbands < 0)
            return db_failed(r, err);
        if (nbands == 0) {
            health_ok(&r->health);
            /* no band can match */
            return strdup(j->req.counts ? "{\"counts\":[]}"
                                        : "{\"events\":[]}");
        }
    }
    /* timeout_ms bounds the whole answer, from the request's arrival:
     * each statement gets what is left of it (ask). */
    char *out = NULL;
    int rc = (j->req.counts ? select_counts : select_events)(
        r, db, &j->req, bands, (size_t)nbands,
        j->arrived_ms + r->dbconf.timeout_ms, &out, err, sizeof err);
    if (rc == -1)
        return db_failed(r, err);
    if (rc == -3)
        return query_error_reply("bad_request", err);
    if (health_ok(&r->health))
        evh_log(r->inst, EVH_LOG_INFO, "InfluxDB answers again");
    return rc == 0 ? out : query_error_reply("unavailable", err);
}

static void run_job(void *ctx, size_t worker, void *p)
{
    reader *r = ctx;
    job *j = p;
    reply_to(r, j->reply_to, answer(r, r->dbs[worker], j));
    free(j);
}

static int reader_on_msg(void *state, evh_msg *msg)
{
    reader *r = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    const char *to = evh_msg_reply(msg);
    query_request req;
    char err[512];

    if (!to) {
        evh_log(r->inst, EVH_LOG_DEBUG,
                "ignoring a message without reply "
                "subject on %s",
                evh_msg_subject(msg));
        return EVH_OK;
    }
    evh_counter_add(r->inst, "queries", 1);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (evl_query_parse(data, len, r->max_count,
                        (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &req,
                        err, sizeof err) != 0 ||
        (req.count_by_criticality && !r->st.band_tag &&
         snprintf(err, sizeof err,
                  "count_by criticality needs the "
                  "criticality band (this reader has "
                  "criticality_band = \"\")") > 0)) {
        evh_counter_add(r->inst, "bad_requests", 1);
        reply(r, msg, query_error_reply("bad_request", err));
        return EVH_OK;
    }
    /* Known down and not yet time to ask again: say so now, not after a
     * wait in the queue. */
    if (health_fail_fast(&r->health, mono_ms(), false, err, sizeof err)) {
        reply(r, msg, fail_fast(r, err));
        return EVH_OK;
    }
    size_t tl = strlen(to) + 1;
    job *j = malloc(sizeof *j + tl);
    if (j) {
        j->req = req;
        j->arrived_ms = mono_ms();
        memcpy(j->reply_to, to, tl);
    }
    if (!j || !r->q || workq_push(r->q, j) != 0) {
        free(j);
        evh_counter_add(r->inst, "busy", 1);
        snprintf(err, sizeof err,
                 "the reader is busy: %lld requests are waiting; retry later",
                 (long long)r->queue_size);
        reply(r, msg, query_error_reply("unavailable", err));
    }
    return EVH_OK;
}

/* No more requests: answer the queued ones, then end the workers. */
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
    for (int64_t i = 0; r->dbs && i < r->workers; i++)
        evl_influx_free(r->dbs[i]);
    free(r->dbs);
    health_destroy(&r->health);
    wipe_free(r->password);
    wipe_free(r->token);
    free(r);
}

static int reader_start(void *state)
{
    reader *r = state;
    char err[300];
    if (evl_influx_auth_refused(r->dbs[0], err, sizeof err)) {
        evh_log(r->inst, EVH_LOG_ERROR,
                "InfluxDB refuses our credentials (%s): check user, "
                "password_file or token_file",
                err);
        return EVH_ECONFIG;
    }
    r->q = workq_new((size_t)r->workers, (size_t)r->queue_size, run_job, r);
    if (!r->q) {
        evh_log(r->inst, EVH_LOG_ERROR, "cannot start %lld worker threads",
                (long long)r->workers);
        return EVH_ENOMEM;
    }
    return EVH_OK;
}

static int reader_module_init(void)
{
    return evl_influx_global_init() == 0 ? EVH_OK : EVH_ENOMEM;
}

EVH_PLUGIN_DEFINE(.name = "influx-query", .version = PACKAGE_VERSION,
                  .needs = EVH_WIRE_SUBSCRIBE, .refuses = EVH_WIRE_JETSTREAM,
                  .description = "answer last-N-events queries from InfluxDB",
                  .module_init = reader_module_init,
                  .module_fini = evl_influx_global_cleanup,
                  .configure = reader_configure, .start = reader_start,
                  .on_msg = reader_on_msg, .drain = reader_drain,
                  .stop = reader_drain, .destroy = reader_destroy);
