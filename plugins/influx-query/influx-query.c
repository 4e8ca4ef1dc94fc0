/*
 * influx-query: answers `{"last_events_count":N,"min_criticality":X}`
 * requests with the last N stored events whose criticality is strictly
 * greater than X, newest first, over all stored time.  A bad request or a
 * database failure gets an `error` reply, never silence.
 */
#include <evhost/plugin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfgread.h"
#include "influx.h"
#include "request.h"

typedef struct reader {
    evh_instance *inst;
    evl_influx *db;
    evl_influx_conf dbconf;
    char *password, *token;
    const char *measurement;
    const char *band_tag; /* the writer's criticality band tag, or NULL */
    int64_t max_count;
} reader;

static int reader_configure(evh_instance *inst, void **state)
{
    reader *r = calloc(1, sizeof *r);
    const char *api = NULL, *pwfile = NULL;
    if (!r)
        return EVH_ENOMEM;
    *state = r;
    r->inst = inst;
    evl_influx_conf *c = &r->dbconf;
    int rc = EVH_OK;
    EVL_READ(rc,
             evh_config_string(inst, "url", "http://127.0.0.1:8086", &c->url));
    EVL_READ(rc, evh_config_string(inst, "api", "v1", &api));
    EVL_READ(rc, evh_config_string(inst, "database", "events", &c->database));
    EVL_READ(rc, evh_config_string(inst, "retention_policy", NULL,
                                   &c->retention_policy));
    EVL_READ(rc, evh_config_string(inst, "bucket", NULL, &c->bucket));
    EVL_READ(rc, evh_config_string(inst, "org", NULL, &c->org));
    EVL_READ(rc, evh_config_string(inst, "user", NULL, &c->user));
    EVL_READ(rc, evh_config_string(inst, "password_file", NULL, &pwfile));
    EVL_READ(rc, evh_config_secret_file(inst, "password_file", &r->password));
    EVL_READ(rc, evh_config_secret_file(inst, "token_file", &r->token));
    EVL_READ(rc,
             evh_config_string(inst, "measurement", "event", &r->measurement));
    EVL_READ(rc, evh_config_string(inst, "criticality_band", "crit_band",
                                   &r->band_tag));
    EVL_READ(
        rc, evh_config_int(inst, "max_count", 1000, 1, 1000000, &r->max_count));
    EVL_READ(rc, evh_config_int(inst, "timeout_ms", 5000, 100, 600000,
                                &c->timeout_ms));
    EVL_READ(rc, evh_config_int(inst, "connect_timeout_ms", 1000, 100, 600000,
                       &c->connect_timeout_ms));
    if (rc != EVH_OK)
        return rc;
    if (api && evl_influx_api_parse(api, &c->api) != 0)
        return evh_config_error(inst, "api", "expected \"v1\", \"v2\" or "
                                             "\"v3\", got \"%s\"", api);
    if (pwfile && !c->user)
        return evh_config_error(inst, "user", "required with password_file");
    if (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8))
        return evh_config_error(inst, "url", "expected an http:// or https:// "
                                             "URL, got \"%s\"", c->url);
    if (!r->band_tag[0])
        r->band_tag = NULL; /* data written without bands: read every point */
    c->password = r->password;
    c->token = r->token;
    r->db = evl_influx_new(c);
    return r->db ? EVH_OK : EVH_ENOMEM;
}

static void reply(reader *r, evh_msg *msg, char *text)
{
    if (!text)
        return;
    if (evh_respond(r->inst, msg, text, strlen(text)) != EVH_OK)
        evh_log(r->inst, EVH_LOG_WARN, "could not send a reply");
    free(text);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int unavailable(reader *r, evh_msg *msg, const char *why)
{
    evh_counter_add(r->inst, "db_errors", 1);
    evh_log(r->inst, EVH_LOG_WARN, "query failed: %s", why);
    reply(r, msg, query_error_reply("unavailable", why));
    return EVH_OK;
}

/* The stored bands that can hold a criticality above x (request.h): asked
 * for each request, from InfluxDB's tag index, so that a band first written
 * a moment ago is read too. */
static int stored_bands_above(reader *r, int64_t x,
                              char bands[][EVL_CRIT_BAND_LEN], char *err,
                              size_t errlen)
{
    char *list = query_build_band_listing(r->measurement, r->band_tag);
    char *body = NULL;
    if (!list || evl_influx_query(r->db, list, NULL, &body, err, errlen) != 0) {
        if (!list)
            snprintf(err, errlen, "out of memory");
        free(list);
        return -1;
    }
    free(list);
    int n = query_bands_from_influx(body, x, bands, err, errlen);
    free(body);
    return n;
}

/* One InfluxQL statement's answer, within what is left of timeout_ms. */
static int ask(reader *r, char *q, int64_t t0, char **body, char *err,
               size_t errlen)
{
    int64_t left = r->dbconf.timeout_ms - (mono_ms() - t0);
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
    evl_influx_set_timeout_ms(r->db, left);
    int rc = evl_influx_query(r->db, q, NULL, body, err, errlen);
    free(q);
    return rc;
}

/* The SELECT, and the boundary millisecond read whole when the answer
 * reaches into one that may hold newer events (request.h). */
static int select_events(reader *r, const query_request *req,
                         char bands[][EVL_CRIT_BAND_LEN], size_t nbands,
                         int64_t t0, char **out, char *err, size_t errlen)
{
    char *body, *edge = NULL;
    int64_t from, to, k;
    if (ask(r, query_build_influxql(r->measurement, r->band_tag, bands,
                                    nbands, req),
            t0, &body, err, errlen) != 0)
        return -1;
    if (query_boundary(body, req->count, &from, &to, &k) == 1) {
        /* The k newest of that millisecond by their sub-millisecond part;
         * the whole millisecond when fewer than k points there have one. */
        int rc = ask(r, query_build_range(r->measurement, r->band_tag, bands,
                                          nbands, req, from, to, k),
                     t0, &edge, err, errlen);
        if (rc == 0 && query_points(edge) < k) {
            free(edge);
            edge = NULL;
            rc = ask(r, query_build_range(r->measurement, r->band_tag, bands,
                                          nbands, req, from, to, 0),
                     t0, &edge, err, errlen);
        }
        if (rc != 0) {
            free(body);
            return -1;
        }
    }
    *out = query_reply_from_influx(body, edge, req->count, err, errlen);
    free(body);
    free(edge);
    return *out ? 0 : -1;
}

static int reader_on_msg(void *state, evh_msg *msg)
{
    reader *r = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    query_request req;
    char err[512];

    if (!evh_msg_reply(msg)) {
        evh_log(r->inst, EVH_LOG_DEBUG, "ignoring a message without reply "
                                        "subject on %s",
                evh_msg_subject(msg));
        return EVH_OK;
    }
    evh_counter_add(r->inst, "queries", 1);
    if (query_request_parse(data, len, r->max_count, &req, err, sizeof err)) {
        evh_counter_add(r->inst, "bad_requests", 1);
        reply(r, msg, query_error_reply("bad_request", err));
        return EVH_OK;
    }
    char bands[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    int nbands = 0;
    int64_t t0 = mono_ms();
    evl_influx_set_timeout_ms(r->db, r->dbconf.timeout_ms);
    if (r->band_tag) {
        nbands = stored_bands_above(r, req.min_criticality, bands, err,
                                    sizeof err);
        if (nbands < 0)
            return unavailable(r, msg, err);
        if (nbands == 0) {
            reply(r, msg, strdup("{\"events\":[]}")); /* no band can match */
            return EVH_OK;
        }
    }
    /* timeout_ms bounds the whole answer: each statement after the band
     * listing gets what is left of it (ask). */
    char *out = NULL;
    if (select_events(r, &req, bands, (size_t)nbands, t0, &out, err,
                      sizeof err) != 0)
        return unavailable(r, msg, err);
    reply(r, msg, out);
    return EVH_OK;
}

static void reader_destroy(void *state)
{
    reader *r = state;
    if (!r)
        return;
    evl_influx_free(r->db);
    if (r->password) {
        memset(r->password, 0, strlen(r->password));
        free(r->password);
    }
    if (r->token) {
        memset(r->token, 0, strlen(r->token));
        free(r->token);
    }
    free(r);
}

static int reader_start(void *state)
{
    reader *r = state;
    char err[300];
    if (evl_influx_auth_refused(r->db, err, sizeof err)) {
        evh_log(r->inst, EVH_LOG_ERROR,
                "InfluxDB refuses our credentials (%s): check user, "
                "password_file or token_file",
                err);
        return EVH_ECONFIG;
    }
    return EVH_OK;
}

static int reader_module_init(void)
{
    return evl_influx_global_init() == 0 ? EVH_OK : EVH_ENOMEM;
}

EVH_PLUGIN_DEFINE(.name = "influx-query", .version = PACKAGE_VERSION,
                  .description = "answer last-N-events queries from InfluxDB",
                  .module_init = reader_module_init,
                  .module_fini = evl_influx_global_cleanup,
                  .configure = reader_configure, .start = reader_start,
                  .on_msg = reader_on_msg,
                  .destroy = reader_destroy);
