/*
 * http-query: the reader's questions over HTTP.  GET /events and GET
 * /events/counts turn their query parameters into the request JSON of the
 * `query` subject (params.h), ask the reader over NATS and answer with its
 * reply as it is: 200 with {"events":...} or {"counts":...}; the reader's
 * error replies become 400 (bad_request) or 503 (unavailable), in
 * http-ingest's error shape {"error": code, "message": text}.  The HTTP
 * edge never talks to InfluxDB: it needs NATS and a reader, nothing else.
 *
 * Its own listener, not http-ingest's: reading and writing are separate
 * roles (a dashboard may read without being able to publish events, a
 * producer write without reading), scaled and exposed apart.
 *
 * libmicrohttpd serves on its own threads; each request blocks one of
 * them in evh_request for at most request_timeout_ms (thread-safe).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "params.h"

typedef struct hq {
    evh_instance *inst;
    const char *listen;
    struct sockaddr_storage addr;
    int64_t conn_limit, per_ip_limit, timeout_s, threads, request_timeout_ms;
    char *token; /* bearer token, or NULL: no authentication */
    struct MHD_Daemon *d;
} hq;

static int parse_listen(hq *g)
{
    char host[256];
    const char *colon = strrchr(g->listen, ':');
    if (!colon || colon == g->listen || !colon[1] ||
        (size_t)(colon - g->listen) >= sizeof host)
        return evh_config_error(g->inst, "listen",
                                "expected \"address:port\" (e.g. "
                                "\"127.0.0.1:8081\" or \"[::1]:8081\"), got "
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

static int hq_configure(evh_instance *inst, void **state)
{
    hq *g = calloc(1, sizeof *g);
    if (!g)
        return EVH_ENOMEM;
    *state = g;
    g->inst = inst;
    evh_config_string(inst, "listen", "127.0.0.1:8081", &g->listen);
    evh_config_int(inst, "connection_limit", 256, 1, 100000, &g->conn_limit);
    evh_config_int(inst, "per_ip_connection_limit", 0, 0, 100000,
                   &g->per_ip_limit);
    evh_config_int(inst, "connection_timeout_s", 10, 1, 3600, &g->timeout_s);
    evh_config_int(inst, "threads", 4, 1, 64, &g->threads);
    evh_config_int(inst, "request_timeout_ms", 5000, 10, 600000,
                   &g->request_timeout_ms);
    evh_config_secret_file(inst, "token_file", &g->token);
    if (g->token && !g->token[0])
        evh_config_error(inst, "token_file", "the token file is empty");
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    return parse_listen(g);
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
                                 char *body, const char *hdr, const char *val)
{
    size_t n = strlen(body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    if (hdr)
        MHD_add_response_header(r, hdr, val);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* {"error": code, "message": text}: http-ingest's shape. */
static enum MHD_Result send_error(hq *g, struct MHD_Connection *c,
                                  unsigned status, const char *code,
                                  const char *msg, const char *hdr,
                                  const char *val)
{
    evh_counter_add(g->inst, code, 1);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    const char *s = json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *body = s ? malloc(strlen(s) + 2) : NULL;
    if (body)
        snprintf(body, strlen(s) + 2, "%s\n", s);
    json_object_put(o);
    return body ? send_text(c, status, body, hdr, val) : MHD_NO;
}

/* Constant time in the length of the given token: no early exit that
 * tells an attacker how much of a guess was right. */
static bool token_equal(const char *given, const char *want)
{
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char d = gl != wl;
    for (size_t i = 0; i < gl; i++)
        d |= (unsigned char)given[i] ^ (unsigned char)want[i % (wl ? wl : 1)];
    return d == 0;
}

typedef struct collect {
    hq_params *p;
    char err[256];
    int bad;
} collect;

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind,
                              const char *key, const char *value)
{
    collect *k = cls;
    (void)kind;
    if (!k->bad && hq_params_add(k->p, key, value, k->err, sizeof k->err) != 0)
        k->bad = 1;
    return MHD_YES;
}

/* The reader's reply as the HTTP answer: 200, or its error's status. */
static enum MHD_Result relay(hq *g, struct MHD_Connection *c, char *reply)
{
    json_object *o = json_tokener_parse(reply), *e, *code, *msg;
    if (o && json_object_object_get_ex(o, "error", &e)) {
        const char *cs = json_object_object_get_ex(e, "code", &code)
                             ? json_object_get_string(code)
                             : "unavailable";
        const char *ms = json_object_object_get_ex(e, "message", &msg)
                             ? json_object_get_string(msg)
                             : "the reader failed";
        bool bad = strcmp(cs, "bad_request") == 0;
        enum MHD_Result r = send_error(
            g, c, bad ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_SERVICE_UNAVAILABLE,
            bad ? "bad_request" : "unavailable", ms,
            bad ? NULL : MHD_HTTP_HEADER_RETRY_AFTER, "1");
        json_object_put(o);
        free(reply);
        return r;
    }
    json_object_put(o);
    evh_counter_add(g->inst, "answered", 1);
    return send_text(c, MHD_HTTP_OK, reply, NULL, NULL);
}

static enum MHD_Result do_query(hq *g, struct MHD_Connection *c, bool counts)
{
    collect k = {.p = hq_params_new(counts)};
    char *req = NULL, *reply = NULL;
    if (!k.p)
        return MHD_NO;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, &k);
    if (!k.bad && !(req = hq_params_request(k.p, k.err, sizeof k.err)))
        k.bad = 1;
    hq_params_free(k.p);
    if (k.bad)
        return send_error(g, c, MHD_HTTP_BAD_REQUEST, "bad_request", k.err,
                          NULL, NULL);
    int rc = evh_request(g->inst, NULL, req, strlen(req), g->request_timeout_ms,
                         &reply, NULL);
    free(req);
    if (rc != EVH_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "no answer from a reader (%s); retry later",
                 rc == EVH_ENORESPONDERS ? "no reader is running"
                 : rc == EVH_ETIMEOUT    ? "timed out"
                                         : evh_strerror(rc));
        return send_error(g, c, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                          msg, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    }
    return relay(g, c, reply);
}

static enum MHD_Result do_health(hq *g, struct MHD_Connection *c)
{
    bool up = evh_connected(g->inst);
    char *body = strdup(up ? "{\"status\":\"ok\",\"nats\":\"connected\"}\n"
                           : "{\"status\":\"unavailable\",\"nats\":"
                             "\"reconnecting\"}\n");
    return body ? send_text(c, up ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                            body, NULL, NULL)
                : MHD_NO;
}

/* libmicrohttpd decodes %00 into a NUL and hands the value on cut there
 * ("contains=a%00b" as "a"): the connection is marked and the request
 * refused instead (as http-ingest does). */
static bool *nul_flag(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static size_t on_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    size_t n = MHD_http_unescape(s);
    bool *nul = nul_flag(c);
    if (nul && memchr(s, '\0', n))
        *nul = true;
    return n;
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode what)
{
    (void)cls;
    (void)c;
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(bool));
    } else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    hq *g = cls;
    (void)version;
    (void)upload;
    if (!*con_cls) {
        *con_cls = g; /* headers first; answer once the request is whole */
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* a GET carries no body we read */
        return MHD_YES;
    }
    bool *nul = nul_flag(c);
    if (!nul)
        return MHD_NO;
    if (*nul) {
        *nul = false;
        return send_error(g, c, MHD_HTTP_BAD_REQUEST, "bad_request",
                          "a NUL byte (%00) in the path or query is not "
                          "allowed",
                          NULL, NULL);
    }
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool events = !strcmp(url, "/events"),
         counts = !strcmp(url, "/events/counts"),
         health = !strcmp(url, "/healthz");
    if (!events && !counts && !health)
        return send_error(g, c, MHD_HTTP_NOT_FOUND, "not_found",
                          "no such path: GET /events, GET /events/counts, "
                          "GET /healthz",
                          NULL, NULL);
    if (!get)
        return send_error(g, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method_not_allowed", "method not allowed here",
                          MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (health)
        return do_health(g, c);
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    if (g->token &&
        (!a || strncmp(a, "Bearer ", 7) != 0 || !token_equal(a + 7, g->token)))
        return send_error(g, c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                          "a valid bearer token is required",
                          MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                          "Bearer realm=\"evhost\"");
    return do_query(g, c, counts);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    hq *g = cls;
    evh_logv(g->inst, EVH_LOG_DEBUG, fmt, ap);
}

static int hq_start(void *state)
{
    hq *g = state;
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
        (unsigned)g->timeout_s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, g,
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
    evh_log(g->inst, EVH_LOG_INFO,
            "listening on http://%.*s:%u (GET /events, GET /events/counts; %s)",
            (int)(strrchr(g->listen, ':') - g->listen), g->listen,
            di ? di->port : port,
            g->token ? "bearer token required" : "no authentication");
    return EVH_OK;
}

/* Stop taking requests while NATS is still up: the ones in flight get
 * their answers; MHD_stop_daemon waits for them. */
static void hq_drain(void *state)
{
    hq *g = state;
    if (g->d) {
        MHD_stop_daemon(g->d);
        g->d = NULL;
    }
}

static void hq_destroy(void *state)
{
    hq *g = state;
    if (!g)
        return;
    hq_drain(g);
    if (g->token) {
        explicit_bzero(g->token, strlen(g->token));
        free(g->token);
    }
    free(g);
}

EVH_PLUGIN_DEFINE(.name = "http-query", .version = PACKAGE_VERSION,
                  .flags = EVH_PLUGIN_THREAD_SAFE, .needs = EVH_WIRE_PUBLISH,
                  .refuses = EVH_WIRE_JETSTREAM,
                  .description = "answer GET /events and /events/counts by "
                                 "asking the reader over NATS",
                  .configure = hq_configure, .start = hq_start,
                  .drain = hq_drain, .stop = hq_drain, .destroy = hq_destroy);
