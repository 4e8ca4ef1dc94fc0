/*
 * A real test plugin for the host's own tests.  Config:
 *   out        file that receives one line per message: "<subject> <payload>"
 *   publish_n  publish this many messages "<prefix><i>" at start (period-0
 *              timer, 500 per call), then evh_done() if done_after_publish
 *   prefix     payload prefix (default "m")
 *   tick_ms    a timer that appends "tick <monotonic ms>" to `ticks`
 *   ticks      file for the ticks
 *   echo       answer requests with "echo:<payload>"
 *   hold       hold messages and ack them in batches of `hold` (JetStream)
 *   fail_every nak every Nth message on its first delivery
 *   slow_us    sleep this long in each on_msg (slow consumer tests)
 *   request    at start, request `request` on `publish` and write the reply
 *              (or the error) to `out`, then evh_done()
 *   secret_file read a secret with evh_config_secret_file (and forget it)
 *   fail_all   every message fails (EVH_EIO, the host naks it); each attempt
 *              appends "fail <payload> <delivery>" to `out`
 *   out_header append the value of this header to each `out` line
 */
#include <evhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct tp {
    evh_instance *inst;
    FILE *out, *ticks;
    int64_t publish_n, published, tick_ms, hold, fail_every, slow_us, seen;
    bool echo, done_after_publish, requested, fail_all;
    const char *prefix, *request, *out_header;
    evh_msg **held;
    int64_t nheld;
} tp;

static void on_publish(void *state, int64_t now_ns)
{
    tp *p = state;
    (void)now_ns;
    char buf[128];
    for (int i = 0; i < 500 && p->published < p->publish_n; i++) {
        int n = snprintf(buf, sizeof buf, "%s%lld", p->prefix,
                         (long long)p->published);
        if (evh_publish(p->inst, NULL, buf, (size_t)n) != EVH_OK)
            return; /* try again on the next call */
        p->published++;
    }
    if (p->published == p->publish_n && p->done_after_publish)
        evh_done(p->inst);
}

static void on_tick(void *state, int64_t now)
{
    tp *p = state;
    fprintf(p->ticks, "tick %lld\n", (long long)(now / 1000000));
    fflush(p->ticks);
}

static void do_request(void *state, int64_t now_ns)
{
    tp *p = state;
    (void)now_ns;
    char *reply = NULL;
    size_t len = 0;
    if (p->requested)
        return;
    p->requested = true;
    int rc = evh_request(p->inst, NULL, p->request, strlen(p->request), 2000,
                         &reply, &len);
    if (rc == EVH_OK)
        fprintf(p->out, "reply %.*s\n", (int)len, reply);
    else
        fprintf(p->out, "error %s\n", evh_strerror(rc));
    fflush(p->out);
    free(reply);
    evh_done(p->inst);
}

static int tp_configure(evh_instance *inst, void **state)
{
    tp *p = calloc(1, sizeof *p);
    const char *out = NULL, *ticks = NULL;
    if (!p)
        return EVH_ENOMEM;
    *state = p;
    p->inst = inst;
    int rc = EVH_OK;
    if (evh_config_string(inst, "out", NULL, &out) ||
        evh_config_string(inst, "ticks", NULL, &ticks) ||
        evh_config_string(inst, "prefix", "m", &p->prefix) ||
        evh_config_string(inst, "request", NULL, &p->request) ||
        evh_config_int(inst, "publish_n", 0, 0, INT64_MAX, &p->publish_n) ||
        evh_config_bool(inst, "done_after_publish", true,
                        &p->done_after_publish) ||
        evh_config_int(inst, "tick_ms", 0, 0, 3600000, &p->tick_ms) ||
        evh_config_int(inst, "hold", 0, 0, 1000000, &p->hold) ||
        evh_config_int(inst, "fail_every", 0, 0, INT64_MAX, &p->fail_every) ||
        evh_config_int(inst, "slow_us", 0, 0, 10000000, &p->slow_us) ||
        evh_config_bool(inst, "echo", false, &p->echo) ||
        evh_config_bool(inst, "fail_all", false, &p->fail_all) ||
        evh_config_string(inst, "out_header", NULL, &p->out_header))
        return EVH_ECONFIG;
    char *secret = NULL;
    if (evh_config_secret_file(inst, "secret_file", &secret) != EVH_OK)
        return EVH_ECONFIG;
    free(secret);
    if (out && !(p->out = fopen(out, "a")))
        return evh_config_error(inst, "out", "cannot open %s", out);
    if (ticks && !(p->ticks = fopen(ticks, "a")))
        return evh_config_error(inst, "ticks", "cannot open %s", ticks);
    if (p->tick_ms && !p->ticks)
        return evh_config_error(inst, "tick_ms", "needs `ticks`");
    if (p->hold && !(p->held = calloc((size_t)p->hold, sizeof *p->held)))
        return EVH_ENOMEM;
    return rc;
}

static int tp_start(void *state)
{
    tp *p = state;
    if (p->publish_n)
        evh_timer_add(p->inst, 0, on_publish, NULL);
    if (p->tick_ms)
        evh_timer_add(p->inst, p->tick_ms, on_tick, NULL);
    if (p->request)
        evh_timer_add(p->inst, 10, do_request, NULL);
    return EVH_OK;
}

static void flush_held(tp *p)
{
    for (int64_t i = 0; i < p->nheld; i++)
        evh_msg_ack(p->held[i]);
    p->nheld = 0;
}

static int tp_on_msg(void *state, evh_msg *msg)
{
    tp *p = state;
    size_t len;
    const char *d = evh_msg_data(msg, &len);
    p->seen++;
    if (p->slow_us)
        usleep((useconds_t)p->slow_us);
    if (p->fail_every && p->seen % p->fail_every == 0 &&
        evh_msg_deliveries(msg) == 1)
        return EVH_EIO; /* the host naks it; JetStream redelivers */
    if (p->fail_all) {
        if (p->out) {
            fprintf(p->out, "fail %.*s %llu\n", (int)len, d,
                    (unsigned long long)evh_msg_deliveries(msg));
            fflush(p->out);
        }
        return EVH_EIO;
    }
    if (p->out) {
        const char *h = p->out_header ? evh_msg_header(msg, p->out_header)
                                      : NULL;
        fprintf(p->out, "%s %.*s%s%s\n", evh_msg_subject(msg), (int)len, d,
                h ? " " : "", h ? h : "");
        fflush(p->out);
    }
    evh_counter_add(p->inst, "seen", 1);
    if (p->echo && evh_msg_reply(msg)) {
        char buf[4096];
        int n = snprintf(buf, sizeof buf, "echo:%.*s", (int)len, d);
        evh_respond(p->inst, msg, buf, (size_t)n);
    }
    if (p->hold) {
        evh_msg_hold(msg);
        p->held[p->nheld++] = msg;
        if (p->nheld == p->hold)
            flush_held(p);
    }
    return EVH_OK;
}

static void tp_drain(void *state) { flush_held(state); }

static void tp_destroy(void *state)
{
    tp *p = state;
    if (!p)
        return;
    if (p->out)
        fclose(p->out);
    if (p->ticks)
        fclose(p->ticks);
    free(p->held);
    free(p);
}

EVH_PLUGIN_DEFINE(.name = "testplug", .version = "1.0.0",
                  .description = "host test plugin",
                  .configure = tp_configure, .start = tp_start,
                  .on_msg = tp_on_msg, .drain = tp_drain,
                  .destroy = tp_destroy);
