/*
 * Counters as JSON: served on `evhost.<host.name>.stats` by a running host,
 * and fetched by `evhost --stats -c FILE` (exit 0 when the host answered,
 * so it doubles as a container health check).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"

static void add_i64(json_object *o, const char *k, int64_t v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

int64_t stats_inst_drops(evh_instance *inst)
{
    int64_t drops = inst->st.drops;
    for (int i = 0; i < inst->nsubs; i++) {
        int64_t d = 0;
        if (inst->subs[i] &&
            natsSubscription_GetDropped(inst->subs[i], &d) == NATS_OK)
            drops += d;
    }
    return drops;
}

static json_object *inst_json(evh_instance *inst)
{
    json_object *o = json_object_new_object();
    json_object *c = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(inst->ic->name));
    json_object_object_add(
        o, "plugin",
        json_object_new_string(inst->plugin ? inst->plugin->name : "?"));
    static const char *const phases[] = {"new", "configured", "running",
                                         "stopping", "stopped"};
    json_object_object_add(o, "state",
                           json_object_new_string(phases[inst->phase]));
    add_i64(c, "in", inst->st.in);
    add_i64(c, "out", inst->st.out);
    add_i64(c, "errors", inst->st.errors);
    add_i64(c, "drops", stats_inst_drops(inst));
    if (inst->consumer || inst->js) {
        add_i64(c, "acks", inst->st.acks);
        add_i64(c, "naks", inst->st.naks);
        add_i64(c, "terms", inst->st.terms);
        add_i64(c, "dead_letters", inst->st.dead_letters);
        add_i64(c, "held", inst->st.held);
        add_i64(c, "publish_retries", inst->st.publish_retries);
    }
    for (evh_counter *pc = __atomic_load_n(&inst->counters, __ATOMIC_ACQUIRE);
         pc; pc = pc->next)
        add_i64(c, pc->name, pc->value);
    json_object_object_add(o, "counters", c);
    return o;
}

char *stats_json(evh_host *h)
{
    json_object *root = json_object_new_object();
    json_object *n = json_object_new_object();
    json_object *arr = json_object_new_array();

    /* insts_lock also guards h->conf against a reload swapping it. */
    pthread_mutex_lock(&h->insts_lock);
    json_object_object_add(root, "host", json_object_new_string(h->conf->name));
    pthread_mutex_unlock(&h->insts_lock);
    json_object_object_add(root, "version", json_object_new_string(VERSION));
    add_i64(root, "uptime_s", (now_mono_ns() - h->started_ns) / 1000000000);
    json_object_object_add(
        n, "connected",
        json_object_new_boolean(h->nc && natsConnection_Status(h->nc) ==
                                             NATS_CONN_STATUS_CONNECTED));
    add_i64(n, "disconnects", h->disconnects);
    add_i64(n, "reconnects", h->reconnects);
    add_i64(n, "async_errors", h->async_errors);
    add_i64(n, "slow_consumer_events", h->slow_consumer);
    json_object_object_add(root, "nats", n);
    pthread_mutex_lock(&h->insts_lock);
    for (int i = 0; i < h->ninsts; i++)
        json_object_array_add(arr, inst_json(h->insts[i]));
    pthread_mutex_unlock(&h->insts_lock);
    json_object_object_add(root, "instances", arr);
    char *out = strdup(json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return out;
}

void stats_summary(evh_host *h, char *buf, size_t len)
{
    int64_t in = 0, out = 0, errors = 0, drops = 0;
    int running = 0, n;
    pthread_mutex_lock(&h->insts_lock);
    n = h->ninsts;
    for (int i = 0; i < n; i++) {
        const evh_instance *inst = h->insts[i];
        running += inst->phase == PHASE_STARTED;
        in += inst->st.in;
        out += inst->st.out;
        errors += inst->st.errors;
        drops += inst->st.drops;
    }
    pthread_mutex_unlock(&h->insts_lock);
    bool up =
        h->nc && natsConnection_Status(h->nc) == NATS_CONN_STATUS_CONNECTED;
    snprintf(buf, len,
             "%d of %d instances running; in %lld, out %lld, errors %lld, "
             "drops %lld; NATS %s, %lld reconnects",
             running, n, (long long)in, (long long)out, (long long)errors,
             (long long)drops, up ? "connected" : "disconnected",
             (long long)h->reconnects);
}

static void on_stats_request(natsConnection *nc, natsSubscription *sub,
                             natsMsg *m, void *closure)
{
    evh_host *h = closure;
    const char *reply = natsMsg_GetReply(m);
    if (reply) {
        char *js = stats_json(h);
        if (js)
            natsConnection_PublishString(nc, reply, js);
        free(js);
    }
    natsMsg_Destroy(m);
}

int stats_serve(evh_host *h)
{
    natsStatus s = natsConnection_Subscribe(
        &h->stats_sub, h->nc, h->conf->stats_subject, on_stats_request, h);
    if (s != NATS_OK) {
        LOG_ERROR("cannot serve stats on %s: %s", h->conf->stats_subject,
                  natsStatus_GetText(s));
        return EVH_ECONN;
    }
    LOG_DEBUG("serving counters on %s", h->conf->stats_subject);
    return EVH_OK;
}

int stats_query(const char *config_path)
{
    host_conf *c = conf_load(config_path);
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsMsg *reply = NULL;
    int rc = 1;

    if (!c || c->errors) {
        conf_unref(c);
        return 1;
    }
    natsStatus s = conn_options(c, NULL, &o);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, false);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, o);
    if (s != NATS_OK) {
        fprintf(stderr, "evhost: cannot connect to NATS: %s\n",
                natsStatus_GetText(s));
    } else {
        s = natsConnection_RequestString(&reply, nc, c->stats_subject, "",
                                         3000);
        if (s == NATS_OK) {
            json_object *j = json_tokener_parse(natsMsg_GetData(reply));
            printf("%s\n", j ? json_object_to_json_string_ext(
                                   j, JSON_C_TO_STRING_PRETTY |
                                          JSON_C_TO_STRING_NOSLASHESCAPE)
                             : natsMsg_GetData(reply));
            json_object_put(j);
            rc = 0;
        } else {
            fprintf(stderr,
                    "evhost: no answer on %s: %s (is the host "
                    "running?)\n",
                    c->stats_subject, natsStatus_GetText(s));
        }
    }
    natsMsg_Destroy(reply);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    conf_unref(c);
    return rc;
}
