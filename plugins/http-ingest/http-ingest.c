/*
 * http-ingest: events over HTTP into NATS.  POST /events takes one JSON
 * event or an NDJSON batch, PUT|POST /events/<key> the same stamped with an
 * account key (or, without a body, one event from query parameters).  The
 * answer is 202 only once the broker confirmed every event of the request
 * (JetStream: stored); a bad request is refused whole with a JSON reason
 * and nothing published.  GET /healthz and GET /stats for operators.
 *
 * libmicrohttpd serves on its own threads (an epoll loop per thread of a
 * small pool): slow clients cost a socket, not a thread, and are cut off by
 * the connection timeout; the connection limit and the body limit bound
 * memory.  Those threads call only the thread-safe host services.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "accounts.h"
#include "batch.h"
#include "event.h"
#include "wipe.h"

enum { R_EVENTS, R_EVENTS_KEY, R_HEALTH, R_STATS, R_ACCOUNTS, R_ACCOUNT };

typedef struct ingest {
    evh_instance *inst;
    const char *listen;
    struct sockaddr_storage addr;
    int64_t max_body, max_event, max_batch, conn_limit, per_ip_limit, timeout_s,
        threads, publish_timeout_ms;
    char *token; /* bearer token, or NULL: no authentication */
    ingest_limits lim;
    ing_accounts *accounts; /* NULL: no account checks (accounts.h) */
    struct MHD_Daemon *d;
    _Atomic int64_t requests, accepted, duplicates, bad_request, too_large,
        unauthorized, unavailable, not_found, conflict, last_warn_ns;
} ingest;

/* Per connection: libmicrohttpd decodes %00 in the path and query into a
 * NUL and hands us the string cut there ("/events%00" as "/events",
 * "message=a%00b" as "a").  Our unescape callback sees the whole value
 * and marks the connection; the request is then refused. */
typedef struct conn_state {
    bool nul;
} conn_state;

typedef struct req {
    int route;
    char key[72];
    char *body;
    size_t len, cap;
    bool too_big;
} req;

/* ---- configuration ------------------------------------------------------ */

static int parse_listen(ingest *g)
{
    char host[256];
    const char *colon = strrchr(g->listen, ':');
    if (!colon || colon == g->listen || !colon[1] ||
        (size_t)(colon - g->listen) >= sizeof host)
        return evh_config_error(g->inst, "listen",
                                "expected \"address:port\" (e.g. "
                                "\"127.0.0.1:8080\" or \"[::1]:8080\"), got "
                                "\"%s\"",
                                g->listen);
    const char *h = g->listen;
    size_t hl = (size_t)(colon - g->listen);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0)
        return evh_config_error(g->inst, "listen", "cannot use \"%s\": %s",
                                g->listen, gai_strerror(rc));
    memcpy(&g->addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return EVH_OK;
}

static int ingest_configure(evh_instance *inst, void **state)
{
    ingest *g = calloc(1, sizeof *g);
    if (!g)
        return EVH_ENOMEM;
    *state = g;
    g->inst = inst;
    evh_config_string(inst, "listen", "127.0.0.1:8080", &g->listen);
    evh_config_int(inst, "max_body_bytes", 4 << 20, 1024, 1 << 30,
                   &g->max_body);
    evh_config_int(inst, "max_event_bytes", EVL_EVENT_MAX_BYTES, 64, 64 << 20,
                   &g->max_event);
    evh_config_int(inst, "max_batch", 10000, 1, 100000, &g->max_batch);
    evh_config_int(inst, "connection_limit", 256, 1, 100000, &g->conn_limit);
    evh_config_int(inst, "per_ip_connection_limit", 0, 0, 100000,
                   &g->per_ip_limit);
    evh_config_int(inst, "connection_timeout_s", 10, 1, 3600, &g->timeout_s);
    evh_config_int(inst, "threads", 2, 1, 64, &g->threads);
    evh_config_int(inst, "publish_timeout_ms", 5000, 10, 600000,
                   &g->publish_timeout_ms);
    evh_config_string(inst, "key_field", "key", &g->lim.key_field);
    evh_config_secret_file(inst, "token_file", &g->token);
    if (g->token && !g->token[0])
        evh_config_error(inst, "token_file", "the token file is empty");
    if (!g->lim.key_field[0])
        evh_config_error(inst, "key_field", "must not be empty");
    if (ing_accounts_configure(inst, &g->accounts) == EVH_ENOMEM)
        return EVH_ENOMEM;
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    g->lim.max_event_bytes = (size_t)g->max_event;
    g->lim.max_events = (size_t)g->max_batch;
    return parse_listen(g);
}

/* ---- answers ---------------------------------------------------------------
 */

static void count(ingest *g, _Atomic int64_t *c, const char *name, int64_t n)
{
    *c += n;
    evh_counter_add(g->inst, name, n);
}

/* The answer `o` (consumed), with one extra header when `hdr` is set;
 * `close`: the connection is closed after it. */
static enum MHD_Result send_json_full(struct MHD_Connection *c, unsigned status,
                                      json_object *o, const char *hdr,
                                      const char *val, bool close)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *body = malloc(n + 1);
    struct MHD_Response *r = NULL;
    if (body) {
        memcpy(body, s, n);
        body[n] = '\n';
        r = MHD_create_response_from_buffer(n + 1, body, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(body);
    }
    json_object_put(o);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    if (hdr)
        MHD_add_response_header(r, hdr, val);
    if (close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status,
                                 json_object *o, const char *hdr,
                                 const char *val)
{
    return send_json_full(c, status, o, hdr, val, false);
}

static json_object *error_object(const char *code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    return o;
}

/* {"error": code, "message": text[, "line": n]} */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status,
                                  const char *code, const char *msg,
                                  size_t line, const char *hdr, const char *val)
{
    json_object *o = error_object(code, msg);
    if (line)
        json_object_object_add(o, "line", json_object_new_int64((int64_t)line));
    return send_json(c, status, o, hdr, val);
}

/* A 400 for a request whose framing we cannot trust: answered, then the
 * connection is closed, so no byte after its headers is ever read as
 * another request. */
static enum MHD_Result bad_framing(ingest *g, struct MHD_Connection *c,
                                   const char *msg)
{
    count(g, &g->bad_request, "bad_request", 1);
    return send_json_full(c, MHD_HTTP_BAD_REQUEST,
                          error_object("bad_request", msg), NULL, NULL, true);
}

static enum MHD_Result too_large(ingest *g, struct MHD_Connection *c)
{
    char msg[128];
    count(g, &g->too_large, "too_large", 1);
    snprintf(msg, sizeof msg, "request body over %lld bytes",
             (long long)g->max_body);
    return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", msg, 0, NULL,
                      NULL);
}

/* 503.  Some events may be stored already (confirmed <= n): the answer
 * says how many and carries the Idempotency-Key (the client's, or the one
 * made up for this request) whose retry stores each event once. */
static enum MHD_Result unavailable(ingest *g, struct MHD_Connection *c, int rc,
                                   size_t confirmed, size_t n, const char *idem)
{
    count(g, &g->unavailable, "unavailable", 1);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (now - g->last_warn_ns > 5 * INT64_C(1000000000)) {
        g->last_warn_ns = now;
        evh_log(g->inst, EVH_LOG_WARN,
                "answering 503: events not confirmed by NATS (%s)",
                evh_strerror(rc));
    }
    char msg[256];
    if (rc == EVH_ECONN)
        snprintf(msg, sizeof msg,
                 "not connected to NATS; nothing was "
                 "stored; retry later");
    else
        snprintf(msg, sizeof msg,
                 "NATS confirmed %zu of the %zu events in time; retry with "
                 "Idempotency-Key %s: each event is then stored once",
                 confirmed, n, idem);
    json_object *o = error_object("unavailable", msg);
    json_object_object_add(o, "stored",
                           json_object_new_int64((int64_t)confirmed));
    json_object_object_add(o, "events", json_object_new_int64((int64_t)n));
    json_object_object_add(o, "idempotency_key", json_object_new_string(idem));
    return send_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, o,
                     MHD_HTTP_HEADER_RETRY_AFTER, "1");
}

/* ---- routes
 * ------------------------------------------------------------------ */

static enum MHD_Result do_stats(ingest *g, struct MHD_Connection *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "requests", json_object_new_int64(g->requests));
    json_object_object_add(o, "accepted", json_object_new_int64(g->accepted));
    json_object_object_add(o, "duplicates",
                           json_object_new_int64(g->duplicates));
    json_object_object_add(o, "conflict", json_object_new_int64(g->conflict));
    json_object_object_add(o, "bad_request",
                           json_object_new_int64(g->bad_request));
    json_object_object_add(o, "too_large", json_object_new_int64(g->too_large));
    json_object_object_add(o, "unauthorized",
                           json_object_new_int64(g->unauthorized));
    json_object_object_add(o, "unavailable",
                           json_object_new_int64(g->unavailable));
    json_object_object_add(o, "not_found", json_object_new_int64(g->not_found));
    json_object_object_add(o, "nats_connected",
                           json_object_new_boolean(evh_connected(g->inst)));
    return send_json(c, MHD_HTTP_OK, o, NULL, NULL);
}

static enum MHD_Result do_health(ingest *g, struct MHD_Connection *c)
{
    bool up = evh_connected(g->inst);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status",
                           json_object_new_string(up ? "ok" : "unavailable"));
    json_object_object_add(
        o, "nats", json_object_new_string(up ? "connected" : "reconnecting"));
    return send_json(c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, o,
                     NULL, NULL);
}

/* PUT /events/<key>?criticality=..&message=..[&timestamp=..]: the event
 * from the query parameters, then checked and keyed like a body. */
static int params_event(ingest *g, struct MHD_Connection *c, const char *key,
                        ingest_batch *b, size_t *line, char *err, size_t errlen)
{
    const char *crit =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "criticality");
    const char *msg =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "message");
    const char *ts =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timestamp");
    /* Room for the worst case (every byte escaped as \u00XX), not more:
     * the URL that carried them is small. */
    size_t cap = 6 * (msg ? strlen(msg) : 0) + (ts ? strlen(ts) : 40) + 128;
    char *text = malloc(cap);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int n = ingest_event_from_params(
        crit, msg, ts, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, text,
        cap, err, errlen);
    int rc = n < 0 ? -1
                   : ingest_parse(text, (size_t)n, key, &g->lim, b, line, err,
                                  errlen);
    free(text);
    return rc;
}

/* 128 random bits as an idempotency key, "evh-<32 hex>". */
static int make_key(char *buf, size_t cap)
{
    unsigned char r[16];
    if (cap < 4 + 2 * sizeof r + 1 ||
        getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return -1;
    static const char hex[] = "0123456789abcdef";
    size_t n = (size_t)snprintf(buf, cap, "evh-");
    for (size_t i = 0; i < sizeof r; i++) {
        buf[n++] = hex[r[i] >> 4];
        buf[n++] = hex[r[i] & 15];
    }
    buf[n] = '\0';
    return 0;
}

static enum MHD_Result do_events(ingest *g, struct MHD_Connection *c, req *r)
{
    char err[256];
    size_t line = 0;
    ingest_batch b = {0};
    const char *key = r->route == R_EVENTS_KEY ? r->key : NULL;
    const char *idem =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (idem && !ingest_idempotency_key_valid(idem)) {
        count(g, &g->bad_request, "bad_request", 1);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
                          "Idempotency-Key must be 1 to 128 of A-Z a-z 0-9 "
                          "_ . : -",
                          0, NULL, NULL);
    }
    int rc;
    if (r->len == 0 && key)
        rc = params_event(g, c, key, &b, &line, err, sizeof err);
    else
        rc = ingest_parse(r->body, r->len, key, &g->lim, &b, &line, err,
                          sizeof err);
    if (rc != 0) {
        ingest_batch_free(&b);
        count(g, &g->bad_request, "bad_request", 1);
        if (evh_log_enabled(g->inst, EVH_LOG_DEBUG))
            evh_log(g->inst, EVH_LOG_DEBUG, "400 (line %zu): %s", line, err);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request", err, line,
                          NULL, NULL);
    }
    /* Without a key of the client's, one made up for this request: if
     * part of the batch is stored before a failure, the 503 hands it to
     * the client, whose retry with it then stores each event once. */
    char made[40];
    if (!idem && make_key(made, sizeof made) == 0)
        idem = made;
    evh_confirm conf;
    rc = evh_publish_confirmed_counted(g->inst, NULL, b.n,
                                       (const void *const *)b.data, b.len, idem,
                                       g->publish_timeout_ms, &conf);
    size_t n = b.n;
    ingest_batch_free(&b);
    if (rc == EVH_ETOOBIG) {
        count(g, &g->too_large, "too_large", 1);
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                          "an event, with the headers NATS adds, is larger "
                          "than the NATS server's max_payload; nothing was "
                          "stored",
                          0, NULL, NULL);
    }
    if (rc == EVH_ECONFLICT) {
        count(g, &g->conflict, "conflict", 1);
        return send_error(c, MHD_HTTP_CONFLICT, "conflict",
                          "this Idempotency-Key was already used for a "
                          "different request body; nothing was stored (use "
                          "a new key for new events)",
                          0, NULL, NULL);
    }
    if (rc != EVH_OK)
        return unavailable(g, c, rc, conf.stored + conf.duplicates, n,
                           idem ? idem : "(none)");
    /* "accepted" counts what was answered 202, retries included, as
     * before; "duplicates" the part of it the stream already held. */
    count(g, &g->accepted, "accepted", (int64_t)n);
    if (conf.duplicates)
        count(g, &g->duplicates, "duplicates", (int64_t)conf.duplicates);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "accepted", json_object_new_int64((int64_t)n));
    json_object_object_add(o, "stored",
                           json_object_new_int64((int64_t)conf.stored));
    json_object_object_add(o, "duplicates",
                           json_object_new_int64((int64_t)conf.duplicates));
    json_object_object_add(o, "duplicate",
                           json_object_new_boolean(conf.duplicates == n));
    return send_json(c, MHD_HTTP_ACCEPTED, o, NULL, NULL);
}

/* With accounts, /accounts and /accounts/<id> (accounts.h). */
static bool accounts_route(ingest *g, const char *url, const char *method,
                           req *r, const char **allow)
{
    int n = g->accounts
                ? ing_accounts_route(url, method, r->key, sizeof r->key, allow)
                : 0;
    if (n > 0)
        r->route = n == 1 ? R_ACCOUNTS : R_ACCOUNT;
    return n > 0;
}

/* The last check of a request's headers.  With accounts, the key of
 * /events/<key> must be an active account (unknown 404, inactive 403,
 * PostgreSQL not answering 503). */
static enum MHD_Result account_gate(ingest *g, struct MHD_Connection *c,
                                    const req *r, bool *answered)
{
    char err[300];
    int st = r->route == R_EVENTS_KEY && g->accounts
                 ? ing_accounts_check(g->accounts, r->key, err, sizeof err)
                 : ACC_ACTIVE;
    if (st == ACC_ACTIVE) {
        *answered = false;
        return MHD_YES;
    }
    if (st == ACC_UNKNOWN) {
        count(g, &g->not_found, "not_found", 1);
        return send_error(c, MHD_HTTP_NOT_FOUND, "unknown_account",
                          "no such account", 0, NULL, NULL);
    }
    if (st == ACC_INACTIVE) {
        evh_counter_add(g->inst, "inactive_account", 1);
        return send_error(c, MHD_HTTP_FORBIDDEN, "inactive_account",
                          "this account is not active", 0, NULL, NULL);
    }
    count(g, &g->unavailable, "unavailable", 1);
    return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", err, 0,
                      MHD_HTTP_HEADER_RETRY_AFTER, "1");
}

/* Which route, or an answer right away (404, 405, 400, 401, 413). */
static enum MHD_Result route(ingest *g, struct MHD_Connection *c,
                             const char *url, const char *method, req *r,
                             bool *answered)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0, put = strcmp(method, "PUT") == 0;
    const char *allow = NULL;
    *answered = true;
    if (strcmp(url, "/events") == 0) {
        r->route = R_EVENTS;
        allow = post ? NULL : "POST";
    } else if (strncmp(url, "/events/", 8) == 0) {
        r->route = R_EVENTS_KEY;
        allow = post || put ? NULL : "PUT, POST";
        if (!allow && !ingest_key_valid(url + 8)) {
            count(g, &g->bad_request, "bad_request", 1);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "bad_request",
                              "the key in /events/<key> must be 1 to 64 of "
                              "A-Z a-z 0-9 _ . -",
                              0, NULL, NULL);
        }
        if (!allow)
            snprintf(r->key, sizeof r->key, "%s", url + 8);
    } else if (strcmp(url, "/healthz") == 0) {
        r->route = R_HEALTH;
        allow = get ? NULL : "GET, HEAD";
    } else if (strcmp(url, "/stats") == 0) {
        r->route = R_STATS;
        allow = get ? NULL : "GET, HEAD";
    } else if (!accounts_route(g, url, method, r, &allow)) {
        count(g, &g->not_found, "not_found", 1);
        return send_error(c, MHD_HTTP_NOT_FOUND, "not_found",
                          "no such path: POST /events, PUT /events/<key>, "
                          "GET /healthz, GET /stats",
                          0, NULL, NULL);
    }
    if (allow)
        return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          "method not allowed here", 0, MHD_HTTP_HEADER_ALLOW,
                          allow);
    if (g->token && r->route != R_HEALTH) {
        const char *a = MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!a || strncmp(a, "Bearer ", 7) != 0 ||
            !ingest_token_equal(a + 7, g->token)) {
            count(g, &g->unauthorized, "unauthorized", 1);
            return send_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                              "a valid bearer token is required", 0,
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Bearer realm=\"evhost\"");
        }
    }
    const char *cl = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > (unsigned long long)g->max_body)
        return too_large(g, c);
    return account_gate(g, c, r, answered);
}

/* The connection's state (see conn_state), or NULL when it could not be
 * allocated. */
static conn_state *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* What libmicrohttpd tolerates and we do not, before anything else. */
static const char *refuse_framing(struct MHD_Connection *c, const char *version)
{
    conn_state *cs = conn_of(c);
    if (cs && cs->nul) {
        cs->nul = false;
        return "a NUL byte (%00) in the path or query is not allowed";
    }
    /* Which of the two frames the body is a guess an intermediary may make
     * differently (request smuggling); RFC 9112 6.3 says to refuse it and
     * close the connection. */
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_CONTENT_LENGTH) &&
        MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return "both Content-Length and Transfer-Encoding: the body's "
               "length is ambiguous";
    if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST))
        return "an HTTP/1.1 request needs a Host header";
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    ingest *g = cls;
    req *r = *con_cls;
    if (!r) {
        /* Headers are in: route, authenticate, check the declared size. */
        if (!conn_of(c) || !(r = calloc(1, sizeof *r)))
            return MHD_NO;
        *con_cls = r;
        g->requests++;
        const char *why = refuse_framing(c, version);
        if (why) {
            r->route = -1;
            return bad_framing(g, c, why);
        }
        bool answered;
        enum MHD_Result ret = route(g, c, url, method, r, &answered);
        if (answered)
            r->route = -1;
        return ret;
    }
    if (r->route < 0) {
        *upload_size = 0; /* answered already: ignore the rest */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (r->too_big || r->len + n > (size_t)g->max_body) {
            /* A chunked body without Content-Length: free what we hold,
             * answer 413 when it ends. */
            r->too_big = true;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
            return MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n + 1)
                cap *= 2;
            if (cap > (size_t)g->max_body + 1)
                cap = (size_t)g->max_body + 1;
            char *b = realloc(r->body, cap);
            if (!b)
                return MHD_NO;
            r->body = b;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload, n);
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->too_big)
        return too_large(g, c);
    switch (r->route) {
    case R_HEALTH: return do_health(g, c);
    case R_STATS: return do_stats(g, c);
    case R_ACCOUNTS:
    case R_ACCOUNT: {
        json_object *o = NULL;
        unsigned st =
            r->route == R_ACCOUNT
                ? ing_accounts_get(g->accounts, r->key, &o)
                : ing_accounts_create(g->accounts, r->body, r->len, &o);
        return send_json(c, st, o, NULL, NULL);
    }
    default: return do_events(g, c, r);
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    req *r = *con_cls;
    if (r) {
        free(r->body);
        free(r);
        *con_cls = NULL;
    }
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode what)
{
    (void)cls;
    (void)c;
    if (what == MHD_CONNECTION_NOTIFY_STARTED)
        *socket_context = calloc(1, sizeof(conn_state));
    else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

/* libmicrohttpd's own decoding, watching for a %00 it turns into a NUL
 * (the string it hands on would be cut there). */
static size_t on_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    size_t n = MHD_http_unescape(s);
    conn_state *cs = conn_of(c);
    if (cs && memchr(s, '\0', n))
        cs->nul = true;
    return n;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    ingest *g = cls;
    /* libmicrohttpd's own complaints (a client that timed out, a refused
     * connection over the limit): details for debugging, not warnings. */
    evh_logv(g->inst, EVH_LOG_DEBUG, fmt, ap);
}

/* ---- lifecycle
 * --------------------------------------------------------------- */

static int ingest_start(void *state)
{
    ingest *g = state;
    if (g->accounts)
        ing_accounts_start(g->accounts, g->inst);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (g->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    uint16_t port = ntohs(g->addr.ss_family == AF_INET6
                              ? ((struct sockaddr_in6 *)&g->addr)->sin6_port
                              : ((struct sockaddr_in *)&g->addr)->sin_port);
    g->d = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, g, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&g->addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)g->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)g->conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)g->per_ip_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)g->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, g,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, g,
        MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, g,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, g, MHD_OPTION_END);
    if (!g->d) {
        evh_log(g->inst, EVH_LOG_ERROR,
                "cannot listen on %s: %s (is the port in use?)", g->listen,
                strerror(errno));
        return EVH_ECONFIG;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(g->d, MHD_DAEMON_INFO_BIND_PORT);
    char where[300];
    snprintf(where, sizeof where, "%.*s:%u",
             (int)(strrchr(g->listen, ':') - g->listen), g->listen,
             di ? di->port : port);
    evh_log(g->inst, EVH_LOG_INFO,
            "listening on http://%s (POST /events, PUT /events/<key>; %s)",
            where, g->token ? "bearer token required" : "no authentication");
    return EVH_OK;
}

/* Stop taking requests while NATS is still up, so the ones in flight get
 * their confirmations; MHD_stop_daemon waits for them. */
static void ingest_drain(void *state)
{
    ingest *g = state;
    if (g->d) {
        MHD_stop_daemon(g->d);
        g->d = NULL;
    }
}

static void ingest_destroy(void *state)
{
    ingest *g = state;
    if (!g)
        return;
    ingest_drain(g);
    ing_accounts_free(g->accounts);
    wipe_free(g->token);
    free(g);
}

EVH_PLUGIN_DEFINE(.name = "http-ingest", .version = PACKAGE_VERSION,
                  .flags = EVH_PLUGIN_THREAD_SAFE,
                  .description = "accept events over HTTP, publish them to "
                                 "NATS",
                  .configure = ingest_configure, .start = ingest_start,
                  .drain = ingest_drain, .stop = ingest_drain,
                  .destroy = ingest_destroy);
