/*
 * /metrics in the Prometheus text format.  Names follow Prometheus'
 * conventions (evhost_ prefix, counters end in _total, base units); a
 * family's samples are written together, as the format requires, so the
 * loops run family by family over the instances.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_MHD
#include <microhttpd.h>
#endif

#include "host.h"
#include "log.h"

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void family(FILE *f, const char *name, const char *type,
                   const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void inst_labels(FILE *f, const evh_instance *inst)
{
    fputs("{instance=\"", f);
    put_label(f, inst->ic->name);
    fputs("\",plugin=\"", f);
    put_label(f, inst->plugin ? inst->plugin->name : "?");
    fputc('"', f);
}

static bool is_js(const evh_instance *inst)
{
    return inst->consumer || inst->js;
}

enum {
    V_IN,
    V_OUT,
    V_ERRORS,
    V_DROPS,
    V_UP,
    V_ACKS,
    V_NAKS,
    V_TERMS,
    V_REDELIVERED,
    V_RETRIES,
    V_HELD,
    V_PENDING
};

static const struct {
    const char *name, *type, *help;
    bool js_only;
} inst_families[] = {
    [V_IN] = {"evhost_messages_in_total", "counter",
              "Messages delivered to the instance.", false},
    [V_OUT] = {"evhost_messages_out_total", "counter",
               "Messages the instance published.", false},
    [V_ERRORS] = {"evhost_errors_total", "counter",
                  "Plugin callbacks that returned an error.", false},
    [V_DROPS] = {"evhost_drops_total", "counter",
                 "Messages lost: dropped by the NATS client for a slow "
                 "consumer, or not processed on core NATS.",
                 false},
    [V_UP] = {"evhost_instance_up", "gauge", "1 while the instance runs.",
              false},
    [V_ACKS] = {"evhost_jetstream_acks_total", "counter",
                "JetStream messages acknowledged.", true},
    [V_NAKS] = {"evhost_jetstream_naks_total", "counter",
                "JetStream messages negatively acknowledged (redelivered "
                "later).",
                true},
    [V_TERMS] = {"evhost_jetstream_terms_total", "counter",
                 "JetStream messages terminated (never redelivered).", true},
    [V_REDELIVERED] = {"evhost_jetstream_redeliveries_total", "counter",
                       "JetStream messages received more than once.", true},
    [V_RETRIES] = {"evhost_jetstream_publish_retries_total", "counter",
                   "JetStream publishes sent again after a failure.", true},
    [V_HELD] = {"evhost_jetstream_held_messages", "gauge",
                "Messages the plugin holds, not yet settled.", true},
    [V_PENDING] = {"evhost_jetstream_pending_messages", "gauge",
                   "Messages the consumer had yet to deliver, as of the "
                   "last one received.",
                   true},
};

static int64_t inst_value(evh_instance *inst, int v)
{
    switch (v) {
    case V_IN: return inst->st.in;
    case V_OUT: return inst->st.out;
    case V_ERRORS: return inst->st.errors;
    case V_DROPS: return stats_inst_drops(inst);
    case V_UP: return inst->phase == PHASE_STARTED;
    case V_ACKS: return inst->st.acks;
    case V_NAKS: return inst->st.naks;
    case V_TERMS: return inst->st.terms;
    case V_REDELIVERED: return inst->st.redelivered;
    case V_RETRIES: return inst->st.publish_retries;
    case V_HELD: return inst->st.held;
    default: return inst->js_pending;
    }
}

static void host_families(FILE *f, evh_host *h)
{
    family(f, "evhost_build_info", "gauge",
           "evhost's version, plugin ABI and nats.c version; always 1.");
    fprintf(f,
            "evhost_build_info{version=\"%s\",abi=\"%d.%d\",natsc=\"%s\","
            "host=\"",
            VERSION, EVH_ABI_MAJOR, EVH_ABI_MINOR, nats_GetVersion());
    put_label(f, h->conf->name);
    fputs("\"} 1\n", f);
    family(f, "evhost_start_time_seconds", "gauge",
           "When the host started, in seconds since the epoch.");
    fprintf(f, "evhost_start_time_seconds %lld\n", (long long)h->started_unix);
    family(f, "evhost_nats_connected", "gauge",
           "1 while the NATS connection is up.");
    fprintf(f, "evhost_nats_connected %d\n",
            h->nc &&
                natsConnection_Status(h->nc) == NATS_CONN_STATUS_CONNECTED);
    family(f, "evhost_nats_disconnects_total", "counter",
           "Times the NATS connection was lost.");
    fprintf(f, "evhost_nats_disconnects_total %lld\n",
            (long long)h->disconnects);
    family(f, "evhost_nats_reconnects_total", "counter",
           "Times the NATS connection was re-established.");
    fprintf(f, "evhost_nats_reconnects_total %lld\n", (long long)h->reconnects);
    family(f, "evhost_nats_async_errors_total", "counter",
           "Asynchronous errors reported by the NATS client.");
    fprintf(f, "evhost_nats_async_errors_total %lld\n",
            (long long)h->async_errors);
    family(f, "evhost_nats_slow_consumer_events_total", "counter",
           "Slow-consumer events reported by the NATS client.");
    fprintf(f, "evhost_nats_slow_consumer_events_total %lld\n",
            (long long)h->slow_consumer);
}

char *metrics_text(evh_host *h, size_t *len)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    if (!f)
        return NULL;
    pthread_mutex_lock(&h->insts_lock);
    host_families(f, h);
    for (size_t v = 0; v < sizeof inst_families / sizeof *inst_families; v++) {
        bool any = false;
        for (int i = 0; i < h->ninsts; i++) {
            evh_instance *inst = h->insts[i];
            if (inst_families[v].js_only && !is_js(inst))
                continue;
            if (!any)
                family(f, inst_families[v].name, inst_families[v].type,
                       inst_families[v].help);
            any = true;
            fputs(inst_families[v].name, f);
            inst_labels(f, inst);
            fprintf(f, "} %lld\n", (long long)inst_value(inst, (int)v));
        }
    }
    /* The plugins' own counters, one family with the counter's name as a
     * label: names are the plugins' choice, not checked metric names. */
    bool any = false;
    for (int i = 0; i < h->ninsts; i++) {
        evh_instance *inst = h->insts[i];
        for (evh_counter *c =
                 __atomic_load_n(&inst->counters, __ATOMIC_ACQUIRE);
             c; c = c->next) {
            if (!any)
                family(f, "evhost_plugin_counts_total", "counter",
                       "A plugin's own counter (evh_counter_add), named by "
                       "the counter label.");
            any = true;
            fputs("evhost_plugin_counts_total", f);
            inst_labels(f, inst);
            fputs(",counter=\"", f);
            put_label(f, c->name);
            fprintf(f, "\"} %lld\n", (long long)c->value);
        }
    }
    pthread_mutex_unlock(&h->insts_lock);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

#ifdef HAVE_MHD
static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
                             const char *type, char *body, size_t len,
                             enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *data_len, void **con_cls)
{
    evh_host *h = cls;
    static char not_found[] = "only /metrics is served here\n";
    static char not_allowed[] = "only GET and HEAD\n";
    static char no_memory[] = "out of memory\n";
    if (*data_len) {
        *data_len = 0; /* a body is read and ignored */
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
                     strlen(not_found), MHD_RESPMEM_PERSISTENT);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
                     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
    size_t len = 0;
    char *body = metrics_text(h, &len);
    if (!body)
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", no_memory,
                     strlen(no_memory), MHD_RESPMEM_PERSISTENT);
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                 body, len, MHD_RESPMEM_MUST_FREE);
}

int metrics_start(evh_host *h)
{
    const host_conf *c = h->conf;
    if (!c->metrics_listen)
        return EVH_OK;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    if (c->metrics_addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* A scrape is one short GET: a few connections and a short timeout
     * keep a stuck client from holding the listener. */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
        (const struct sockaddr *)&c->metrics_addr, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)16, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
        MHD_OPTION_END);
    if (!d) {
        LOG_ERROR("cannot listen on %s for /metrics: %s (is the port in "
                  "use?)",
                  c->metrics_listen, strerror(errno));
        return EVH_ECONN;
    }
    h->metrics = d;
    LOG_INFO("serving Prometheus metrics on http://%s/metrics",
             c->metrics_listen);
    return EVH_OK;
}

void metrics_stop(evh_host *h)
{
    if (h->metrics)
        MHD_stop_daemon(h->metrics);
    h->metrics = NULL;
}
#else
/* config_file.c refuses host.metrics_listen in a build without libmicrohttpd.
 */
int metrics_start(evh_host *h)
{
    (void)h;
    return EVH_OK;
}

void metrics_stop(evh_host *h) { (void)h; }
#endif
