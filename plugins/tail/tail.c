/*
 * tail: follow the subscribed subject live and print the events that pass
 * the filter (`where`, `keys`), one clear line each -- the rows of
 * query-client -- or one JSON line each.
 *
 * A NATS outage is noticed by polling evh_connected() (and on the first
 * message after it); when the connection is back the tail prints one line
 * saying from when to when the feed was interrupted and whether events may
 * have been missed.  The host resubscribes (core NATS: what was published
 * meanwhile is gone) or pulls again (JetStream: the durable resumes where
 * it was, nothing is missed).  A plugin cannot ask which of the two it is
 * bound to, so the tail learns it from the messages it has received.
 */
#include <errno.h>
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "filter.h"
#include "querycfg.h"
#include "table.h"

#define WATCH_MS 100
#define INVALID_LOG_EVERY_NS (10 * 1000000000LL)

/* Known at configure time from the host (evh_instance_wiring). */
enum transport { SEEN_CORE, SEEN_JETSTREAM };

typedef struct tail {
    evh_instance *inst;
    tail_filter filter;
    bool json;
    const char *output;
    FILE *out;
    bool out_broken; /* the reader of the output went away */
    enum transport seen;
    bool down;            /* disconnected, not yet reported back */
    int64_t down_wall_ns; /* when the outage was noticed (wall clock) */
    int64_t invalid_unlogged;
    int64_t invalid_logged_ns; /* monotonic; 0: never */
    evl_buf line;
    bool has_q; /* the request conditions of the config (querycfg.h) */
    struct evl_query q;
} tail;

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Write the line buffer out; a reader that went away (EPIPE: `| head`)
 * ends the tail, other errors are logged (the host folds repeats). */
static void emit(tail *t)
{
    FILE *f = t->out ? t->out : stdout;
    if (!t->out_broken && t->line.data &&
        (fputs(t->line.data, f) == EOF || fflush(f) == EOF)) {
        int e = errno;
        evh_counter_add(t->inst, "write_errors", 1);
        if (e == EPIPE) {
            t->out_broken = true;
            evh_log(t->inst, EVH_LOG_INFO,
                    "output closed by its reader; "
                    "the tail is done");
            evh_done(t->inst);
        } else
            evh_log(t->inst, EVH_LOG_ERROR, "writing %s: %s",
                    t->output ? t->output : "standard output", strerror(e));
        clearerr(f);
    }
    evl_buf_reset(&t->line);
}

static void report_outage(tail *t)
{
    int64_t now = clock_ns(CLOCK_REALTIME);
    char from[32], to[32], stamp[40];
    evl_table_clock(t->down_wall_ns, false, from, sizeof from);
    evl_table_clock(now, false, to, sizeof to);
    double secs = (double)(now - t->down_wall_ns) / 1e9;
    const char *missed =
        t->seen == SEEN_JETSTREAM
            ? "nothing missed: JetStream delivers what was published "
              "meanwhile"
            : "events published meanwhile were not seen (core NATS)";
    char text[512];
    if (t->json) {
        char f3339[40], t3339[40];
        evl_time_format(t->down_wall_ns, f3339, sizeof f3339);
        evl_time_format(now, t3339, sizeof t3339);
        snprintf(text, sizeof text,
                 "{\"feed_interrupted\":{\"from\":\"%s\",\"to\":\"%s\","
                 "\"seconds\":%.1f,\"events_missed\":\"%s\"}}\n",
                 f3339, t3339, secs,
                 t->seen == SEEN_JETSTREAM ? "none" : "possible");
    } else {
        evl_table_clock(now, true, stamp, sizeof stamp);
        snprintf(text, sizeof text,
                 "== %s  feed interrupted from %s to %s (%.1f s, NATS "
                 "unreachable): %s ==\n",
                 stamp, from, to, secs, missed);
    }
    evl_buf_adds(&t->line, text);
    emit(t);
    evh_counter_add(t->inst, "interruptions", 1);
}

/* Called every WATCH_MS and before each message, so that the notice
 * always comes before the first event after the outage. */
static void watch(tail *t)
{
    bool up = evh_connected(t->inst);
    if (!up && !t->down) {
        t->down = true;
        t->down_wall_ns = clock_ns(CLOCK_REALTIME);
        evh_log(t->inst, EVH_LOG_INFO,
                "feed interrupted: not connected to "
                "NATS; the host is reconnecting");
    } else if (up && t->down) {
        t->down = false;
        report_outage(t);
    }
}

static void on_watch(void *state, int64_t now)
{
    (void)now;
    watch(state);
}

static void invalid_event(tail *t, const evh_msg *msg, const char *err)
{
    evh_counter_add(t->inst, "invalid", 1);
    int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (t->invalid_logged_ns &&
        now - t->invalid_logged_ns < INVALID_LOG_EVERY_NS) {
        t->invalid_unlogged++;
        return;
    }
    if (t->invalid_unlogged)
        evh_log(t->inst, EVH_LOG_WARN,
                "skipped an invalid event on %s: %s (and %lld more since "
                "the last such line)",
                evh_msg_subject(msg), err, (long long)t->invalid_unlogged);
    else
        evh_log(t->inst, EVH_LOG_WARN, "skipped an invalid event on %s: %s",
                evh_msg_subject(msg), err);
    t->invalid_unlogged = 0;
    t->invalid_logged_ns = now;
}

static int tail_on_msg(void *state, evh_msg *msg)
{
    tail *t = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];

    watch(t);
    if (evl_event_parse(data, len, 0, &ev, err, sizeof err) != 0) {
        invalid_event(t, msg, err);
        return EVH_OK; /* a viewer acks all: poison never gets better */
    }
    if (!tail_filter_match(&t->filter, ev.obj) ||
        (t->has_q && !evl_query_event_match(&t->q, &ev, t->filter.key_field))) {
        evh_counter_add(t->inst, "filtered", 1);
        evl_event_free(&ev);
        return EVH_OK;
    }
    if (t->json) {
        /* The whole event, extra keys included; compact JSON is one line. */
        evl_buf_adds(&t->line, json_object_to_json_string_ext(
                                   ev.obj, JSON_C_TO_STRING_PLAIN |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        evl_buf_addc(&t->line, '\n');
    } else
        evl_table_row(&t->line, ' ', ev.criticality, ev.timestamp, ev.message);
    evl_event_free(&ev);
    emit(t);
    evh_counter_add(t->inst, "shown", 1);
    return EVH_OK;
}

/* `min_criticality_env`: the classic client's MIN_CRITICALITY, as the
 * condition "criticality > N". */
static int env_condition(tail *t)
{
    const char *name = NULL;
    if (evh_config_string(t->inst, "min_criticality_env", NULL, &name))
        return EVH_ECONFIG;
    if (!name)
        return EVH_OK;
    const char *v = getenv(name);
    char *end, expr[64], err[256];
    if (!v || !*v)
        return evh_config_error(t->inst, "min_criticality_env",
                                "environment variable %s is not set (the "
                                "tail shows events with criticality above "
                                "it, e.g. %s=5)",
                                name, name);
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return evh_config_error(t->inst, "min_criticality_env",
                                "environment variable %s is not an integer: "
                                "\"%.40s\"",
                                name, v);
    snprintf(expr, sizeof expr, "criticality > %lld", x);
    if (tail_filter_add_where(&t->filter, expr, err, sizeof err) != 0)
        return evh_config_error(t->inst, "min_criticality_env", "%s", err);
    return EVH_OK;
}

/* since, until, max_criticality, criticality_in, contains, key: the
 * reader's conditions, checked by its parser, applied to each event.  A
 * live tail has no implied range: contains alone does not stop at the 24 h
 * the reader bounds it to. */
static int read_conditions(tail *t)
{
    evl_buf m = {0};
    int rc = evl_querycfg_read(t->inst, &m);
    if (rc == EVH_OK && m.len) {
        evl_buf req = {0};
        if (evl_buf_adds(&req, "{\"last_events_count\":1") ||
            evl_buf_adds(&req, m.data) || evl_buf_addc(&req, '}'))
            rc = EVH_ENOMEM;
        else
            rc = evl_querycfg_check(t->inst, req.data, 1, &t->q);
        evl_buf_free(&req);
        t->has_q = rc == EVH_OK;
        if (t->has_q && !evh_config_has(t->inst, "since"))
            t->q.has_since = false;
        if (t->has_q && !evh_config_has(t->inst, "until"))
            t->q.has_until = false;
    }
    evl_buf_free(&m);
    return rc;
}

static int read_filter(tail *t)
{
    evh_instance *inst = t->inst;
    int rc = EVH_OK;
    char err[256];
    int n = evh_config_count(inst, "where");
    if (n < 0)
        rc = EVH_ECONFIG;
    for (int i = 0; i < n; i++) {
        const char *expr;
        if (evh_config_elem_string(inst, "where", i, &expr) != EVH_OK)
            rc = EVH_ECONFIG;
        else if (tail_filter_add_where(&t->filter, expr, err, sizeof err))
            rc = evh_config_error(inst, "where", "element %d (\"%.80s\"): %s",
                                  i, expr, err);
    }
    n = evh_config_count(inst, "keys");
    if (n < 0)
        rc = EVH_ECONFIG;
    else if (n == 0 && evh_config_has(inst, "keys"))
        rc = evh_config_error(inst, "keys",
                              "an empty list would match no "
                              "event; leave it out to show "
                              "every key");
    for (int i = 0; i < n; i++) {
        const char *key;
        if (evh_config_elem_string(inst, "keys", i, &key) != EVH_OK)
            rc = EVH_ECONFIG;
        else if (tail_filter_add_key(&t->filter, key) != 0)
            return EVH_ENOMEM;
    }
    if (evh_config_string(inst, "key_field", "key", &t->filter.key_field))
        rc = EVH_ECONFIG;
    else if (!t->filter.key_field[0])
        rc = evh_config_error(inst, "key_field", "must not be empty");
    if (env_condition(t) != EVH_OK)
        rc = EVH_ECONFIG;
    int qrc = read_conditions(t);
    return qrc == EVH_ENOMEM ? qrc : qrc != EVH_OK ? EVH_ECONFIG : rc;
}

static int tail_configure(evh_instance *inst, void **state)
{
    tail *t = calloc(1, sizeof *t);
    const char *format = NULL;
    if (!t)
        return EVH_ENOMEM;
    *state = t;
    t->inst = inst;
    t->seen = evh_instance_wiring(inst) & EVH_WIRE_JETSTREAM ? SEEN_JETSTREAM
                                                             : SEEN_CORE;
    int rc = read_filter(t);
    evh_config_string(inst, "format", "table", &format);
    evh_config_string(inst, "output", NULL, &t->output);
    if (strcmp(format, "table") && strcmp(format, "json"))
        evh_config_error(inst, "format",
                         "expected \"table\" or \"json\", got \"%s\"", format);
    t->json = strcmp(format, "json") == 0;
    int st = evh_config_status(inst);
    return rc != EVH_OK ? rc : st;
}

static int tail_start(void *state)
{
    tail *t = state;
    /* Opened here, not in configure: evhost -t must not create it. */
    if (t->output && !(t->out = fopen(t->output, "a"))) {
        evh_log(t->inst, EVH_LOG_ERROR, "cannot open %s: %s", t->output,
                strerror(errno));
        return EVH_EIO;
    }
    if (!t->json) {
        char stamp[40], text[128];
        evl_table_clock(clock_ns(CLOCK_REALTIME), true, stamp, sizeof stamp);
        bool all = t->filter.nconds == 0 && t->filter.nkeys == 0;
        snprintf(text, sizeof text, "== %s  following %s", stamp,
                 all ? "all events" : "events where ");
        evl_buf_adds(&t->line, text);
        if (!all)
            tail_filter_describe(&t->filter, &t->line);
        evl_buf_adds(&t->line, " ==\n" EVL_TABLE_HEADING);
        emit(t);
    }
    return evh_timer_add(t->inst, WATCH_MS, on_watch, NULL);
}

static void tail_destroy(void *state)
{
    tail *t = state;
    if (!t)
        return;
    tail_filter_free(&t->filter);
    evl_buf_free(&t->line);
    if (t->out)
        fclose(t->out);
    free(t);
}

EVH_PLUGIN_DEFINE(.name = "tail", .version = PACKAGE_VERSION,
                  .description = "follow a subject live and print the events "
                                 "that match a filter",
                  .configure = tail_configure, .start = tail_start,
                  .on_msg = tail_on_msg, .destroy = tail_destroy);
