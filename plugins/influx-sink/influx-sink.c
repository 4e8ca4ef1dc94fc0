/*
 * influx-sink: events from NATS into InfluxDB, in batches, losing nothing.
 *
 * Each message is parsed, encoded as one line of line protocol and held;
 * a batch is written when it reaches batch_size or flush_interval_ms.  A
 * message is acknowledged only once its point is stored.  InfluxDB down or
 * failing: the batch is kept and retried with capped, jittered backoff
 * (honouring Retry-After); new messages beyond max_pending are nak'ed with a
 * delay (JetStream keeps them) or counted as dropped (core NATS).  A batch
 * InfluxDB rejects (400/422/413) is split in halves until the offending
 * points are isolated; only those are dead-lettered and terminated, the
 * rest are stored (rewriting a point is idempotent).
 *
 * Point identity: InfluxDB keys a point by measurement, tags and time, so
 * two events with the same timestamp would overwrite each other.  The point
 * time is the event time truncated to the microsecond plus (JetStream
 * stream sequence mod 1000) nanoseconds: distinct messages get distinct
 * times, a redelivery of the same message the same time (so it overwrites
 * itself, never doubles), and the stored time stays within 1 us of the
 * event's.  Core NATS has no sequence; a per-instance counter stands in.
 */
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cfgread.h"
#include "deadletter.h"
#include "event.h"
#include "influx.h"
#include "lineproto.h"

enum line_state { LINE_PENDING, LINE_WRITTEN, LINE_POISON };

typedef struct sink {
    evh_instance *inst;
    evl_influx *db;
    evl_influx_conf dbconf;
    char *password, *token;
    evl_lp_map map;
    const char **tags, **fields;
    int64_t batch_size, flush_interval_ms, max_event_bytes, max_pending;
    int64_t retry_initial_ms, retry_max_ms, drain_timeout_ms;
    const char *dead_letter;
    bool create_database, db_create_tried;

    /* the batch: lines in `body`, line i spans off[i]..off[i+1] */
    evl_buf body;
    size_t *off;
    evh_msg **msgs;
    unsigned char *state;
    size_t n, cap;
    int64_t first_ns; /* monotonic time the oldest pending line arrived */

    bool failing;
    int64_t next_try_ns, backoff_ms, failures;
    uint64_t core_seq, rng;
    int64_t invalid_logged_ns;
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

/* A key we may add to a point: not one of the fixed ones, and one line
 * protocol can carry (see lineproto.c). */
static bool writable_key(const char *k)
{
    return k[0] && strcmp(k, "time") && strcmp(k, "criticality") &&
           strcmp(k, "eventMessage") && strcmp(k, "timestamp") &&
           !strpbrk(k, "\r\n") && k[strlen(k) - 1] != '\\';
}

static int read_list(evh_instance *inst, const char *key, const char ***out,
                     size_t *n)
{
    int cnt = evh_config_count(inst, key);
    *out = NULL;
    *n = 0;
    if (cnt < 0)
        return EVH_ECONFIG;
    if (cnt == 0)
        return EVH_OK;
    *out = calloc((size_t)cnt, sizeof **out);
    if (!*out)
        return EVH_ENOMEM;
    for (int i = 0; i < cnt; i++) {
        const char *k;
        if (evh_config_elem_string(inst, key, i, &k) != EVH_OK)
            return EVH_ECONFIG;
        if (!writable_key(k))
            return evh_config_error(inst, key,
                                    "\"%s\" cannot be a tag or extra field "
                                    "(reserved, empty or unwritable name)",
                                    k);
        (*out)[i] = k;
    }
    *n = (size_t)cnt;
    return EVH_OK;
}

/* The band tag key: writable, and not a key the event map also uses (a tag
 * and a field of one name make every query ambiguous).  "" turns it off. */
static int check_band_tag(evh_instance *inst, evl_lp_map *map)
{
    const char *k = map->crit_band_tag;
    if (!k[0]) {
        map->crit_band_tag = NULL;
        return EVH_OK;
    }
    evl_buf probe = {0};
    int bad = !writable_key(k) || evl_lp_key(&probe, k, strlen(k)) != 0;
    evl_buf_free(&probe);
    if (bad)
        return evh_config_error(inst, "criticality_band",
                                "\"%s\" cannot be a tag key (reserved or "
                                "unwritable name)", k);
    for (size_t i = 0; i < map->ntags; i++)
        if (!strcmp(map->tags[i], k))
            return evh_config_error(inst, "tags", "\"%s\" is the "
                                    "criticality_band tag", k);
    for (size_t i = 0; i < map->nfields; i++)
        if (!strcmp(map->fields[i], k))
            return evh_config_error(inst, "fields", "\"%s\" is the "
                                    "criticality_band tag", k);
    return EVH_OK;
}

static int sink_configure(evh_instance *inst, void **state)
{
    sink *s = calloc(1, sizeof *s);
    const char *api = NULL, *pwfile = NULL;
    if (!s)
        return EVH_ENOMEM;
    *state = s;
    s->inst = inst;
    s->rng = (uint64_t)mono_ns() | 1;
    evl_influx_conf *c = &s->dbconf;
    int rc = EVH_OK;
    EVL_READ(rc,
             evh_config_string(inst, "url", "http://127.0.0.1:8086", &c->url));
    EVL_READ(rc, evh_config_string(inst, "api", "v1", &api));
    EVL_READ(rc, evh_config_string(inst, "database", "events", &c->database));
    EVL_READ(rc, evh_config_string(inst, "retention_policy", NULL,
                                   &c->retention_policy));
    EVL_READ(rc, evh_config_string(inst, "org", NULL, &c->org));
    EVL_READ(rc, evh_config_string(inst, "bucket", NULL, &c->bucket));
    EVL_READ(rc, evh_config_string(inst, "user", NULL, &c->user));
    EVL_READ(rc, evh_config_string(inst, "password_file", NULL, &pwfile));
    EVL_READ(rc, evh_config_secret_file(inst, "password_file", &s->password));
    EVL_READ(rc, evh_config_secret_file(inst, "token_file", &s->token));
    EVL_READ(rc, evh_config_string(inst, "measurement", "event",
                                   &s->map.measurement));
    EVL_READ(rc, evh_config_int(inst, "batch_size", 5000, 1, 1000000,
                                &s->batch_size));
    EVL_READ(rc, evh_config_int(inst, "flush_interval_ms", 200, 1, 3600000,
                       &s->flush_interval_ms));
    EVL_READ(rc, evh_config_int(inst, "timeout_ms", 10000, 100, 600000,
                                &c->timeout_ms));
    EVL_READ(rc, evh_config_int(inst, "connect_timeout_ms", 2000, 100, 600000,
                       &c->connect_timeout_ms));
    EVL_READ(rc, evh_config_int(inst, "max_event_bytes", EVL_EVENT_MAX_BYTES,
                                64, INT32_MAX, &s->max_event_bytes));
    EVL_READ(rc, evh_config_int(inst, "max_pending", 100000, 1, 100000000,
                       &s->max_pending));
    EVL_READ(rc, evh_config_int(inst, "retry_initial_ms", 100, 1, 600000,
                       &s->retry_initial_ms));
    EVL_READ(rc, evh_config_int(inst, "retry_max_ms", 30000, 1, 3600000,
                       &s->retry_max_ms));
    EVL_READ(rc, evh_config_int(inst, "drain_timeout_ms", 5000, 0, 3600000,
                       &s->drain_timeout_ms));
    EVL_READ(rc, evh_config_string(inst, "dead_letter", NULL, &s->dead_letter));
    EVL_READ(rc, evh_config_bool(inst, "create_database", true,
                                 &s->create_database));
    EVL_READ(rc, read_list(inst, "tags", &s->tags, &s->map.ntags));
    EVL_READ(rc, read_list(inst, "fields", &s->fields, &s->map.nfields));
    EVL_READ(rc, evh_config_string(inst, "criticality_band", "crit_band",
                                   &s->map.crit_band_tag));
    if (rc != EVH_OK)
        return rc;
    s->map.tags = s->tags;
    s->map.fields = s->fields;
    rc = check_band_tag(inst, &s->map);
    if (rc != EVH_OK)
        return rc;
    if (api && evl_influx_api_parse(api, &c->api) != 0)
        return evh_config_error(inst, "api", "expected \"v1\", \"v2\" or "
                                             "\"v3\", got \"%s\"", api);
    if (c->api == EVL_INFLUX_V2 && (!c->org || !c->bucket))
        return evh_config_error(inst, c->org ? "bucket" : "org",
                                "required with api = \"v2\"");
    if (c->api == EVL_INFLUX_V2 && !s->token)
        return evh_config_error(inst, "token_file",
                                "required with api = \"v2\"");
    if (pwfile && !c->user)
        return evh_config_error(inst, "user", "required with password_file");
    if (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8))
        return evh_config_error(inst, "url", "expected an http:// or https:// "
                                             "URL, got \"%s\"", c->url);
    if (s->retry_max_ms < s->retry_initial_ms)
        return evh_config_error(inst, "retry_max_ms",
                                "must be >= retry_initial_ms");
    {
        evl_buf probe = {0};
        int bad = evl_lp_measurement(&probe, s->map.measurement,
                                     strlen(s->map.measurement));
        evl_buf_free(&probe);
        if (bad)
            return evh_config_error(inst, "measurement",
                                    "not a writable measurement name");
    }
    c->password = s->password;
    c->token = s->token;
    s->db = evl_influx_new(c);
    if (!s->db)
        return EVH_ENOMEM;
    s->backoff_ms = s->retry_initial_ms;
    return EVH_OK;
}

/* ------------------------------------------------------------- batch ---- */

static int grow(sink *s)
{
    if (s->n + 1 < s->cap)
        return 0;
    size_t cap = s->cap ? s->cap * 2 : 1024;
    size_t *off = realloc(s->off, (cap + 1) * sizeof *off);
    if (off)
        s->off = off;
    evh_msg **m = realloc(s->msgs, cap * sizeof *m);
    if (m)
        s->msgs = m;
    unsigned char *st = realloc(s->state, cap);
    if (st)
        s->state = st;
    if (!off || !m || !st)
        return -1;
    s->cap = cap;
    return 0;
}

static void dead_letter(sink *s, evh_msg *msg, const char *why)
{
    if (s->dead_letter &&
        evl_dead_letter(s->inst, s->dead_letter, msg, why) == EVH_OK)
        evh_counter_add(s->inst, "dead_lettered", 1);
}

/* Point time: event time truncated to the us, plus a per-message offset
 * below 1 us (see the top of the file). */
static int64_t point_time(sink *s, const evl_event *ev, evh_msg *msg)
{
    int64_t us = ev->time_ns / 1000;
    if (ev->time_ns % 1000 < 0)
        us--;
    uint64_t seq = evh_msg_stream_seq(msg);
    if (seq == 0)
        seq = s->core_seq++;
    return us * 1000 + (int64_t)(seq % 1000);
}

/* Drop written and poisoned lines from the batch, keeping the order. */
static void compact(sink *s)
{
    size_t w = 0, bytes = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != LINE_PENDING)
            continue;
        size_t len = s->off[i + 1] - s->off[i];
        memmove(s->body.data + bytes, s->body.data + s->off[i], len);
        s->off[w] = bytes;
        s->msgs[w] = s->msgs[i];
        s->state[w] = LINE_PENDING;
        bytes += len;
        w++;
    }
    s->n = w;
    s->off[w] = bytes;
    s->body.len = bytes;
    if (s->body.data)
        s->body.data[bytes] = '\0';
    if (w == 0)
        s->first_ns = 0;
}

static void create_db(sink *s)
{
    char q[512], err[256], *out = NULL;
    evl_buf id = {0};
    const char *db = s->dbconf.database;
    s->db_create_tried = true;
    for (const char *p = db; *p; p++) {
        if (*p == '"' || *p == '\\')
            evl_buf_addc(&id, '\\');
        evl_buf_addc(&id, *p);
    }
    snprintf(q, sizeof q, "CREATE DATABASE \"%s\"", id.data ? id.data : "");
    evl_buf_free(&id);
    if (evl_influx_query(s->db, q, NULL, &out, err, sizeof err) == 0)
        evh_log(s->inst, EVH_LOG_INFO, "created InfluxDB database \"%s\"", db);
    else
        evh_log(s->inst, EVH_LOG_WARN, "could not create database \"%s\": %s",
                db, err);
    free(out);
}

/* Write lines [lo, hi); mark them written or poison.  Returns 0 when
 * every line was settled, or -1 (retry later) with the reason in res. */
static int write_range(sink *s, size_t lo, size_t hi, evl_write_result *res)
{
    size_t a = s->off[lo], b = s->off[hi];
    evl_influx_write(s->db, s->body.data + a, b - a, res);
    switch (res->outcome) {
    case EVL_WRITE_OK:
        for (size_t i = lo; i < hi; i++)
            s->state[i] = LINE_WRITTEN;
        return 0;
    case EVL_WRITE_BAD_DATA:
    case EVL_WRITE_TOO_LARGE:
        if (hi - lo == 1) {
            /* This point alone is refused: it is poison, not an outage. */
            evh_log(s->inst, EVH_LOG_WARN,
                    "InfluxDB rejected a point (HTTP %ld: %s); "
                    "dead-lettering it",
                    res->http_status, res->message);
            evh_counter_add(s->inst, "rejected", 1);
            dead_letter(s, s->msgs[lo], res->message);
            evh_msg_term(s->msgs[lo]);
            s->state[lo] = LINE_POISON;
            return 0;
        }
        {
            size_t mid = lo + (hi - lo) / 2;
            evl_write_result r2;
            if (write_range(s, lo, mid, res) != 0)
                return -1;
            if (write_range(s, mid, hi, &r2) != 0) {
                *res = r2;
                return -1;
            }
            return 0;
        }
    case EVL_WRITE_NOT_FOUND:
        if (s->create_database && !s->db_create_tried &&
            s->dbconf.api == EVL_INFLUX_V1) {
            create_db(s);
            return write_range(s, lo, hi, res);
        }
        return -1;
    default:
        return -1;
    }
}

static void flush(sink *s)
{
    if (s->n == 0)
        return;
    evl_write_result res;
    int rc = write_range(s, 0, s->n, &res);
    size_t written = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] == LINE_WRITTEN) {
            evh_msg_ack(s->msgs[i]);
            written++;
        }
    }
    evh_counter_add(s->inst, "written", (int64_t)written);
    evh_counter_add(s->inst, "batches", 1);
    compact(s);
    if (rc == 0) {
        if (s->failing)
            evh_log(s->inst, EVH_LOG_INFO,
                    "InfluxDB accepts writes again (after %lld failed "
                    "attempts)",
                    (long long)s->failures);
        s->failing = false;
        s->failures = 0;
        s->backoff_ms = s->retry_initial_ms;
        return;
    }
    /* Keep the batch; try again after a jittered, capped backoff. */
    evh_counter_add(s->inst, "retries", 1);
    s->failures++;
    if (!s->failing)
        evh_log(s->inst, EVH_LOG_ERROR,
                "InfluxDB write failed (%s%s%s); keeping %zu points and "
                "retrying with backoff up to %lld ms",
                evl_write_outcome_name(res.outcome), res.message[0] ? ": " : "",
                res.message, s->n, (long long)s->retry_max_ms);
    else
        evh_log(s->inst, EVH_LOG_DEBUG, "InfluxDB write failed again (%s)",
                res.message);
    s->failing = true;
    int64_t wait = s->backoff_ms;
    wait = wait / 2 + (int64_t)(rnd(s) % (uint64_t)(wait / 2 + 1));
    if (res.retry_after_ms > wait)
        wait = res.retry_after_ms;
    if (wait > s->retry_max_ms)
        wait = s->retry_max_ms;
    s->next_try_ns = mono_ns() + wait * 1000000;
    s->backoff_ms = s->backoff_ms * 2 > s->retry_max_ms ? s->retry_max_ms
                                                          : s->backoff_ms * 2;
}

static bool may_write(const sink *s, int64_t now)
{
    return !s->failing || now >= s->next_try_ns;
}

static void on_tick(void *state, int64_t now)
{
    sink *s = state;
    if (s->n == 0)
        return;
    if (s->failing ? now >= s->next_try_ns
                   : now - s->first_ns >= s->flush_interval_ms * 1000000)
        flush(s);
}

static int sink_on_msg(void *state, evh_msg *msg)
{
    sink *s = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];

    if (evl_event_parse(data, len, (size_t)s->max_event_bytes, &ev, err,
                        sizeof err) != 0) {
        evh_counter_add(s->inst, "invalid", 1);
        evh_log(s->inst, EVH_LOG_WARN, "refused an event on %s: %s",
                evh_msg_subject(msg), err);
        dead_letter(s, msg, err);
        /* Poison never gets better: no redelivery. */
        if (evh_msg_is_jetstream(msg))
            evh_msg_term(msg);
        return EVH_OK;
    }
    if (s->n >= (size_t)s->max_pending || grow(s) != 0) {
        evl_event_free(&ev);
        if (evh_msg_is_jetstream(msg)) {
            /* Back-pressure: the stream keeps it; come back later. */
            evh_msg_nak(msg, s->backoff_ms);
            return EVH_OK;
        }
        evh_counter_add(s->inst, "dropped", 1);
        evh_log(s->inst, EVH_LOG_ERROR,
                "dropping events: %zu points wait for InfluxDB (max_pending); "
                "core NATS cannot hold them (use JetStream)",
                s->n);
        return EVH_OK;
    }
    s->off[s->n] = s->body.len;
    if (evl_lp_event(&s->body, &s->map, &ev, point_time(s, &ev, msg), err,
                     sizeof err) != 0) {
        evl_event_free(&ev);
        evh_counter_add(s->inst, "invalid", 1);
        evh_log(s->inst, EVH_LOG_WARN, "refused an event on %s: %s",
                evh_msg_subject(msg), err);
        dead_letter(s, msg, err);
        if (evh_msg_is_jetstream(msg))
            evh_msg_term(msg);
        return EVH_OK;
    }
    evl_event_free(&ev);
    evh_msg_hold(msg);
    s->msgs[s->n] = msg;
    s->state[s->n] = LINE_PENDING;
    if (s->n == 0)
        s->first_ns = mono_ns();
    s->n++;
    s->off[s->n] = s->body.len;
    if (s->n >= (size_t)s->batch_size && may_write(s, mono_ns()))
        flush(s);
    return EVH_OK;
}

static int sink_start(void *state)
{
    sink *s = state;
    char err[300];
    if (evl_influx_auth_refused(s->db, err, sizeof err)) {
        evh_log(s->inst, EVH_LOG_ERROR,
                "InfluxDB refuses our credentials (%s): check user, "
                "password_file or token_file",
                err);
        return EVH_ECONFIG;
    }
    if (s->dead_letter)
        evl_dead_letter_check(s->inst, s->dead_letter);
    int64_t tick = s->flush_interval_ms / 4;
    if (tick < 5)
        tick = 5;
    if (tick > 100)
        tick = 100;
    return evh_timer_add(s->inst, tick, on_tick, NULL);
}

/* Intake stopped: write what we hold, within drain_timeout_ms.  What still
 * cannot be written is nak'ed (JetStream redelivers it to the next writer)
 * or, on core NATS, counted as dropped. */
static void sink_drain(void *state)
{
    sink *s = state;
    int64_t deadline = mono_ns() + s->drain_timeout_ms * 1000000;
    bool all_js = true;
    for (size_t i = 0; i < s->n; i++)
        all_js = all_js && evh_msg_is_jetstream(s->msgs[i]);
    /* InfluxDB already failing and JetStream holding every message: one
     * last try, then hand them back; waiting out the backoff would only
     * delay the stop (a reload would abandon the instance). */
    if (s->failing && all_js) {
        flush(s);
        deadline = 0;
    }
    while (s->n > 0) {
        int64_t now = mono_ns();
        if (may_write(s, now))
            flush(s);
        if (s->n == 0 || mono_ns() >= deadline)
            break;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (s->n == 0)
        return;
    size_t js = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (evh_msg_is_jetstream(s->msgs[i]))
            js++;
        evh_msg_nak(s->msgs[i], 0);
    }
    if (js < s->n)
        evh_counter_add(s->inst, "dropped", (int64_t)(s->n - js));
    evh_log(s->inst, js == s->n ? EVH_LOG_WARN : EVH_LOG_ERROR,
            "stopping with %zu points not written: %zu returned to "
            "JetStream, %zu lost (core NATS)",
            s->n, js, s->n - js);
    s->n = 0;
    s->body.len = 0;
}

static void sink_destroy(void *state)
{
    sink *s = state;
    if (!s)
        return;
    evl_influx_free(s->db);
    if (s->password) {
        memset(s->password, 0, strlen(s->password));
        free(s->password);
    }
    if (s->token) {
        memset(s->token, 0, strlen(s->token));
        free(s->token);
    }
    free(s->tags);
    free(s->fields);
    evl_buf_free(&s->body);
    free(s->off);
    free(s->msgs);
    free(s->state);
    free(s);
}

EVH_PLUGIN_DEFINE(.name = "influx-sink", .version = PACKAGE_VERSION,
                  .description = "write events to InfluxDB (v1/v2/v3), "
                                 "batched, acked after the write",
                  .configure = sink_configure, .start = sink_start,
                  .on_msg = sink_on_msg, .drain = sink_drain,
                  .destroy = sink_destroy);
