/*
 * query-client (the classic "client"): every interval_ms, asks for the last
 * `count` events with criticality above $MIN_CRITICALITY and prints them as
 * a table (new rows marked), or as JSON lines.  The request's other
 * conditions (since, until, max_criticality, criticality_in, contains,
 * key: querycfg.h) come from the config; without them the request is the
 * classic one, byte for byte.  An unchanged answer is not reprinted.  No
 * reader, a timeout or an error reply is one clear line per attempt; the client
 * keeps going.
 */
#include <errno.h>
#include <evhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "querycfg.h"
#include "render.h"
#include "table.h"

typedef struct client {
    evh_instance *inst;
    int64_t interval_ms, count, timeout_ms, min_criticality;
    bool once, json, have_prev, asked;
    const char *env_name, *output;
    FILE *out;
    int64_t next_ns;
    client_answer prev;
    evl_buf members; /* the configured conditions as JSON members, or "" */
} client;

/* The request: the classic two members, then the configured conditions. */
static char *request_text(const client *c)
{
    char head[96];
    evl_buf b = {0};
    snprintf(head, sizeof head,
             "{\"last_events_count\":%lld,\"min_criticality\":%lld",
             (long long)c->count, (long long)c->min_criticality);
    if (evl_buf_adds(&b, head) ||
        evl_buf_adds(&b, c->members.data ? c->members.data : "") ||
        evl_buf_addc(&b, '}')) {
        evl_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* MIN_CRITICALITY (or the variable min_criticality_env names). */
static int env_min(client *c)
{
    const char *v = getenv(c->env_name);
    if (!v || !*v)
        return evh_config_error(c->inst, "min_criticality_env",
                                "environment variable %s is not set (the "
                                "client shows events with criticality above "
                                "it, e.g. %s=5)",
                                c->env_name, c->env_name);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return evh_config_error(c->inst, "min_criticality_env",
                                "environment variable %s is not an integer: "
                                "\"%.40s\"",
                                c->env_name, v);
    c->min_criticality = x;
    return EVH_OK;
}

static int client_configure(evh_instance *inst, void **state)
{
    client *c = calloc(1, sizeof *c);
    const char *format = NULL, *format_env = NULL;
    if (!c)
        return EVH_ENOMEM;
    *state = c;
    c->inst = inst;
    evh_config_int(inst, "interval_ms", 10000, 10, 86400000, &c->interval_ms);
    evh_config_int(inst, "count", 10, 1, 1000000, &c->count);
    evh_config_int(inst, "timeout_ms", 5000, 10, 600000, &c->timeout_ms);
    evh_config_string(inst, "min_criticality_env", "MIN_CRITICALITY",
                      &c->env_name);
    evh_config_bool(inst, "once", false, &c->once);
    evh_config_string(inst, "format", "table", &format);
    evh_config_string(inst, "format_env", "QUERY_FORMAT", &format_env);
    evh_config_string(inst, "output", NULL, &c->output);
    if (evl_querycfg_read(inst, &c->members) == EVH_ENOMEM)
        return EVH_ENOMEM;
    if (strcmp(format, "table") && strcmp(format, "json"))
        evh_config_error(inst, "format",
                         "expected \"table\" or \"json\", got \"%s\"", format);
    /* The environment wins, as for MIN_CRITICALITY: evhost-client --json. */
    const char *fenv = format_env[0] ? getenv(format_env) : NULL;
    if (fenv && *fenv && strcmp(fenv, "table") && strcmp(fenv, "json"))
        evh_config_error(inst, "format_env",
                         "environment variable %s must be \"table\" or "
                         "\"json\", got \"%.40s\"",
                         format_env, fenv);
    else if (fenv && *fenv)
        format = fenv;
    c->json = strcmp(format, "json") == 0;
    env_min(c);
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    /* The reader's own parser: a config accepts what the reader does. */
    char *req = request_text(c);
    struct evl_query q;
    if (!req)
        return EVH_ENOMEM;
    rc = evl_querycfg_check(inst, req, c->count, &q);
    free(req);
    return rc;
}

static void emit(client *c, const char *text)
{
    FILE *f = c->out ? c->out : stdout;
    fputs(text, f);
    fflush(f);
}

static void ask(client *c)
{
    char when[32], line[1024];
    char *reply = NULL, *req = request_text(c);
    size_t len = 0;
    int rc = req ? evh_request(c->inst, NULL, req, strlen(req), c->timeout_ms,
                               &reply, &len)
                 : EVH_ENOMEM;
    free(req);
    evl_table_clock((int64_t)time(NULL) * 1000000000, true, when, sizeof when);
    if (rc == EVH_ENORESPONDERS || rc == EVH_ETIMEOUT) {
        snprintf(line, sizeof line,
                 "%s  no answer from a reader (%s): is the reader service "
                 "running?\n",
                 when, evh_strerror(rc));
        emit(c, line);
        return;
    }
    if (rc != EVH_OK) {
        snprintf(line, sizeof line, "%s  request failed: %s\n", when,
                 evh_strerror(rc));
        emit(c, line);
        return;
    }
    client_answer a;
    char err[256];
    if (client_answer_parse(reply, len, &a, err, sizeof err) != 0) {
        snprintf(line, sizeof line, "%s  unreadable reply: %s\n", when, err);
        emit(c, line);
        free(reply);
        return;
    }
    free(reply);
    if (a.is_error) {
        snprintf(line, sizeof line,
                 "%s  the reader answered an error (%s): "
                 "%s\n",
                 when, a.error_code ? a.error_code : "?",
                 a.error_message ? a.error_message : "");
        emit(c, line);
        client_answer_free(&a);
        return;
    }
    if (c->have_prev && client_answer_equal(&a, &c->prev)) {
        if (!c->json) {
            snprintf(line, sizeof line, "%s  no new events\n", when);
            emit(c, line);
        }
        client_answer_free(&a);
        return;
    }
    evl_buf out = {0};
    if (c->json)
        client_render_json(&out, &a);
    else
        client_render_table(&out, &a, c->have_prev ? &c->prev : NULL, c->count,
                            c->min_criticality, when);
    if (out.data)
        emit(c, out.data);
    evl_buf_free(&out);
    if (c->have_prev)
        client_answer_free(&c->prev);
    c->prev = a;
    c->have_prev = true;
}

static void on_tick(void *state, int64_t now)
{
    client *c = state;
    if (now < c->next_ns || (c->once && c->asked))
        return;
    c->asked = true;
    c->next_ns = now + c->interval_ms * 1000000;
    ask(c);
    if (c->once)
        evh_done(c->inst);
}

static int client_start(void *state)
{
    client *c = state;
    /* Opened here, not in configure: evhost -t must not create it. */
    if (c->output && !(c->out = fopen(c->output, "a"))) {
        evh_log(c->inst, EVH_LOG_ERROR, "cannot open %s: %s", c->output,
                strerror(errno));
        return EVH_EIO;
    }
    /* A short tick so the first request goes out at once. */
    return evh_timer_add(c->inst, c->once ? 10 : 50, on_tick, NULL);
}

static void client_destroy(void *state)
{
    client *c = state;
    if (!c)
        return;
    if (c->have_prev)
        client_answer_free(&c->prev);
    if (c->out)
        fclose(c->out);
    evl_buf_free(&c->members);
    free(c);
}

EVH_PLUGIN_DEFINE(.name = "query-client", .version = PACKAGE_VERSION,
                  .description = "print the last events above a criticality",
                  .configure = client_configure, .start = client_start,
                  .destroy = client_destroy);
