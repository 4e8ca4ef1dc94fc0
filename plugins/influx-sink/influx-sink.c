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
 * Point identity (lineproto.h): the point time is the event's instant at
 * the precision it was sent with plus a slot from the message's identity,
 * so that N distinct events are N points whatever their timestamps, and a
 * redelivered message rewrites its own point.  With JetStream the slot is
 * the stream sequence.  Core NATS has none: a per-instance counter, started
 * from the wall clock in microseconds so that a restarted sink does not
 * reuse the slots of its previous run, and the writer tag (writer_id,
 * default "<hostname>/<pid>/<instance>") keeps two sinks of one queue group
 * apart.
 */
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "buf.h"
#include "deadletter.h"
#include "event.h"
#include "influx.h"
#include "lineproto.h"
#include "wipe.h"

typedef struct sink {
    evh_instance *inst;
    evl_influx *db; /* the start-up check; writes go through `pool` */
    evl_influx_conf dbconf;
    char *password, *token;
    evl_lp_map map;
    const char **tags, **fields;
    int64_t batch_size, flush_interval_ms, max_event_bytes, max_pending;
    int64_t retry_initial_ms, retry_max_ms, drain_timeout_ms;
    int64_t writes_in_flight;
    const char *dead_letter;
    bool create_database;
    char *writer_id; /* the core-NATS writer tag's value */

    evl_buf scratch; /* the fast event path's decoded strings */

    writers *pool;
    batch *fill;                    /* being filled */
    batch *waiting, **waiting_tail; /* failed: written again after backoff */
    batch *spare;                   /* emptied, for reuse */
    size_t nspare;
    size_t held; /* lines in every batch: fill, in flight, waiting */

    bool failing;
    int64_t next_try_ns, backoff_ms, failures;
    uint64_t core_slot, rng;

    /* Units of time recently written, with the span of slots written in
     * each (beyond_identity_limit): a hash table that forgets by
     * overwriting. */
    struct unit_seen {
        int64_t base;
        uint64_t lo, hi;
        int64_t crit_band; /* the band's first criticality */
        bool used;
    } * units;
} sink;

#define UNITS_SEEN 4096

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
           strcmp(k, EVL_POINT_SUB_FIELD) && !strpbrk(k, "\r\n") &&
           k[strlen(k) - 1] != '\\';
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

/* A tag key of our own (the band, the writer): writable, and not a key
 * the event map also uses (a tag and a field of one name make every query
 * ambiguous). */
static int check_own_tag(evh_instance *inst, const evl_lp_map *map,
                         const char *cfgkey, const char *k)
{
    evl_buf probe = {0};
    int bad = !writable_key(k) || evl_lp_key(&probe, k, strlen(k)) != 0;
    evl_buf_free(&probe);
    if (bad)
        return evh_config_error(inst, cfgkey,
                                "\"%s\" cannot be a tag key (reserved or "
                                "unwritable name)",
                                k);
    for (size_t i = 0; i < map->ntags; i++)
        if (!strcmp(map->tags[i], k))
            return evh_config_error(inst, "tags", "\"%s\" is the %s tag", k,
                                    cfgkey);
    for (size_t i = 0; i < map->nfields; i++)
        if (!strcmp(map->fields[i], k))
            return evh_config_error(inst, "fields", "\"%s\" is the %s tag", k,
                                    cfgkey);
    return EVH_OK;
}

/* The band and writer tags; "" turns either off. */
static int check_own_tags(evh_instance *inst, evl_lp_map *map)
{
    int rc = EVH_OK;
    if (!map->crit_band_tag[0])
        map->crit_band_tag = NULL;
    else
        rc = check_own_tag(inst, map, "criticality_band", map->crit_band_tag);
    if (rc != EVH_OK)
        return rc;
    if (!map->writer_tag[0]) {
        map->writer_tag = NULL;
        return EVH_OK;
    }
    rc = check_own_tag(inst, map, "writer_tag", map->writer_tag);
    if (rc == EVH_OK && map->crit_band_tag &&
        !strcmp(map->crit_band_tag, map->writer_tag))
        rc = evh_config_error(inst, "writer_tag",
                              "\"%s\" is the criticality_band tag",
                              map->writer_tag);
    return rc;
}

/* "<hostname>/<pid>/<instance>", or the configured writer_id: a valid tag
 * value.  The pid tells apart two hosts of one config on one machine; a
 * restart adds at most one series per band in use (core NATS only). */
static int writer_id(sink *s, const char *conf)
{
    char host[256] = "";
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
    if (!s->writer_id)
        return EVH_ENOMEM;
    evl_buf probe = {0};
    int bad = evl_lp_key(&probe, s->writer_id, strlen(s->writer_id)) != 0;
    evl_buf_free(&probe);
    if (bad)
        return evh_config_error(s->inst, "writer_id",
                                "\"%s\" cannot be a tag value (empty, line "
                                "break or trailing backslash)",
                                s->writer_id);
    return EVH_OK;
}

/* The sink's own keys (the connection's are evl_influx_conf_read's).
 * EVH_ENOMEM or EVH_OK: problems are reported, for evh_config_status. */
static int read_keys(sink *s, const char **wid)
{
    evh_instance *inst = s->inst;
    evh_config_string(inst, "measurement", "event", &s->map.measurement);
    evh_config_int(inst, "batch_size", 5000, 1, 1000000, &s->batch_size);
    evh_config_int(inst, "flush_interval_ms", 200, 1, 3600000,
                   &s->flush_interval_ms);
    evh_config_int(inst, "max_event_bytes", EVL_EVENT_MAX_BYTES, 64, INT32_MAX,
                   &s->max_event_bytes);
    evh_config_int(inst, "max_pending", 100000, 1, 100000000, &s->max_pending);
    evh_config_int(inst, "retry_initial_ms", 100, 1, 600000,
                   &s->retry_initial_ms);
    evh_config_int(inst, "retry_max_ms", 30000, 1, 3600000, &s->retry_max_ms);
    evh_config_int(inst, "drain_timeout_ms", 5000, 0, 3600000,
                   &s->drain_timeout_ms);
    evh_config_int(inst, "writes_in_flight", 2, 1, 16, &s->writes_in_flight);
    evh_config_string(inst, "dead_letter", NULL, &s->dead_letter);
    evh_config_bool(inst, "create_database", true, &s->create_database);
    int tags = read_list(inst, "tags", &s->tags, &s->map.ntags);
    int fields = read_list(inst, "fields", &s->fields, &s->map.nfields);
    evh_config_string(inst, "criticality_band", "crit_band",
                      &s->map.crit_band_tag);
    evh_config_string(inst, "writer_tag", "writer", &s->map.writer_tag);
    evh_config_string(inst, "writer_id", NULL, wid);
    return tags == EVH_ENOMEM || fields == EVH_ENOMEM ? EVH_ENOMEM : EVH_OK;
}

/* What the getters cannot see, each problem reported.  EVH_ENOMEM or
 * EVH_OK. */
static int check_keys(sink *s, const char *wid)
{
    evh_instance *inst = s->inst;
    const evl_influx_conf *c = &s->dbconf;
    s->map.tags = s->tags;
    s->map.fields = s->fields;
    check_own_tags(inst, &s->map);
    if (writer_id(s, wid) == EVH_ENOMEM)
        return EVH_ENOMEM;
    if (c->api == EVL_INFLUX_V2 && (!c->org || !c->bucket))
        evh_config_error(inst, c->org ? "bucket" : "org",
                         "required with api = \"v2\"");
    if (c->api == EVL_INFLUX_V2 && !s->token)
        evh_config_error(inst, "token_file", "required with api = \"v2\"");
    if (s->retry_max_ms < s->retry_initial_ms)
        evh_config_error(inst, "retry_max_ms", "must be >= retry_initial_ms");
    evl_buf probe = {0};
    int bad = evl_lp_measurement(&probe, s->map.measurement,
                                 strlen(s->map.measurement));
    evl_buf_free(&probe);
    if (bad)
        evh_config_error(inst, "measurement",
                         "not a writable measurement name");
    return EVH_OK;
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
    s->core_slot =
        (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;

    evl_influx_conf *c = &s->dbconf;
    c->timeout_ms = 10000;
    c->connect_timeout_ms = 2000;
    evl_influx_conf_read(inst, c, &s->password, &s->token);
    if (read_keys(s, &wid) != EVH_OK || check_keys(s, wid) != EVH_OK)
        return EVH_ENOMEM;
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    s->db = evl_influx_new(c);
    if (!s->db)
        return EVH_ENOMEM;
    s->backoff_ms = s->retry_initial_ms;
    s->waiting_tail = &s->waiting;
    if (!(s->units = calloc(UNITS_SEEN, sizeof *s->units)))
        return EVH_ENOMEM;
    return EVH_OK;
}

/* ------------------------------------------------------------- batch ---- */

static void dead_letter(sink *s, evh_msg *msg, const char *why)
{
    if (s->dead_letter &&
        evl_dead_letter(s->inst, s->dead_letter, msg, why) == EVH_OK)
        evh_counter_add(s->inst, "dead_lettered", 1);
}

static batch *new_batch(sink *s)
{
    batch *b = s->spare;
    if (b) {
        s->spare = b->next;
        s->nspare--;
        b->next = NULL;
        return b;
    }
    return calloc(1, sizeof *b);
}

/* An emptied batch: kept for reuse (its buffers stay allocated), a few. */
static void recycle(sink *s, batch *b)
{
    if (s->nspare >= (size_t)s->writes_in_flight + 2) {
        batch_free(b);
        return;
    }
    b->n = 0;
    b->body.len = 0;
    b->first_ns = 0;
    b->next = s->spare;
    s->spare = b;
    s->nspare++;
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

/* The filled batch goes to the writers, or waits while InfluxDB fails. */
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

/* A batch back from a writer: ack what is stored, settle the poison, and
 * keep the rest for a retry with a jittered, capped backoff. */
static void settle(sink *s, batch *b)
{
    size_t written = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->state[i] == LINE_WRITTEN) {
            evh_msg_ack(b->msgs[i]);
            written++;
        } else if (b->state[i] == LINE_POISON) {
            const char *why = b->why && b->why[i] ? b->why[i] : "refused";
            evh_log(s->inst, EVH_LOG_WARN,
                    "InfluxDB rejected a point (%s); dead-lettering it", why);
            evh_counter_add(s->inst, "rejected", 1);
            dead_letter(s, b->msgs[i], why);
            evh_msg_term(b->msgs[i]);
        }
    }
    size_t before = b->n;
    evh_counter_add(s->inst, "written", (int64_t)written);
    evh_counter_add(s->inst, "batches", 1);
    batch_compact(b);
    s->held -= before - b->n;
    if (b->rc == 0) {
        if (s->failing)
            evh_log(s->inst, EVH_LOG_INFO,
                    "InfluxDB accepts writes again (after %lld failed "
                    "attempts)",
                    (long long)s->failures);
        s->failing = false;
        s->failures = 0;
        s->backoff_ms = s->retry_initial_ms;
        if (b->n == 0) {
            recycle(s, b);
            return;
        }
    }
    evh_counter_add(s->inst, "retries", 1);
    s->failures++;
    const evl_write_result *res = &b->res;
    if (!s->failing)
        evh_log(s->inst, EVH_LOG_ERROR,
                "InfluxDB write failed (%s%s%s); keeping %zu points and "
                "retrying with backoff up to %lld ms",
                evl_write_outcome_name(res->outcome),
                res->message[0] ? ": " : "", res->message, s->held,
                (long long)s->retry_max_ms);
    else
        evh_log(s->inst, EVH_LOG_DEBUG, "InfluxDB write failed again (%s)",
                res->message);
    s->failing = true;
    int64_t wait = s->backoff_ms;
    wait = wait / 2 + (int64_t)(rnd(s) % (uint64_t)(wait / 2 + 1));
    if (res->retry_after_ms > wait)
        wait = res->retry_after_ms;
    if (wait > s->retry_max_ms)
        wait = s->retry_max_ms;
    s->next_try_ns = mono_ns() + wait * 1000000;
    s->backoff_ms = s->backoff_ms * 2 > s->retry_max_ms ? s->retry_max_ms
                                                        : s->backoff_ms * 2;
    wait_list_add(s, b);
}

static void collect(sink *s)
{
    batch *b;
    while ((b = writers_done(s->pool)))
        settle(s, b);
}

/* Waiting batches go out again: all of them once InfluxDB accepts writes;
 * while it fails, one at a time after the backoff, as a probe. */
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

/*
 * The limit of the point identity (lineproto.h): two events of one unit of
 * time and band share a point when their slots are a multiple of the
 * unit's slot count apart -- a device whose clock is stuck on one
 * millisecond for more than 250,000 stream positions, say.  No tag per
 * event can lift it without unbounded series, so the sink detects it: it
 * remembers, per recent unit and band, the lowest and highest slot it
 * wrote there, and an event that would stretch that span to the unit's
 * slot count is refused (counted as identity_limit, logged, dead-lettered,
 * not written) instead of overwriting an earlier point.  What a restart or
 * an entry overwritten in the table forgets, it cannot see (documented).
 */
static bool beyond_identity_limit(sink *s, const evl_event *ev, uint64_t slot)
{
    int64_t t, sub;
    if (evl_point_time(ev->time_ns, slot, &t, &sub) != 0)
        return false; /* refused by the encoder with its own reason */
    int c = evl_point_class(t);
    uint64_t n = (uint64_t)evl_point_slots(c);
    int64_t base = t - 4 * (int64_t)(slot % n) - c;
    int64_t band = ev->criticality < 0                    ? -1
                   : ev->criticality >= EVL_CRIT_BAND_TOP ? EVL_CRIT_BAND_TOP
                                                          : ev->criticality;
    uint64_t h = ((uint64_t)base * 0x9e3779b97f4a7c15u) ^ (uint64_t)(band + 1);
    struct unit_seen *u = &s->units[(h >> 20) % UNITS_SEEN];
    if (!u->used || u->base != base || u->crit_band != band) {
        *u = (struct unit_seen){base, slot, slot, band, true};
        return false;
    }
    uint64_t lo = slot < u->lo ? slot : u->lo, hi = slot > u->hi ? slot : u->hi;
    if (hi - lo >= n)
        return true;
    u->lo = lo;
    u->hi = hi;
    return false;
}

static int sink_on_msg(void *state, evh_msg *msg)
{
    sink *s = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];

    collect(s);
    /* The fast path when no tag or extra field needs the JSON tree; the
     * full parser for the rest and for every verdict on bad input. */
    bool flat = s->map.ntags == 0 && s->map.nfields == 0;
    if ((!flat || evl_event_scan(data, len, (size_t)s->max_event_bytes, &ev,
                                 &s->scratch) != 0) &&
        evl_event_parse(data, len, (size_t)s->max_event_bytes, &ev, err,
                        sizeof err) != 0) {
        refuse(s, msg, err);
        return EVH_OK;
    }
    if (!s->fill)
        s->fill = new_batch(s);
    batch *b = s->fill;
    if (s->held >= (size_t)s->max_pending || !b || batch_grow(b) != 0) {
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
                s->held);
        return EVH_OK;
    }
    b->off[b->n] = b->body.len;
    uint64_t seq = evh_msg_stream_seq(msg);
    uint64_t slot = seq ? seq : s->core_slot++;
    if (beyond_identity_limit(s, &ev, slot)) {
        evl_event_free(&ev);
        evh_counter_add(s->inst, "identity_limit", 1);
        refuse(s, msg,
               "its unit of time already holds as many events as "
               "it has points (more than 250,000 stream positions "
               "apart within one millisecond, or 250,000,000 within "
               "one second, in one criticality band): writing it "
               "would overwrite an earlier event");
        return EVH_OK;
    }
    if (evl_lp_event(&b->body, &s->map, &ev, slot, seq ? NULL : s->writer_id,
                     err, sizeof err) != 0) {
        evl_event_free(&ev);
        refuse(s, msg, err);
        return EVH_OK;
    }
    evl_event_free(&ev);
    evh_msg_hold(msg);
    b->msgs[b->n] = msg;
    b->state[b->n] = LINE_PENDING;
    if (b->n == 0)
        b->first_ns = mono_ns();
    b->n++;
    b->off[b->n] = b->body.len;
    s->held++;
    if (b->n >= (size_t)s->batch_size)
        seal(s);
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
    s->pool = writers_start(s->inst, &s->dbconf, (int)s->writes_in_flight,
                            s->create_database);
    if (!s->pool)
        return EVH_ENOMEM;
    /* Short: a written batch is acked at the next tick when no message
     * comes (with messages flowing, on_msg settles it first). */
    int64_t tick = s->flush_interval_ms / 4;
    if (tick < 5)
        tick = 5;
    if (tick > 20)
        tick = 20;
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

/* Intake stopped: write what we hold, within drain_timeout_ms.  What still
 * cannot be written is nak'ed (JetStream redelivers it to the next writer)
 * or, on core NATS, counted as dropped. */
static void sink_drain(void *state)
{
    sink *s = state;
    if (!s->pool)
        return;
    int64_t deadline = mono_ns() + s->drain_timeout_ms * 1000000;
    collect(s);
    seal(s);
    bool all_js = all_jetstream(s->fill);
    for (batch *b = s->waiting; b; b = b->next)
        all_js = all_js && all_jetstream(b);
    /* InfluxDB already failing and JetStream holding every message: one
     * last try, then hand them back; waiting out the backoff would only
     * delay the stop (a reload would abandon the instance). */
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
        /* Writes in flight come back before their messages are handed
         * back: each is bounded by timeout_ms. */
        writers_wait(s->pool, 20);
    }
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
            "stopping with %zu points not written: %zu returned to "
            "JetStream, %zu lost (core NATS)",
            all, js, all - js);
}

static void sink_destroy(void *state)
{
    sink *s = state;
    if (!s)
        return;
    writers_stop(s->pool);
    writers_free(s->pool);
    evl_influx_free(s->db);
    wipe_free(s->password);
    wipe_free(s->token);
    free(s->tags);
    free(s->fields);
    free(s->writer_id);
    free(s->units);
    evl_buf_free(&s->scratch);
    batch *b;
    while ((b = wait_list_pop(s)))
        batch_free(b);
    batch_free(s->fill);
    while ((b = s->spare)) {
        s->spare = b->next;
        batch_free(b);
    }
    free(s);
}

static int sink_module_init(void)
{
    return evl_influx_global_init() == 0 ? EVH_OK : EVH_ENOMEM;
}

EVH_PLUGIN_DEFINE(.name = "influx-sink", .version = PACKAGE_VERSION,
                  .needs = EVH_WIRE_SUBSCRIBE,
                  .description = "write events to InfluxDB (v1/v2/v3), "
                                 "batched, acked after the write",
                  .module_init = sink_module_init,
                  .module_fini = evl_influx_global_cleanup,
                  .configure = sink_configure, .start = sink_start,
                  .on_msg = sink_on_msg, .drain = sink_drain,
                  .destroy = sink_destroy);
