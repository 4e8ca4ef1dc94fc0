/*
 * generator (the classic "daemon"): publishes random security events on the
 * instance's `publish` subject at `rate` events per second.  The long-run
 * rate is exact (each tick sends what is due since start), timestamps are
 * RFC 3339 with nanoseconds and strictly increasing within one generator,
 * and a `seed` makes the sequence of criticalities and messages
 * reproducible.  Within one tick the clock is read for every 16th event
 * (the others take the last reading + 1 ns): a read costs 40-90 ns on a
 * VM's kvm-clock, a quarter of an event at full speed (perf), so an event
 * sent in a burst may be stamped a few microseconds early.
 */
#include <evhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "event.h"

#define FULL_SPEED_CHUNK 1000 /* events per call at rate 0 */
#define TICK_CHUNK 20000      /* most events one tick may send */
#define MAX_MESSAGE 4096      /* bytes; the event is built in 8 KiB */
#define CLOCK_EVERY 16        /* events per clock read within one tick */

typedef struct gen {
    evh_instance *inst;
    int64_t rate, count, cmin, cmax, sent, last_ns;
    int clock_left; /* events that may still reuse last_ns in this tick */
    uint64_t rng;
    const char **messages;
    size_t nmessages;
    /* Every message escaped and quoted once, at configure: escaping per
     * event was the generator thread's largest cost (callgrind: 31% of the
     * process's instructions).  quoted[i].s points into qbuf. */
    char *qbuf;
    struct quoted {
        const char *s;
        size_t len;
    } * quoted;
    int64_t start_ns;
    char ts[40];    /* the last timestamp, formatted and quoted */
    int64_t ts_sec; /* its second (ts valid when ts[0]) */
    evh_timer *tick;
    bool done;
} gen;

/* splitmix64: tiny, fast, and good enough for test traffic. */
static uint64_t next_rand(gen *g)
{
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* "00".."99": the nanoseconds two digits at a time.  They are rewritten
 * for every event, and nine dependent divisions by 10 were most of emit()'s
 * own time (perf annotate). */
static const char digit_pairs[200] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* The 9 digits of v (< 10^9), zero-padded, at p. */
static void put_nanos(char *p, uint32_t v)
{
    uint32_t hi = v / 100000, lo = v % 100000; /* 4 and 5 digits */
    memcpy(p, digit_pairs + 2 * (hi / 100), 2);
    memcpy(p + 2, digit_pairs + 2 * (hi % 100), 2);
    p[4] = (char)('0' + lo / 10000);
    lo %= 10000;
    memcpy(p + 5, digit_pairs + 2 * (lo / 100), 2);
    memcpy(p + 7, digit_pairs + 2 * (lo % 100), 2);
}

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *msg_at(const gen *g, size_t i)
{
    return g->messages ? g->messages[i] : gen_catalog[i];
}

/* Fill g->quoted; the messages are valid (at most MAX_MESSAGE bytes). */
static int quote_messages(gen *g)
{
    /* Sized exactly (a first pass into scratch), not at the worst case of
     * 6 bytes per byte: a long configured list stays small. */
    enum { SCRATCH = 6 * MAX_MESSAGE + 3 }; /* every byte as \u00XX */
    char *scratch = malloc(SCRATCH);
    g->quoted = calloc(g->nmessages, sizeof *g->quoted);
    if (!scratch || !g->quoted) {
        free(scratch);
        return EVH_ENOMEM;
    }
    size_t total = 0;
    for (size_t i = 0; i < g->nmessages; i++) {
        int n = evl_json_quote(scratch, SCRATCH, msg_at(g, i));
        g->quoted[i].len = n < 0 ? 0 : (size_t)n; /* n < 0 cannot happen */
        total += g->quoted[i].len + 1;
    }
    free(scratch);
    char *q = g->qbuf = malloc(total);
    if (!q)
        return EVH_ENOMEM;
    for (size_t i = 0; i < g->nmessages; i++) {
        evl_json_quote(q, g->quoted[i].len + 1, msg_at(g, i));
        g->quoted[i].s = q;
        q += g->quoted[i].len + 1;
    }
    return EVH_OK;
}

static int gen_configure(evh_instance *inst, void **state)
{
    gen *g = calloc(1, sizeof *g);
    int64_t seed = 0;
    if (!g)
        return EVH_ENOMEM;
    *state = g;
    g->inst = inst;
    int rc = EVH_OK;
    /* Every key read, every problem reported (evh_config_status below). */
    evh_config_int(inst, "rate", 5, 0, 100000000, &g->rate);
    evh_config_int(inst, "count", 0, 0, INT64_MAX, &g->count);
    evh_config_int(inst, "seed", 0, INT64_MIN, INT64_MAX, &seed);
    int n = evh_config_count(inst, "criticality");
    g->cmin = 0;
    g->cmax = 10;
    if (n < 0)
        rc = EVH_ECONFIG;
    else if (n > 0 && n != 2)
        rc = evh_config_error(inst, "criticality",
                              "expected [min, max], got %d elements", n);
    else if (n == 2 && (evh_config_elem_int(inst, "criticality", 0, &g->cmin) ||
                        evh_config_elem_int(inst, "criticality", 1, &g->cmax)))
        rc = EVH_ECONFIG;
    else if (g->cmin > g->cmax)
        rc = evh_config_error(inst, "criticality",
                              "min (%lld) is greater than max (%lld)",
                              (long long)g->cmin, (long long)g->cmax);
    int nm = evh_config_count(inst, "messages");
    if (nm < 0) {
        rc = EVH_ECONFIG;
    } else if (nm > 0) {
        g->messages = calloc((size_t)nm, sizeof *g->messages);
        if (!g->messages)
            return EVH_ENOMEM;
        for (int i = 0; i < nm; i++) {
            if (evh_config_elem_string(inst, "messages", i, &g->messages[i]))
                rc = EVH_ECONFIG;
            else if (strlen(g->messages[i]) > MAX_MESSAGE)
                rc = evh_config_error(inst, "messages",
                                      "element %d is %zu bytes; at most %d", i,
                                      strlen(g->messages[i]), MAX_MESSAGE);
        }
        g->nmessages = (size_t)nm;
    } else if (evh_config_has(inst, "messages")) {
        rc = evh_config_error(inst, "messages",
                              "empty list: give at least one message, or "
                              "leave the key out for the built-in catalog");
    } else {
        g->messages = NULL;
        g->nmessages = gen_catalog_len;
    }
    int st = evh_config_status(inst);
    if (rc == EVH_OK && st == EVH_OK)
        rc = quote_messages(g);
    if (!evh_config_has(inst, "seed"))
        seed = real_ns() ^ ((int64_t)getpid() << 32);
    g->rng = (uint64_t)seed;
    return rc != EVH_OK ? rc : st;
}

/* Publish one event.  Returns the status of the publish. */
static int emit(gen *g)
{
    char buf[8192];
    uint64_t span = (uint64_t)g->cmax - (uint64_t)g->cmin + 1;
    uint64_t r = next_rand(g);
    int64_t crit = (int64_t)((uint64_t)g->cmin + (span ? r % span : r));
    size_t mi = (size_t)(next_rand(g) % g->nmessages);

    int64_t now = g->last_ns + 1;
    if (g->clock_left > 0) {
        g->clock_left--;
    } else {
        g->clock_left = CLOCK_EVERY - 1;
        int64_t t = real_ns();
        if (t > now)
            now = t; /* else never repeat a timestamp */
    }
    /* Within the same second only the nanoseconds change: rewrite those
     * 9 digits ("...:SS.nnnnnnnnnZ") instead of formatting the date again,
     * at a million events a second.  ts is quoted: "\"...\"". */
    if (g->ts[0] && now / 1000000000 == g->ts_sec) {
        put_nanos(g->ts + 21, (uint32_t)(now % 1000000000));
    } else {
        evl_time_format(now, g->ts + 1, sizeof g->ts - 2);
        g->ts[0] = '"';
        memcpy(g->ts + 31, "\"", 2);
        g->ts_sec = now / 1000000000;
    }
    int n = evl_event_format_quoted(buf, sizeof buf, crit, g->ts, 32,
                                    g->quoted[mi].s, g->quoted[mi].len);
    if (n < 0) {
        evh_log(g->inst, EVH_LOG_ERROR,
                "event does not fit in %zu bytes: "
                "shorten `messages`",
                sizeof buf);
        return EVH_ETOOBIG;
    }
    int rc = evh_publish(g->inst, NULL, buf, (size_t)n);
    if (rc == EVH_OK) {
        g->last_ns = now;
        g->sent++;
    }
    return rc;
}

static void finish_if_done(gen *g)
{
    if (!g->done && g->count > 0 && g->sent >= g->count) {
        g->done = true;
        evh_log(g->inst, EVH_LOG_INFO, "published %lld events; done",
                (long long)g->sent);
        /* At full speed the tick has period 0 (every worker round): left
         * running it would spin a core until the host stops, starving the
         * thread that takes JetStream's confirmations. */
        evh_timer_cancel(g->inst, g->tick);
        evh_done(g->inst);
    }
}

static void send_upto(gen *g, int64_t target)
{
    if (g->count > 0 && target > g->count)
        target = g->count;
    g->clock_left = 0; /* a tick's first event reads the clock */
    while (g->sent < target && !evh_stopping(g->inst)) {
        int rc = emit(g);
        if (rc != EVH_OK) {
            evh_log(g->inst, EVH_LOG_WARN, "publish failed: %s; will retry",
                    evh_strerror(rc));
            break;
        }
    }
    finish_if_done(g);
}

static void on_tick(void *state, int64_t now)
{
    gen *g = state;
    if (g->done)
        return;
    if (g->rate == 0) {
        send_upto(g, g->sent + FULL_SPEED_CHUNK);
        return;
    }
    /* Everything due since start: exact long-run rate, no drift. */
    int64_t due =
        (int64_t)((double)(now - g->start_ns) / 1e9 * (double)g->rate);
    if (due - g->sent > TICK_CHUNK)
        due = g->sent + TICK_CHUNK;
    send_upto(g, due);
}

static int gen_start(void *state)
{
    gen *g = state;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    g->start_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    int64_t period = 0;
    if (g->rate > 0) {
        period = 1000 / g->rate; /* exact ticks for low rates */
        if (period < 10)
            period = 10;
        if (period > 1000)
            period = 1000;
    }
    if (g->rate)
        evh_log(g->inst, EVH_LOG_INFO, "publishing %lld events per second",
                (long long)g->rate);
    else
        evh_log(g->inst, EVH_LOG_INFO, "publishing as fast as possible");
    return evh_timer_add(g->inst, period, on_tick, &g->tick);
}

static void gen_destroy(void *state)
{
    gen *g = state;
    if (!g)
        return;
    free(g->messages);
    free(g->qbuf);
    free(g->quoted);
    free(g);
}

EVH_PLUGIN_DEFINE(.name = "generator", .version = PACKAGE_VERSION,
                  .description = "publish random security events at a rate",
                  .needs = EVH_WIRE_PUBLISH, .configure = gen_configure,
                  .start = gen_start, .destroy = gen_destroy);
